"""Identifier guard: column names and values that identify a patient are refused, masked."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from rtpredict.errors import InputError
from rtpredict.io import read_clinical, read_sample_sheet
from rtpredict.privacy import check_identifiers, identifier_header, identifier_value, nir_key_ok


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("Date_de_Naissance", "birth"),
        ("date-naissance", "birth"),
        ("DateOfBirth", "birth"),
        ("birthdate", "birth"),
        ("Lieu de naissance", "birth"),
        ("Nom_de_naissance", "birth"),
        ("DDN", "birth"),
        ("dob", "birth"),
        ("PRENOM", "first name"),
        ("Prénom", "first name"),
        ("first name", "first name"),
        ("Nom patient", "name"),
        ("nom", "name"),
        ("PATIENT_NAME", "name"),
        ("patientName", "name"),
        ("Full Name", "name"),
        ("last_name", "name"),
        ("Surname", "name"),
        ("nom de jeune fille", "name"),
        ("nom d'usage", "name"),
        ("initiales", "initials"),
        ("adresse", "address"),
        ("Address line 1", "address"),
        ("code_postal", "address"),
        ("téléphone", "phone"),
        ("Tel_portable", "phone"),
        ("phone_number", "phone"),
        ("e-mail", "e-mail"),
        ("Courriel", "e-mail"),
        ("EmailAddress", "e-mail"),
        ("NIR", "NIR"),
        ("numéro de sécurité sociale", "NIR"),
        ("Social Security Number", "NIR"),
        ("SSN", "NIR"),
        ("INS", "NIR"),
        ("IPP", "IPP"),
        ("numéro de dossier", "IPP"),
        ("N° dossier", "IPP"),
        ("Medical record number", "MRN"),
        ("MRN", "MRN"),
    ],
)
def test_identifier_headers_are_recognised(header, reason):
    entry = identifier_header(header)
    assert entry is not None, header
    assert reason in entry.reason


@pytest.mark.parametrize(
    "header",
    [
        "sample_id",
        "site",
        "dose_per_fraction",
        "fractions",
        "recurrence_years",
        "recurrence_event",
        "os_years",
        "received_rt",
        "response",
        "sf2",
        "fastq_1",
        "fastq_2",
        "vcf",
        "lane",
        "cohort",
        "nombre_fractions",
        "site_name",
        "gene_name",
        "nominal_dose",
        "initial_stage",
        "hotel",
        "age",
        "sexe",
        "stage",
        "hpv_status",
        "date_diagnostic",
    ],
)
def test_ordinary_headers_pass(header):
    assert identifier_header(header) is None


@pytest.mark.parametrize(
    ("value", "kind", "masked"),
    [
        ("1957-03-12", "date", "1957-**-**"),
        ("1957/3/12", "date", "1957/**/**"),
        ("1957-03-12T08:30:00", "date", "1957-**-**"),
        ("12/03/1957", "date", "**/**/1957"),
        ("3/28/1957", "date", "**/**/1957"),  # month-day-year
        ("12.03.1957", "date", "**.**.1957"),
        ("12-03-1957", "date", "**-**-1957"),
        ("12/03/57", "date", "**/**/**"),
        ("12 mars 1957", "date", "** *** 1957"),
        ("1er janvier 1960", "date", "** *** 1960"),
        ("12-Mar-57", "date", "** *** **"),
        ("March 12, 1957", "date", "*** ** 1957"),
        ("2 62 08 75 032 039 77", "NIR", "2 ** ** ** *** *** **"),  # published example
        ("189127512501282", "NIR", "1**************"),  # published example, no spaces
        ("185052A12345633", "NIR", "1**************"),  # Corsica: 2A read as 19
        ("2 93 11 2B 045 012 73", "NIR", "2 ** ** ** *** *** **"),  # Corsica: 2B read as 18
        ("jean.dupont@chu-lyon.fr", "e-mail", "j***@***"),
        ("06 12 34 56 78", "phone", "06 ** ** ** **"),
        ("0612345678", "phone", "06********"),
        ("06.12.34.56.78", "phone", "06.**.**.**.**"),
        ("+33 6 12 34 56 78", "phone", "+33 * ** ** ** **"),
        ("+33 (0)6 12 34 56 78", "phone", "+33 (*)* ** ** ** **"),
        ("+1 415 555 2671", "phone", "+1 *** *** ****"),
        ("T1_1957-03-12_R1.fastq.gz", "date", "1957-**-**"),
        ("dupont.j@gmail.com_R1.fastq.gz", "e-mail", "d***@***"),
    ],
)
def test_identifier_values_are_recognised_and_masked(value, kind, masked):
    found = identifier_value(value)
    assert found is not None, value
    assert kind in found.kind
    assert found.masked == masked


@pytest.mark.parametrize(
    "value",
    [
        "T001",
        "2.67",
        "30",
        "5.5",
        "1e+30",
        "0.0612345678",
        "lung",
        "a_R1.fastq.gz",
        "03/1957",  # month and year: not a full date
        "1957",
        "1.2.10",  # a version number
        "2024-13-45",  # impossible month and day
        "31/31/1957",
        "S_20240115",  # compact dates are not recognised
        "185052A12345606",  # Corsica with the key of department 20: wrong key
        "262087503203978",  # wrong NIR key
        "0012345678",  # zero-padded lab number
        "12 Mar",
        "user@localhost",
    ],
)
def test_ordinary_values_pass(value):
    assert identifier_value(value) is None


def test_nir_key_rule():
    assert nir_key_ok("262087503203977")
    assert nir_key_ok("185052a12345633")
    assert not nir_key_ok("262087503203976")
    assert not nir_key_ok("26208750320397")


def _table(columns: dict[str, list[str]]) -> tuple[pd.DataFrame, list[int]]:
    table = pd.DataFrame(columns, dtype=str)
    return table, list(range(2, len(table) + 2))


def test_message_names_file_line_field_and_masks_the_value():
    table, lines = _table({"sample_id": ["T1", "T2", "T3"], "note": ["", "x", "12/03/1957"]})
    with pytest.raises(InputError) as err:
        check_identifiers(table, "clin.tsv", lines)
    message = str(err.value)
    assert message.startswith("clin.tsv, line 4, field note: a value looks like a date (")
    assert "**/**/1957" in message
    assert "12/03" not in message
    assert "privacy.allow_columns" in message


def test_every_flagged_column_is_listed_and_no_value_leaks():
    values = {
        "nom": ["Dupont", "Martin"],
        "contact": ["", "jean.dupont@chu-lyon.fr"],
        "secu": ["x", "y"],
        "tel2": ["0612345678", ""],
        "nir_like": ["", "2 62 08 75 032 039 77"],
    }
    table, lines = _table({"sample_id": ["T1", "T2"], **values})
    with pytest.raises(InputError) as err:
        check_identifiers(table, "t.tsv", lines)
    message = str(err.value)
    assert message.startswith("t.tsv, line 1, field nom: the column name says it holds a person")
    for column in ("contact", "secu", "tel2", "nir_like"):
        assert f"field {column} (" in message
    for leaked in ("Dupont", "Martin", "jean", "dupont", "lyon", "12345678", "032 039"):
        assert leaked not in message


def test_allowed_columns_pass_with_their_reason_and_are_returned():
    table, lines = _table({"sample_id": ["T1"], "date_rt": ["2019-05-02"], "site": ["lung"]})
    with pytest.raises(InputError, match="field date_rt: a value looks like a date"):
        check_identifiers(table, "c.tsv", lines)
    allow = {"date_rt": "start of radiotherapy, approved by the DPO", "absent": "other table"}
    assert check_identifiers(table, "c.tsv", lines, allow=allow) == {
        "date_rt": "start of radiotherapy, approved by the DPO"
    }


@pytest.mark.parametrize(
    ("allow", "message"),
    [
        ({"sample_id": "they are fine"}, r"'sample_id' cannot be allowed: IDs are written"),
        ({"date_rt": "  "}, r"column 'date_rt' needs a reason"),
        ({"date_rt": None}, r"column 'date_rt' needs a reason"),
    ],
)
def test_bad_allow_lists_are_refused(allow, message):
    table, lines = _table({"sample_id": ["T1"], "date_rt": ["2019-05-02"]})
    with pytest.raises(InputError, match=message):
        check_identifiers(table, "c.tsv", lines, allow=allow)


def test_cells_that_are_not_strings_are_read_as_text():
    table = pd.DataFrame({"sample_id": ["T1", "T2"], "num": [float("nan"), 2.5]})
    assert check_identifiers(table, "t.tsv", [2, 3]) == {}
    table["seen"] = [None, dt.date(1957, 3, 12)]
    with pytest.raises(InputError, match=r"line 3, field seen: a value looks like a date \(1957-"):
        check_identifiers(table, "t.tsv", [2, 3])


def test_ids_that_look_like_identifiers_must_be_pseudonymised():
    table, lines = _table({"sample_id": ["T1", "0612345678"]})
    with pytest.raises(InputError, match=r"line 3, field sample_id: .*rtpredict pseudonymise"):
        check_identifiers(table, "s.tsv", lines)


# ---------------------------------------------------------------- wired into the readers


@pytest.fixture
def files(tmp_path):
    for name in ("a_R1.fastq.gz", "a_R2.fastq.gz", "2024-01-15_R1.fastq.gz", "b_R2.fastq.gz"):
        (tmp_path / name).write_bytes(b"")
    return tmp_path


def _write(directory, name, text):
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_sample_sheet_paths_with_a_date_are_refused_unless_allowed(files):
    text = "sample_id\tfastq_1\tfastq_2\nT1\t2024-01-15_R1.fastq.gz\tb_R2.fastq.gz\n"
    path = _write(files, "samples.tsv", text)
    with pytest.raises(InputError) as err:
        read_sample_sheet(path)
    assert str(err.value).startswith(
        f"{path}, line 2, field fastq_1: the file path contains what looks like a date "
        "(2024-**-**); direct identifiers must not enter rtpredict"
    )
    assert "rename the file or link it under a pseudonymous name" in str(err.value)
    sheet = read_sample_sheet(path, allow_columns={"fastq_1": "sequencing-run dates"})
    assert sheet.attrs["allowed_identifier_columns"] == {"fastq_1": "sequencing-run dates"}
    assert sheet.loc[0, "fastq_1"] == str(files / "2024-01-15_R1.fastq.gz")


def test_sample_sheet_identifier_is_refused_before_the_schema_repeats_it(files):
    """The schema's message would print the e-mail in full; the guard runs first and masks it."""
    text = "sample_id\tfastq_1\tfastq_2\njean.dupont@chu.fr\ta_R1.fastq.gz\ta_R2.fastq.gz\n"
    with pytest.raises(InputError) as err:
        read_sample_sheet(_write(files, "samples.tsv", text))
    assert "field sample_id: a value looks like an e-mail address (j***@***)" in str(err.value)
    assert "dupont" not in str(err.value)


def test_clean_sample_sheet_records_no_allowed_columns(files):
    text = "sample_id\tfastq_1\tfastq_2\nT1\ta_R1.fastq.gz\ta_R2.fastq.gz\n"
    sheet = read_sample_sheet(_write(files, "samples.tsv", text))
    assert sheet.attrs["allowed_identifier_columns"] == {}


def test_clinical_table_with_names_and_birth_dates_is_refused(tmp_path):
    text = (
        "sample_id\tNom patient\tDate_de_Naissance\tsite\n"
        "T1\tDupont\t12/03/1957\tlung\n"
        "T2\tMartin\t01/02/1960\tbreast\n"
    )
    path = _write(tmp_path, "clinical.tsv", text)
    with pytest.raises(InputError) as err:
        read_clinical(path)
    message = str(err.value)
    assert message.startswith(
        f"{path}, line 1, field Nom patient: the column name says it holds a person's name"
    )
    assert "drop the column or pseudonymise it (rtpredict pseudonymise --column 'Nom patient')" in (
        message
    )
    assert "field Date_de_Naissance (line 1: the column name says it holds a date" in message
    assert not re.search(r"Dupont|Martin|03/1957|1960", message)


def test_clinical_table_allowed_column_is_recorded(tmp_path):
    text = "sample_id\tsite\tdate_diagnostic\nT1\tlung\t2019-05-02\n"
    path = _write(tmp_path, "clinical.tsv", text)
    with pytest.raises(InputError, match=r"line 2, field date_diagnostic: a value looks like a"):
        read_clinical(path)
    clinical = read_clinical(path, allow_columns={"date_diagnostic": "approved by the DPO"})
    assert clinical.attrs["allowed_identifier_columns"] == {
        "date_diagnostic": "approved by the DPO"
    }
    assert clinical.loc["T1", "date_diagnostic"] == "2019-05-02"
