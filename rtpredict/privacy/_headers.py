"""Column names that announce a direct identifier, French or English, written as data.

A column name is normalised to tokens: accents stripped, lower case, camelCase and
letter/digit boundaries split, any other character a separator, and the little words
(de, du, la, of, the…) dropped. ``Date_de_Naissance``, ``date-naissance`` and
``DateOfBirth`` become ``date naissance``, ``date naissance`` and ``date birth``.

Each phrase of :data:`IDENTIFIER_HEADERS` matches in one of three ways:

- ``part``: anywhere in the tokens joined without spaces (``datenaissance`` holds ``naiss``,
  ``PatientFirstName`` holds ``firstname``). Only for stems too specific to occur by chance in
  a covariate's name.
- ``word``: as whole tokens (``tel`` in ``tel_portable``, never in ``hotel``).
- ``alone``: the phrase plus at most words that say whose it is (``patient``, ``full``…):
  ``nom``, ``Nom patient`` and ``PATIENT_NAME`` are names, ``site_name`` or ``nombre`` are not.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple


class IdentifierPhrase(NamedTuple):
    """A normalised phrase, how it matches (``part``, ``word``, ``alone``) and what it reveals."""

    phrase: str
    match: str
    reason: str


_NAME = "a person's name"
_FIRST = "a first name"
_BIRTH = "a date, place or name of birth"
_EMAIL = "an e-mail address"
_PHONE = "a phone number"
_ADDRESS = "a postal address"
_NIR = "a social security number (NIR/INS)"
_RECORD = "a hospital patient or record number (IPP, NDA, MRN)"
_INITIALS = "a person's initials"

#: the rule, as data: (normalised phrase, how it matches, what such a column holds)
IDENTIFIER_HEADERS: tuple[IdentifierPhrase, ...] = tuple(
    IdentifierPhrase(*row)
    for row in (
        ("nom", "alone", _NAME),
        ("noms", "alone", _NAME),
        ("name", "alone", _NAME),
        ("names", "alone", _NAME),
        ("surname", "part", _NAME),
        ("lastname", "part", _NAME),
        ("familyname", "part", _NAME),
        ("maidenname", "part", _NAME),
        ("fullname", "part", _NAME),
        ("patientname", "part", _NAME),
        ("nompatient", "part", _NAME),
        ("patronyme", "part", _NAME),
        ("jeunefille", "part", _NAME),
        ("nomusage", "part", _NAME),
        ("nomfamille", "part", _NAME),
        ("prenom", "part", _FIRST),
        ("firstname", "part", _FIRST),
        ("givenname", "part", _FIRST),
        ("forename", "part", _FIRST),
        ("middlename", "part", _FIRST),
        ("initials", "word", _INITIALS),
        ("initiales", "word", _INITIALS),
        ("naiss", "part", _BIRTH),
        ("birth", "part", _BIRTH),
        ("dob", "word", _BIRTH),
        ("ddn", "word", _BIRTH),
        ("email", "part", _EMAIL),
        ("courriel", "part", _EMAIL),
        ("mail", "word", _EMAIL),
        ("phone", "part", _PHONE),
        ("tel", "word", _PHONE),
        ("portable", "word", _PHONE),
        ("gsm", "word", _PHONE),
        ("fax", "word", _PHONE),
        ("adress", "part", _ADDRESS),
        ("address", "part", _ADDRESS),
        ("domicile", "part", _ADDRESS),
        ("codepostal", "part", _ADDRESS),
        ("postcode", "part", _ADDRESS),
        ("postalcode", "part", _ADDRESS),
        ("zipcode", "part", _ADDRESS),
        ("street", "word", _ADDRESS),
        ("rue", "word", _ADDRESS),
        ("nir", "word", _NIR),
        ("ssn", "word", _NIR),
        ("nss", "word", _NIR),
        ("insee", "word", _NIR),
        ("ins", "alone", _NIR),
        ("secu", "word", _NIR),
        ("numsecu", "part", _NIR),
        ("securitesociale", "part", _NIR),
        ("socialsecurity", "part", _NIR),
        ("identifiantnationalsante", "part", _NIR),
        ("ipp", "word", _RECORD),
        ("nda", "word", _RECORD),
        ("mrn", "word", _RECORD),
        ("dossier", "word", _RECORD),
        ("identifiantpermanent", "part", _RECORD),
        ("medicalrecord", "part", _RECORD),
        ("recordnumber", "part", _RECORD),
        ("hospitalnumber", "part", _RECORD),
    )
)

#: words that only say whose the value is; allowed beside an ``alone`` phrase
OWNER_WORDS = frozenset(
    [
        "patient",
        "patiente",
        "pat",
        "pt",
        "subject",
        "sujet",
        "person",
        "personne",
        "full",
        "complet",
        "complete",
        "usuel",
        "usage",
        "famille",
        "family",
        "marital",
        "maritale",
        "epoux",
        "epouse",
        "legal",
    ]
)
#: little words dropped from column names before matching
STOP_WORDS = frozenset(["de", "du", "des", "d", "la", "le", "les", "l", "of", "the"])


def header_tokens(name: str) -> list[str]:
    """Return the normalised tokens of a column name.

    Accents are removed, camelCase and letter/digit boundaries split, case folded, any other
    character taken as a separator, and the little words (de, du, la, of, the…) dropped:
    ``DateOfBirth`` gives ``["date", "birth"]``.

    Parameters
    ----------
    name
        A column name.

    Returns
    -------
    list of str
        Its tokens, in order.
    """
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)  # camelCase
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", text)  # DOBDate -> DOB Date
    text = re.sub(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])", " ", text)
    tokens = re.split(r"[^0-9a-z]+", text.casefold())
    return [t for t in tokens if t and t not in STOP_WORDS]


def identifier_header(name: str) -> IdentifierPhrase | None:
    """Return the first phrase of :data:`IDENTIFIER_HEADERS` that ``name`` matches, or None.

    Parameters
    ----------
    name
        A column name.

    Returns
    -------
    IdentifierPhrase or None
        The phrase, how it matches and what such a column holds.
    """
    tokens = header_tokens(name)
    joined = "".join(tokens)
    for entry in IDENTIFIER_HEADERS:
        words = entry.phrase.split()
        if entry.match == "part":
            hit = entry.phrase in joined
        elif entry.match == "word":
            hit = any(tokens[i : i + len(words)] == words for i in range(len(tokens)))
        else:
            rest = [t for t in tokens if t not in words]
            hit = len(rest) < len(tokens) and all(t in OWNER_WORDS for t in rest)
        if hit:
            return entry
    return None
