"""Property-based tests (hypothesis) of the readers: a valid table or an InputError, nothing else.

Sample sheets, clinical tables, GTFs and somatic VCFs are generated with unicode, quotes,
control characters, odd numbers (``inf``, ``nan``, ``1e309``), wrong field counts, BOMs and
CRLF, or cut and corrupted byte-wise. Whatever comes in, the reader returns a table that obeys
its contract or raises :class:`~rtpredict.errors.InputError` naming the file.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from rtpredict.errors import InputError
from rtpredict.genomics import read_somatic_vcf
from rtpredict.io import read_clinical, read_sample_sheet, read_tx2gene

SAMPLE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
FASTQS = ("a_R1.fastq.gz", "a_R2.fastq.gz", "b_R1.fq", "b_R2.fq")
VCF_DIR = Path(__file__).parent / "data" / "vcf"
# tmp_path is shared by the examples of one test: every example overwrites the same files
SETTINGS = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

valid_ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,10}", fullmatch=True)
any_text = st.text(max_size=12)
cells = st.one_of(any_text, valid_ids, st.sampled_from(['"', '"T1"', "'", "\x00", "é", " ", "#"]))


def _write(path: Path, text: str, *, bom: bool, crlf: bool) -> Path:
    if crlf:
        text = text.replace("\n", "\r\n")
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8", "surrogatepass"))
    return path


def _reads(reader, path: Path, **kwargs):
    """Call ``reader``: return its table, or None after an InputError naming the file."""
    try:
        return reader(path, **kwargs)
    except InputError as err:
        message = str(err)
    assert str(path) in message
    return None


# ---------------------------------------------------------------- sample sheets


@st.composite
def sample_sheets(draw):
    extra = draw(st.lists(st.sampled_from(["lane", "vcf", "comment", "fastq_1"]), max_size=2))
    columns = ["sample_id", "fastq_1", "fastq_2", *extra]
    n_rows = draw(st.integers(0, 4))
    rows = []
    for _ in range(n_rows):
        row = [draw(st.one_of(valid_ids, cells)), *draw(st.permutations(FASTQS))[:2]]
        row += [draw(cells) for _ in columns[3:]]
        if draw(st.integers(0, 9)) == 0:  # a wrong field count now and then
            row = row[:-1]
        rows.append(row)
    return "\n".join("\t".join(r) for r in [columns, *rows]) + "\n"


@SETTINGS
@given(sample_sheets(), st.booleans(), st.booleans())
def test_sample_sheet_is_valid_or_refused(tmp_path, text, bom, crlf):
    for name in FASTQS:
        (tmp_path / name).write_bytes(b"")
    path = _write(tmp_path / "samples.tsv", text, bom=bom, crlf=crlf)
    sheet = _reads(read_sample_sheet, path)
    if sheet is None:
        return
    assert len(sheet) >= 1
    assert all(SAMPLE_ID.match(s) for s in sheet["sample_id"])
    for column in ("fastq_1", "fastq_2"):
        assert all(Path(p).is_file() for p in sheet[column])
    assert not sheet.duplicated(["sample_id", "lane"]).any()


@SETTINGS
@given(
    st.text(min_size=1, max_size=12).filter(
        lambda s: not SAMPLE_ID.match(s) and not set(s) & set("\t\r\n")  # keep the layout
    )
)
def test_sample_ids_outside_the_pattern_are_refused(tmp_path, sample_id):
    for name in FASTQS:
        (tmp_path / name).write_bytes(b"")
    text = f"sample_id\tfastq_1\tfastq_2\n{sample_id}\ta_R1.fastq.gz\ta_R2.fastq.gz\n"
    path = _write(tmp_path / "samples.tsv", text, bom=False, crlf=False)
    with pytest.raises(InputError):
        read_sample_sheet(path)


@SETTINGS
@given(st.binary(max_size=200))
def test_any_bytes_give_a_table_or_an_input_error(tmp_path, data):
    for name in FASTQS:
        (tmp_path / name).write_bytes(b"")
    for reader, name in ((read_sample_sheet, "samples.tsv"), (read_clinical, "clinical.tsv")):
        path = tmp_path / name
        path.write_bytes(data)
        _reads(reader, path)


@pytest.mark.parametrize("sample_id", ['"T1', "T1\x00"])
def test_quotes_and_nul_bytes_are_ordinary_characters(tmp_path, sample_id):
    """Regressions: pandas read a quote as the start of a multi-line field and crashed, and
    cut a value at a NUL byte (so 'T1<NUL>' passed as 'T1')."""
    for name in FASTQS:
        (tmp_path / name).write_bytes(b"")
    text = f"sample_id\tfastq_1\tfastq_2\n{sample_id}\ta_R1.fastq.gz\ta_R2.fastq.gz\n"
    text += "T2\tb_R1.fq\tb_R2.fq\n"
    path = _write(tmp_path / "samples.tsv", text, bom=False, crlf=False)
    expected = re.escape(f"samples.tsv, line 2, field sample_id: {sample_id!r} does not match")
    with pytest.raises(InputError, match=expected):
        read_sample_sheet(path)


# ---------------------------------------------------------------- clinical tables

NUMERIC = ("dose_per_fraction", "fractions", "recurrence_years", "os_years")
ENUMS = ("received_rt", "recurrence_event", "os_event", "response")
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-5, 120).map(str),
    st.sampled_from(["inf", "-inf", "nan", "NaN", "Infinity", "1e309", "-0", "1.0", " 2 ", "0x10"]),
)


@st.composite
def clinical_tables(draw):
    extra = draw(st.lists(st.text(min_size=1, max_size=8), max_size=2))
    known = draw(st.lists(st.sampled_from(NUMERIC + ENUMS + ("site", "cohort")), max_size=4))
    columns = ["sample_id", *known, *extra]
    rows = []
    for _ in range(draw(st.integers(0, 4))):
        row = [draw(st.one_of(valid_ids, cells))]
        row += [draw(st.one_of(numbers, st.just(""), cells)) for _ in columns[1:]]
        rows.append(row)
    return "\n".join("\t".join(r) for r in [columns, *rows]) + "\n"


@SETTINGS
@given(clinical_tables(), st.booleans(), st.booleans())
def test_clinical_table_is_valid_or_refused(tmp_path, text, bom, crlf):
    path = _write(tmp_path / "clinical.tsv", text, bom=bom, crlf=crlf)
    table = _reads(read_clinical, path)
    if table is None:
        return
    assert all(SAMPLE_ID.match(s) for s in table.index)
    assert not table.index.has_duplicates
    for column in NUMERIC:
        if column in table.columns:
            values = table[column].to_numpy(dtype=float)
            assert np.all(np.isfinite(values) | np.isnan(values))
            assert np.all(np.isnan(values) | (values >= 0))
    for column in ENUMS:
        if column in table.columns:
            assert set(table[column].dropna()) <= {0, 1}


@pytest.mark.parametrize("value", ["inf", "-inf", "Infinity", "1e309"])
def test_infinite_follow_up_is_refused(tmp_path, value):
    """Regression: 'inf' passed as a number of years (minimum 0, no maximum)."""
    path = tmp_path / "clinical.tsv"
    path.write_text(f"sample_id\tos_years\nT1\t{value}\n")
    with pytest.raises(InputError, match=rf"line 2, field os_years: '{value}' is not a number"):
        read_clinical(path)


def test_clinical_table_without_sample_id_or_with_an_empty_column(tmp_path):
    """Regressions: a header-only table without sample_id raised KeyError; an all-empty numeric
    or category column raised pandas' downcasting FutureWarning."""
    path = tmp_path / "clinical.tsv"
    path.write_text("patient\tsite\n")
    with pytest.raises(InputError, match=r"clinical.tsv, line 1: no sample_id column"):
        read_clinical(path)
    path.write_text("sample_id\tdose_per_fraction\tsite\nT1\t\t\nT2\t\t\n")
    table = read_clinical(path)
    assert table["dose_per_fraction"].isna().all()
    assert table["site"].isna().all()


# ---------------------------------------------------------------- GTF

gtf_fields = st.one_of(st.integers(-5, 10**6).map(str), any_text)


@st.composite
def gtfs(draw):
    lines = ["#!genome-build GRCh38"]
    for i in range(draw(st.integers(0, 5))):
        start = draw(gtf_fields) if draw(st.integers(0, 5)) == 0 else str(100 * i + 1)
        end = draw(gtf_fields) if draw(st.integers(0, 5)) == 0 else str(100 * i + 50)
        name = draw(st.text(max_size=6).filter(lambda s: '"' not in s and "\n" not in s))
        attributes = (
            f'gene_id "ENSG{i % 2:011d}"; transcript_id "ENST{i:011d}.{i}"; gene_name "{name}";'
        )
        if draw(st.integers(0, 7)) == 0:
            attributes = draw(any_text)
        fields = ["chr1", "test", draw(st.sampled_from(["exon", "gene"])), start, end]
        fields += [".", "+", ".", attributes]
        lines.append("\t".join(fields[: draw(st.integers(7, 9))]))
    return "\n".join(lines) + "\n"


@SETTINGS
@given(gtfs())
def test_gtf_gives_a_transcript_table_or_an_input_error(tmp_path, text):
    path = _write(tmp_path / "genes.gtf", text, bom=False, crlf=False)
    table = _reads(read_tx2gene, path)
    if table is None:
        return
    assert not table.index.has_duplicates
    assert table["length"].dtype == np.int64
    assert table["gene_id"].notna().all()


EXON = 'chr1\tt\texon\t{}\t50\t.\t+\t.\tgene_id "G1"; transcript_id "T1";'


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (EXON.format("abc"), "exon start and end must be whole numbers"),
        (EXON.format("INF"), "exon start and end must be whole numbers"),
        (EXON.format("1.5"), "exon start and end must be whole numbers"),
        ("chr1\tt\texon\t1\t50\t.\t+\t.\t", "an exon line lacks transcript_id or gene_id"),
    ],
)
def test_gtf_with_a_text_coordinate_or_no_attributes_is_an_input_error(tmp_path, line, message):
    """Regressions: a text start made pandas subtract strings (TypeError), 'INF' failed a cast;
    an empty attribute column was read as float NaN (AttributeError)."""
    path = tmp_path / "genes.gtf"
    path.write_text(line + "\n")
    with pytest.raises(InputError, match=rf"genes\.gtf: {message}"):
        read_tx2gene(path)


# ---------------------------------------------------------------- somatic VCF

VCF_TEXT = (VCF_DIR / "mutect2_csq.vcf").read_text()
VCF_LINES = VCF_TEXT.splitlines()
FIRST_RECORD = next(i for i, line in enumerate(VCF_LINES) if not line.startswith("#"))


@st.composite
def damaged_vcfs(draw):
    lines = list(VCF_LINES)
    for _ in range(draw(st.integers(1, 3))):
        how = draw(st.sampled_from(["field", "drop", "cut"]))
        i = draw(st.integers(FIRST_RECORD - 1, len(lines) - 1))
        if how == "field" and i >= FIRST_RECORD:
            fields = lines[i].split("\t")
            j = draw(st.integers(0, len(fields) - 1))
            fields[j] = draw(st.one_of(any_text, gtf_fields, st.sampled_from([".", "-1", "chrß"])))
            lines[i] = "\t".join(fields)
        elif how == "drop":
            del lines[i]
        else:
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
    return "\n".join(lines) + "\n"


def test_vcf_record_without_its_sample_columns_is_an_input_error(tmp_path):
    """Regression: pysam's IndexError ('Invalid sample index') escaped as a traceback."""
    lines = list(VCF_LINES)
    lines[FIRST_RECORD] = "\t".join(lines[FIRST_RECORD].split("\t")[:8])
    path = _write(tmp_path / "tumour.vcf", "\n".join(lines) + "\n", bom=False, crlf=False)
    with pytest.raises(InputError, match=r"tumour.vcf: record 1 \(line 22, chr1:1500000\) is malf"):
        read_somatic_vcf(path)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(damaged_vcfs())
def test_damaged_vcf_gives_a_variant_table_or_an_input_error(tmp_path, text):
    assume("\x00" not in text)
    path = _write(tmp_path / "tumour.vcf", text, bom=False, crlf=False)
    variants = _reads(read_somatic_vcf, path)
    if variants is None:
        return
    assert isinstance(variants, pd.DataFrame)
    assert (variants["pos"] >= 0).all()  # VCF 4.3 allows POS 0 (telomeres)
    assert variants["chrom"].notna().all()
