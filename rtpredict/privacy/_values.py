"""Values that look like direct identifiers: full dates, French NIR, e-mail addresses, phones.

Each detector searches inside the value (a file name or a free-text cell can carry one) and
returns what it found *masked*, so that an error message or a log line never repeats the
identifier: ``1957-**-**``, ``**/**/1957``, ``j***@***``, ``06********``, ``1**************``.

- Full dates: year-month-day (``1957-03-12``, ``1957/3/12``, ``1957.03.12``, ISO date-times),
  day-month-year or month-day-year (``12/03/1957``, ``12-03-1957``, ``12.03.1957``), two-digit
  years with slashes only (``12/03/57``), and month names in French or English (``12 mars 1957``,
  ``12-Mar-57``, ``March 12, 1957``). Years 1880-2099; day and month must be possible. A month
  and year alone (``03/1957``) or a year alone is not a full date.
- NIR (numéro d'inscription au répertoire, the French social security number): 15 characters,
  spaces allowed between the groups ``s yy mm dd ccc ooo kk``; department ``2A``/``2B`` for
  Corsica. Flagged only when its key checks: ``kk = 97 - (first 13 digits mod 97)``, with
  ``2A`` read as ``19`` and ``2B`` as ``18`` (INSEE's rule).
- E-mail addresses: ``local@domain.tld``.
- Phone numbers: French national numbers (``0`` then 9 digits, grouped or not by spaces, dots
  or hyphens; not the decimals of a number such as ``0.0612345678``) and international numbers
  written with ``+`` (``+33 6 12 34 56 78``). ``0033…`` is not recognised (zero-padded lab
  numbers look alike).

A match may touch letters or punctuation (``T1_1957-03-12_R1``, ``tel0612345678``) but not
more digits: a longer number is another thing.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class ValueFinding(NamedTuple):
    """What a value looks like (``kind``) and the masked match to show the user."""

    kind: str
    masked: str


_MONTHS = (
    "janvier|janv|fevrier|février|fevr|févr|fev|fév|mars|avril|avr|mai|juin|juillet|juil|aout|"
    "août|septembre|sept|octobre|novembre|decembre|décembre|dec|déc|"
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|oct|nov"
)
_YEAR = r"(?:18[89]\d|19\d\d|20\d\d)"
_YMD = re.compile(rf"(?<!\d)({_YEAR})([-/.])(\d{{1,2}})\2(\d{{1,2}})(?!\d)")
_DMY = re.compile(rf"(?<!\d)(\d{{1,2}})([-/.])(\d{{1,2}})\2({_YEAR})(?![\d])")
_DMY2 = re.compile(r"(?<!\d)(\d{2})/(\d{2})/(\d{2})(?!\d)")
_DAY_MONTH_NAME = re.compile(
    rf"(?<!\d)(\d{{1,2}})(?:er)?[ -]?({_MONTHS})\.?[ ,.-]*({_YEAR}|\d{{2}})(?![\d])",
    re.IGNORECASE,
)
_MONTH_NAME_DAY = re.compile(rf"({_MONTHS})\.? (\d{{1,2}}),? ({_YEAR})(?!\d)", re.IGNORECASE)
_NIR = re.compile(
    r"(?<!\d)([1-478]) ?(\d{2}) ?(\d{2}) ?(\d{2}|2[ABab]) ?(\d{3}) ?(\d{3}) ?(\d{2})"
    r"(?!\d)"
)
_EMAIL = re.compile(
    r"([A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+)@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_PHONE_FR = re.compile(r"(?<![\d+])(?<!\d[.,])0[1-9](?:[ .-]?\d{2}){4}(?![\d])")
_PHONE_INTL = re.compile(r"(?<![\d+])\+[1-9]\d{0,2}(?:[ .-]?\(0\))?(?:[ .-]?\d){6,12}(?!\d)")


def _day_month(day: int, month: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= 31


def _mask_digits(text: str, keep: int = 0) -> str:
    """Replace every digit or letter after the first ``keep`` characters with ``*``."""
    return text[:keep] + re.sub(r"[0-9A-Za-z]", "*", text[keep:])


def _date(value: str) -> str | None:
    for m in _YMD.finditer(value):
        if _day_month(int(m[4]), int(m[3])):
            return f"{m[1]}{m[2]}**{m[2]}**"
    for m in _DMY.finditer(value):
        a, b = int(m[1]), int(m[3])
        if _day_month(a, b) or _day_month(b, a):
            return f"**{m[2]}**{m[2]}{m[4]}"
    for m in _DMY2.finditer(value):
        a, b = int(m[1]), int(m[2])
        if _day_month(a, b) or _day_month(b, a):
            return "**/**/**"
    for m in _DAY_MONTH_NAME.finditer(value):
        if 1 <= int(m[1]) <= 31:
            year = m[3] if len(m[3]) == 4 else "**"
            return f"** *** {year}"
    for m in _MONTH_NAME_DAY.finditer(value):
        if 1 <= int(m[2]) <= 31:
            return f"*** ** {m[3]}"
    return None


def nir_key_ok(nir: str) -> bool:
    """Return True if a 15-character NIR (no spaces) carries the right key (INSEE's rule).

    Parameters
    ----------
    nir
        15 characters: 13 digits (Corsica: ``2A``/``2B`` in the department) and a 2-digit key.

    Returns
    -------
    bool
        Whether the key matches.
    """
    nir = nir.upper()
    department = {"2A": "19", "2B": "18"}.get(nir[5:7], nir[5:7])
    body = nir[:5] + department + nir[7:13]
    if len(nir) != 15 or not body.isdigit() or not nir[13:].isdigit():
        return False
    return 97 - int(body) % 97 == int(nir[13:])


def _nir(value: str) -> str | None:
    for m in _NIR.finditer(value):
        if nir_key_ok("".join(m.groups())):
            return _mask_digits(m[0], keep=1)
    return None


def _email(value: str) -> str | None:
    m = _EMAIL.search(value)
    return f"{m[1][0]}***@***" if m else None


def _phone(value: str) -> str | None:
    m = _PHONE_FR.search(value) or _PHONE_INTL.search(value)
    if m is None:
        return None
    keep = 3 if m[0].startswith("+") else 2
    return _mask_digits(m[0], keep=keep)


#: detectors in the order they are tried (a NIR is tried before a phone number)
DETECTORS = (
    ("an e-mail address", _email),
    ("a social security number (NIR)", _nir),
    ("a date", _date),
    ("a phone number", _phone),
)


def identifier_value(value: str) -> ValueFinding | None:
    """Return what ``value`` looks like (masked), or None if it carries no direct identifier.

    Parameters
    ----------
    value
        One cell of a table.

    Returns
    -------
    ValueFinding or None
        What kind of identifier it looks like, with the value masked.
    """
    for kind, detect in DETECTORS:
        masked = detect(value)
        if masked is not None:
            return ValueFinding(kind, masked)
    return None
