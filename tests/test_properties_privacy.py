"""Property-based tests (hypothesis) of the identifier guard and of the pseudonyms.

Generated dates (many formats, French and English month names), valid NIRs (Corsica included),
e-mail addresses and phone numbers are always caught and never shown in full; pseudonyms are
never taken for identifiers; ordinary clinical column names pass; anything else gives a result
or an InputError, never another exception.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from rtpredict.errors import InputError
from rtpredict.privacy import (
    IDENTIFIER_HEADERS,
    check_identifiers,
    identifier_header,
    identifier_value,
    pseudonym,
)
from rtpredict.privacy._headers import OWNER_WORDS

SAMPLE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
SETTINGS = settings(max_examples=150, deadline=None)
MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December"]  # fmt: skip
MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre"]  # fmt: skip
# text around a value in a cell or a file name (never a digit: it would lengthen the number)
around = st.text(alphabet="abcXYZ_- /.", max_size=6)


@st.composite
def written_dates(draw):
    day = draw(st.dates(dt.date(1890, 1, 1), dt.date(2099, 12, 31)))
    d, m, y = day.day, day.month, day.year
    sep = draw(st.sampled_from("-/."))
    forms = [
        f"{y}{sep}{m:02d}{sep}{d:02d}",
        f"{y}{sep}{m}{sep}{d}",
        f"{d:02d}{sep}{m:02d}{sep}{y}",
        f"{d}{sep}{m}{sep}{y}",
        f"{m}/{d}/{y}",
        f"{d:02d}/{m:02d}/{y % 100:02d}",
        f"{d} {MONTHS_FR[m - 1]} {y}",
        f"{d}-{MONTHS_EN[m - 1][:3]}-{y % 100:02d}",
        f"{MONTHS_EN[m - 1]} {d}, {y}",
        f"{y}-{m:02d}-{d:02d}T08:30:00",
    ]
    return draw(st.sampled_from(forms)), day


@st.composite
def nirs(draw, *, valid: bool = True):
    sex = draw(st.sampled_from("1278"))
    digits = lambda n: draw(st.integers(0, 10**n - 1)).__format__(f"0{n}d")  # noqa: E731
    month = f"{draw(st.integers(1, 12)):02d}"
    department = draw(st.sampled_from(["2A", "2B", *[f"{i:02d}" for i in range(1, 96)]]))
    body = sex + digits(2) + month + department + digits(3) + digits(3)
    corsica = {"2A": "19", "2B": "18"}
    number = int(body[:5] + corsica.get(department, department) + body[7:])
    key = 97 - number % 97
    if not valid:
        key = (key + draw(st.integers(1, 96))) % 97 or 97
    text = f"{body}{key:02d}"
    if draw(st.booleans()):
        groups = (text[0], text[1:3], text[3:5], text[5:7], text[7:10], text[10:13], text[13:])
        text = " ".join(groups)
    return text


@st.composite
def phones(draw):
    if draw(st.booleans()):
        digits = "0" + str(draw(st.integers(1, 9))) + f"{draw(st.integers(0, 10**8 - 1)):08d}"
        sep = draw(st.sampled_from(["", " ", ".", "-"]))
        return sep.join(digits[i : i + 2] for i in range(0, 10, 2))
    country = draw(st.integers(1, 999))
    rest = f"{draw(st.integers(10**7, 10**10 - 1))}"
    return f"+{country} {rest}"


def _not_shown(message: str, value: str) -> bool:
    digits = re.sub(r"\D", "", value)
    return value not in message and (len(digits) < 6 or digits not in re.sub(r"\D", "", message))


@SETTINGS
@given(written_dates(), around, around)
def test_full_dates_are_caught_and_masked(written, before, after):
    text, day = written
    found = identifier_value(before + text + after)
    assert found is not None
    assert found.kind == "a date"
    assert not re.search(r"\d", found.masked.replace(str(day.year), ""))  # only the year shows


@SETTINGS
@given(nirs(), around, around)
def test_valid_nirs_are_caught_and_masked(nir, before, after):
    found = identifier_value(before + nir + after)
    assert found is not None
    assert found.kind == "a social security number (NIR)"
    assert found.masked[0] == nir[0]
    assert set(found.masked[1:]) <= {"*", " "}


@SETTINGS
@given(nirs(valid=False))
def test_fifteen_characters_with_a_wrong_key_are_no_nir(text):
    found = identifier_value(text)
    assert found is None or found.kind != "a social security number (NIR)"


@SETTINGS
@given(st.emails(), around, around)
def test_email_addresses_are_caught_and_masked(email, before, after):
    found = identifier_value(before.strip("@") + " " + email + " " + after)
    assert found is not None
    assert found.kind == "an e-mail address"
    assert found.masked.endswith("***@***")


@SETTINGS
@given(phones(), around, around)
def test_phone_numbers_are_caught_and_masked(phone, before, after):
    found = identifier_value(before + phone + after)
    assert found is not None
    assert found.kind == "a phone number"
    assert found.masked[:2] == phone[:2]
    assert not re.search(r"\d", found.masked[3:])


@SETTINGS
@given(
    st.one_of(written_dates().map(lambda w: w[0]), nirs(), st.emails(), phones()),
    st.sampled_from(["note", "sample_id", "fastq_1", "comment"]),
    st.lists(st.text(max_size=8), min_size=1, max_size=3),
)
def test_the_message_names_the_place_and_never_shows_the_value(value, column, others):
    cells = [*others, value]
    table = pd.DataFrame({column: cells}, dtype=str)
    lines = list(range(2, len(cells) + 2))
    try:
        check_identifiers(table, "t.tsv", lines, path_columns=("fastq_1",))
    except InputError as err:
        message = str(err)
    else:
        raise AssertionError(f"{value!r} was not caught")
    assert message.startswith("t.tsv, line ")
    assert f"field {column}:" in message
    assert _not_shown(message, value)


@SETTINGS
@given(
    st.dictionaries(st.text(min_size=1, max_size=10), st.text(max_size=12), min_size=1),
    st.integers(1, 4),
)
def test_any_table_gives_allowed_columns_or_an_input_error(columns, n_rows):
    table = pd.DataFrame({k: [v] * n_rows for k, v in columns.items()}, dtype=str)
    try:
        allowed = check_identifiers(table, "t.tsv", list(range(2, n_rows + 2)))
    except InputError as err:
        message = str(err)
    else:
        assert allowed == {}
        return
    assert message.startswith("t.tsv, line ")


@SETTINGS
@given(st.text(min_size=1, max_size=30), st.binary(min_size=32, max_size=32))
def test_pseudonyms_are_valid_ids_that_the_guard_lets_through(local_id, key):
    made = pseudonym(local_id, key)
    assert SAMPLE_ID.match(made)
    assert len(made) == 18
    assert identifier_value(made) is None
    assert pseudonym(local_id, key) == made
    table = pd.DataFrame({"sample_id": [made]}, dtype=str)
    assert check_identifiers(table, "s.tsv", [2]) == {}


# ---------------------------------------------------------------- column names

separators = st.sampled_from(["_", "-", " ", ".", "__", " - "])
CLINICAL_WORDS = [
    "sample", "id", "site", "cohort", "dose", "per", "fraction", "fractions", "total", "gy",
    "received", "rt", "recurrence", "event", "years", "os", "response", "sf2", "stage", "grade",
    "age", "sex", "sexe", "hpv", "status", "p16", "smoking", "pack", "treatment", "chemo",
    "surgery", "histology", "histologie", "volume", "tumour", "tumor", "size", "lane", "fastq",
    "vcf", "rsi", "gard", "centre", "nombre", "type", "diagnosis", "months", "follow", "up",
    "local", "regional", "control", "pfs", "dfs", "score", "batch",
]  # fmt: skip


@SETTINGS
@given(st.sampled_from(IDENTIFIER_HEADERS), st.data())
def test_identifier_phrases_are_caught_whatever_the_spelling(entry, data):
    words = entry.phrase.split()
    if entry.match == "alone":
        extra = data.draw(st.lists(st.sampled_from(sorted(OWNER_WORDS)), max_size=2))
    else:
        extra = data.draw(st.lists(st.sampled_from(CLINICAL_WORDS), max_size=2))
    tokens = (
        data.draw(st.permutations([*words, *extra]))
        if entry.match == "alone"
        else [
            *extra[:1],
            *words,
            *extra[1:],
        ]
    )
    name = data.draw(separators).join(tokens)
    name = data.draw(st.sampled_from([str.lower, str.upper, str.title]))(name)
    assert identifier_header(name) is not None, name


@SETTINGS
@given(st.lists(st.sampled_from(CLINICAL_WORDS), min_size=1, max_size=4), separators, st.data())
def test_clinical_column_names_pass(words, separator, data):
    name = separator.join(words)
    name = data.draw(st.sampled_from([str.lower, str.upper, str.title]))(name)
    assert identifier_header(name) is None, name
