"""Sample sheets and clinical tables: good ones read, bad ones named by file, line and field."""

from __future__ import annotations

import pytest

from rtpredict.errors import InputError
from rtpredict.io import read_clinical, read_sample_sheet


@pytest.fixture
def fastqs(tmp_path):
    for name in ("a_R1.fastq.gz", "a_R2.fastq.gz", "b_R1.fastq.gz", "b_R2.fastq.gz", "t.vcf.gz"):
        (tmp_path / name).write_bytes(b"")
    return tmp_path


def _sheet(directory, text, name="samples.tsv", encoding="utf-8"):
    path = directory / name
    path.write_bytes(text.encode(encoding))
    return path


HEADER = "sample_id\tfastq_1\tfastq_2\n"


def test_good_sheet_resolves_paths_against_its_directory(fastqs):
    path = _sheet(fastqs, HEADER + "T1\ta_R1.fastq.gz\ta_R2.fastq.gz\n")
    sheet = read_sample_sheet(path)
    assert list(sheet["sample_id"]) == ["T1"]
    assert sheet.loc[0, "fastq_1"] == str(fastqs / "a_R1.fastq.gz")
    assert sheet.loc[0, "vcf"] == ""


def test_bom_and_crlf_are_accepted(fastqs):
    text = (HEADER + "T1\ta_R1.fastq.gz\ta_R2.fastq.gz\n").replace("\n", "\r\n")
    sheet = read_sample_sheet(_sheet(fastqs, text, encoding="utf-8-sig"))
    assert list(sheet.columns[:3]) == ["sample_id", "fastq_1", "fastq_2"]
    assert sheet.loc[0, "fastq_2"].endswith("a_R2.fastq.gz")


def test_lanes_of_one_tumour(fastqs):
    text = (
        "sample_id\tlane\tfastq_1\tfastq_2\tvcf\n"
        "T1\tL1\ta_R1.fastq.gz\ta_R2.fastq.gz\tt.vcf.gz\n"
        "T1\tL2\tb_R1.fastq.gz\tb_R2.fastq.gz\tt.vcf.gz\n"
    )
    sheet = read_sample_sheet(_sheet(fastqs, text))
    assert list(sheet["lane"]) == ["L1", "L2"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (HEADER + "T1\ta_R1.fastq.gz\tmissing_R2.fastq.gz\n",
         r"samples.tsv, line 2, field fastq_2: file not found: missing_R2.fastq.gz"),
        (HEADER + "T1\ta_R1.fastq.gz\ta_R2.fastq.gz\nT1\tb_R1.fastq.gz\tb_R2.fastq.gz\n",
         r"line 3, field sample_id: duplicate ID 'T1' \(first on line 2\); to merge lanes"),
        (HEADER + "T 1/x\ta_R1.fastq.gz\ta_R2.fastq.gz\n",
         r"line 2, field sample_id: 'T 1/x' does not match"),
        (HEADER + "T1\ta_R1.fastq.gz\t\n",
         r"line 2, field fastq_2: 'fastq_2' is a required property"),
        ("sample_id\tfastq_1\n" "T1\ta_R1.fastq.gz\n",
         r"line 2, field fastq_2: 'fastq_2' is a required property"),
        (HEADER + "T1\ta_R1.fastq.gz\ta_R1.fastq.gz\n",
         r"line 2, field fastq_2: same file as fastq_1"),
        ("sample_id\tfastq1\tfastq_2\n" "T1\ta_R1.fastq.gz\ta_R2.fastq.gz\n",
         r"unknown column 'fastq1'; allowed columns: sample_id, lane"),
        ("sample_id\tfastq_1\tfastq_1\n" "T1\ta_R1.fastq.gz\ta_R2.fastq.gz\n",
         r"line 1: column 'fastq_1' appears twice"),
        ("sample_id,fastq_1,fastq_2\n" "T1,a_R1.fastq.gz,a_R2.fastq.gz\n",
         r"line 1: columns must be separated by tabs"),
        (HEADER + "T1\ta_R1.fastq.gz\n", r"line 2: 2 fields where the header has 3"),
        (HEADER + "T1\ta_R1.txt\ta_R2.fastq.gz\n", r"line 2, field fastq_1: 'a_R1.txt' does not"),
        (HEADER, r"no samples below the header"),
        ("", r"the file is empty"),
        ("sample_id\tlane\tfastq_1\tfastq_2\tvcf\n"
         "T1\tL1\ta_R1.fastq.gz\ta_R2.fastq.gz\tt.vcf.gz\n"
         "T1\tL2\tb_R1.fastq.gz\tb_R2.fastq.gz\t\n",
         r"line 3, field vcf: the lanes of T1 name different VCFs"),
        ("sample_id\tlane\tfastq_1\tfastq_2\tbatch\n"
         "T1\tL1\ta_R1.fastq.gz\ta_R2.fastq.gz\tw49\n"
         "T1\tL2\tb_R1.fastq.gz\tb_R2.fastq.gz\tw50\n",
         r"line 3, field batch: the lanes of T1 are in different batches"),
        ("sample_id\tfastq_1\tfastq_2\tbatch\n" "T1\ta_R1.fastq.gz\ta_R2.fastq.gz\t\n",
         r"line 2, field batch: empty; with a batch column every row needs one"),
        ("sample_id\tfastq_1\tfastq_2\tbatch\n" "T1\ta_R1.fastq.gz\ta_R2.fastq.gz\tw.49\n",
         r"line 2, field batch: 'w.49' does not match"),
    ],
)  # fmt: skip
def test_broken_sheets_name_file_line_and_field(fastqs, text, message):
    with pytest.raises(InputError, match=message) as err:
        read_sample_sheet(_sheet(fastqs, text))
    assert str(fastqs / "samples.tsv") in str(err.value)


def test_not_utf8_is_refused(fastqs):
    path = _sheet(fastqs, HEADER + "Tumeur\xe9\ta_R1.fastq.gz\ta_R2.fastq.gz\n",
                  encoding="latin-1")  # fmt: skip
    with pytest.raises(InputError, match="not UTF-8"):
        read_sample_sheet(path)


CLINICAL = (
    "sample_id\tsite\tdose_per_fraction\tfractions\treceived_rt\trecurrence_event\t"
    "recurrence_years\n"
)


def test_clinical_types(tmp_path):
    path = _sheet(tmp_path, CLINICAL + "T1\tlung\t2\t30\t1\t0\t5.5\nT2\tbreast\t2.67\t15\t1\t\t\n",
                  "clinical.tsv")  # fmt: skip
    clinical = read_clinical(path)
    assert clinical.loc["T1", "dose_per_fraction"] == 2.0
    assert clinical["site"].dtype == "category"
    assert clinical["recurrence_event"].isna().tolist() == [False, True]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("T1\tlung\ttwo\t30\t1\t0\t5\n", r"line 2, field dose_per_fraction: 'two' is not a number"),
        ("T1\tlung\t2\t30\t2\t0\t5\n", r"line 2, field received_rt: 2 is not one of \[0, 1\]"),
        ("T1\tlung\t2\t30\t1\t0\t-1\n", r"line 2, field recurrence_years: -1 is less than"),
        ("T1\tlung\t-2\t30\t1\t0\t1\n", r"field dose_per_fraction: -2 is less than or equal"),
    ],
)
def test_bad_clinical_values(tmp_path, row, message):
    with pytest.raises(InputError, match=message):
        read_clinical(_sheet(tmp_path, CLINICAL + row, "clinical.tsv"))


def test_duplicate_clinical_rows(tmp_path):
    path = _sheet(tmp_path, CLINICAL + "T1\tlung\t2\t30\t1\t0\t5\n" * 2, "clinical.tsv")
    with pytest.raises(InputError, match="line 3, field sample_id: duplicate ID 'T1'"):
        read_clinical(path)


BATCHED = (
    "sample_id\tfastq_1\tfastq_2\tbatch\n"
    "T1\ta_R1.fastq.gz\ta_R2.fastq.gz\tw1\n"
    "T2\tmissing_R1.fastq.gz\tb_R2.fastq.gz\tw2\n"
    "T3\tb_R1.fastq.gz\tb_R2.fastq.gz\tw1\n"
)


def test_one_batch_reads_and_validates_only_its_rows(fastqs):
    path = _sheet(fastqs, BATCHED)
    w1 = read_sample_sheet(path, batch="w1")
    assert list(w1["sample_id"]) == ["T1", "T3"]
    assert list(w1["line"]) == [2, 4]
    with pytest.raises(InputError, match="line 3, field fastq_1: file not found"):
        read_sample_sheet(path, batch="w2")
    with pytest.raises(InputError, match="line 3, field fastq_1: file not found"):
        read_sample_sheet(path)
    with pytest.raises(InputError, match=r"no batch 'w3' \(its batches: w1, w2\)"):
        read_sample_sheet(path, batch="w3")


def test_automatic_batches_and_an_empty_batch_value(fastqs):
    text = HEADER + "T1\ta_R1.fastq.gz\ta_R2.fastq.gz\nT2\tb_R1.fastq.gz\tb_R2.fastq.gz\n"
    second = read_sample_sheet(_sheet(fastqs, text), batch="b0002", batch_size=1)
    assert list(second["sample_id"]) == ["T2"]
    text = BATCHED.replace("\tw2\n", "\t\n").replace("missing_R1", "b_R1")
    with pytest.raises(InputError, match="line 3, field batch: empty"):
        read_sample_sheet(_sheet(fastqs, text), batch="w1")


def test_clinical_rows_of_chosen_tumours(tmp_path):
    path = _sheet(tmp_path, CLINICAL + "T1\tlung\t2\t30\t1\t0\t5\nT2\tlung\ttwo\t30\t1\t0\t5\n"
                  "T3\tbreast\t2.67\t15\t1\t\t\n", "clinical.tsv")  # fmt: skip
    assert list(read_clinical(path, samples=["T3", "T1"]).index) == ["T1", "T3"]
    with pytest.raises(InputError, match="line 3, field dose_per_fraction: 'two'"):
        read_clinical(path, samples=["T2"])
