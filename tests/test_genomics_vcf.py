"""read_somatic_vcf on hand-written edge-case VCFs: callers, annotations, VAF sources, bad input."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pysam
import pytest

from rtpredict.errors import InputError
from rtpredict.genomics import read_somatic_vcf
from rtpredict.genomics._table import COLUMNS

VCF = Path(__file__).parent / "data" / "vcf"


def rows(frame: pd.DataFrame) -> list[tuple]:
    return list(frame[["chrom", "pos", "ref", "alt"]].itertuples(index=False, name=None))


def bgzip_indexed(source: Path, folder: Path, *, index: bool = True) -> Path:
    out = folder / (source.name + ".gz")
    pysam.tabix_compress(str(source), str(out), force=True)
    if index:
        pysam.tabix_index(str(out), preset="vcf", force=True)
    return out


def test_mutect2_csq_tumour_column_filters_and_multiallelic():
    variants = read_somatic_vcf(VCF / "mutect2_csq.vcf")
    assert variants.attrs["sample_column"] == 2  # from ##tumor_sample, though NORMAL comes first
    assert variants.attrs["annotation"] == "CSQ"
    assert list(variants.columns) == list(COLUMNS)
    assert variants.dtypes.astype(str).to_dict() == COLUMNS
    # the weak_evidence and germline records are dropped; the 2-alt KRAS record gives 2 rows
    assert len(variants) == 9
    assert set(variants["filter"]) == {"PASS"}
    kras = variants[variants["gene"] == "KRAS"].set_index("alt")
    assert kras.loc["A", "protein_change"] == "G12V"
    assert kras.loc["T", "protein_change"] == "G12D"
    # VAF from the tumour's AD (50,10,5), not from AF and not from the NORMAL column
    assert kras.loc["A", "vaf"] == pytest.approx(10 / 65)
    assert kras.loc["T", "vaf"] == pytest.approx(5 / 65)
    assert kras["alt_depth"].tolist() == [10, 5]
    assert kras["depth"].tolist() == [65, 65]
    assert kras["hotspot"].all()


def test_mutect2_csq_consequences_and_transcript_choice():
    variants = read_somatic_vcf(VCF / "mutect2_csq.vcf").set_index("pos")
    # protein-coding missense beats the non-coding transcript's entry listed first
    assert variants.loc[7675088, "consequence"] == "missense_variant"
    assert variants.loc[7675088, "protein_change"] == "R175H"
    assert variants.loc[7675088, "hotspot_gene"] == "TP53"
    # VEP indel alleles: '-' for the CA>C deletion, 'T' for the A>AT insertion
    assert variants.loc[7673700, "consequence"] == "frameshift_variant"
    assert variants.loc[7673700, "variant_class"] == "deletion"
    assert variants.loc[1207000, "gene"] == "STK11"
    assert variants.loc[1207000, "variant_class"] == "insertion"
    assert variants.loc[7676100, "protein_change"] == "P36="  # %3D unescaped
    assert variants.loc[108244873, "impact"] == "HIGH"
    intergenic = variants.loc[1500000]
    assert intergenic["gene"] is None
    assert intergenic["consequence"] == "intergenic_variant"


def test_include_filtered_keeps_filter_column():
    variants = read_somatic_vcf(VCF / "mutect2_csq.vcf", pass_only=False)
    assert len(variants) == 11
    assert set(variants["filter"]) == {"PASS", "weak_evidence", "germline;weak_evidence"}


def test_snpeff_ann():
    variants = read_somatic_vcf(VCF / "snpeff_ann.vcf")
    assert variants.attrs["annotation"] == "ANN"
    assert variants.attrs["sample_column"] == 1
    by_alt = variants.set_index(["pos", "alt"])
    # the TP53 missense wins over WRAP53's upstream entry
    assert by_alt.loc[(7675088, "T"), "gene"] == "TP53"
    # SnpEff's disruptive_inframe_deletion is VEP's inframe_deletion
    assert by_alt.loc[(7675200, "G"), "consequence"] == "inframe_deletion"
    assert by_alt.loc[(7675200, "G"), "protein_change"] == "K137del"
    assert by_alt.loc[(7676500, "G"), "consequence"] == "intron_variant"
    # two alts of one record, each with its own annotation
    assert by_alt.loc[(10489740, "A"), "consequence"] == "missense_variant"
    assert by_alt.loc[(10489740, "G"), "consequence"] == "synonymous_variant"
    assert by_alt.loc[(10489740, "A"), "hotspot"]
    assert not by_alt.loc[(10489740, "G"), "hotspot"]


def test_unannotated_uses_hotspots_then_coordinates_and_normalises_contigs():
    variants = read_somatic_vcf(VCF / "unannotated_b37_names.vcf")
    assert variants["chrom"].tolist() == [
        "chr1",
        "chr17",
        "chr17",
        "chr17",
        "chr19",
        "chrM",
        "GL000220.1",
    ]
    hot = variants[variants["hotspot"]].set_index("pos")
    assert set(hot.index) == {7673809, 7673833, 7675088}
    assert (hot["annotation_source"] == "hotspot").all()
    assert hot.loc[7675088, "consequence"] == "missense_variant"
    assert hot.loc[7675088, "protein_change"] == "R175H"
    # a 1-base insertion and deletion hotspot shift the frame
    assert hot.loc[7673809, "consequence"] == "frameshift_variant"
    assert hot.loc[7673833, "consequence"] == "frameshift_variant"
    # FILTER '.' means no filter applied: kept
    assert hot.loc[7673809, "filter"] == "."
    keap1 = variants[variants["pos"] == 10495000].iloc[0]
    assert keap1["gene"] == "KEAP1"
    assert keap1["consequence"] is None
    assert keap1["annotation_source"] == "coordinates"
    assert variants.iloc[-1]["gene"] is None  # unplaced contig: no gene, kept verbatim


def test_missing_ad_falls_back_to_af():
    variants = read_somatic_vcf(VCF / "missing_ad.vcf").set_index("pos")
    assert variants.loc[25245350, "vaf"] == pytest.approx(0.125)
    assert variants.loc[7675088, "vaf"] == pytest.approx(0.3)  # AD is '.'
    assert np.isnan(variants.loc[7676200, "vaf"])  # neither AD nor AF
    assert pd.isna(variants.loc[7676200, "depth"])
    assert variants.loc[25245350, "depth"] == 80


def test_strelka_columns_and_tier1_counts():
    variants = read_somatic_vcf(VCF / "strelka_tumor_normal.vcf").set_index("pos")
    assert variants.attrs["sample_column"] == 2
    assert variants.loc[7675088, "vaf"] == pytest.approx(15 / 50)  # TU / (AU+CU+GU+TU), tier 1
    assert variants.loc[7675300, "vaf"] == pytest.approx(12 / 48)  # TIR / (TAR + TIR)


def test_configured_vaf_field_and_number1_ad_ignored():
    plain = read_somatic_vcf(VCF / "varscan_freq.vcf")
    assert np.isnan(plain["vaf"].iloc[0])  # VarScan's AD is Number=1: not ref/alt counts
    freq = read_somatic_vcf(VCF / "varscan_freq.vcf", vaf_fields=["FORMAT/FREQ"])
    assert freq["vaf"].iloc[0] == pytest.approx(0.25)
    with pytest.raises(InputError, match=r"no FORMAT field 'VAF'.*FREQ"):
        read_somatic_vcf(VCF / "varscan_freq.vcf", vaf_fields=["FORMAT/VAF"])


def test_explicit_sample_and_unknown_sample():
    normal = read_somatic_vcf(VCF / "mutect2_csq.vcf", sample="NORMAL")
    assert normal.attrs["sample_column"] == 1
    assert normal.set_index("pos").loc[177234082, "vaf"] == 0.0
    with pytest.raises(InputError, match=r"no sample column of the name given; the VCF has 2") as e:
        read_somatic_vcf(VCF / "mutect2_csq.vcf", sample="T1")
    assert "TUMOR" not in str(e.value), "VCF sample names may identify a patient: never printed"


def test_ambiguous_tumour_column():
    with pytest.raises(
        InputError, match=r"multi_sample_ambiguous.vcf.*3 sample col.*--sample"
    ) as e:
        read_somatic_vcf(VCF / "multi_sample_ambiguous.vcf")
    assert "S2" not in str(e.value)
    assert len(read_somatic_vcf(VCF / "multi_sample_ambiguous.vcf", sample="S3")) == 1


def test_empty_result_keeps_columns_and_dtypes():
    variants = read_somatic_vcf(VCF / "no_passing.vcf")
    assert variants.empty
    assert variants.dtypes.astype(str).to_dict() == COLUMNS


def test_rows_sorted_in_karyotype_order(tmp_path):
    lines = (VCF / "mutect2_csq.vcf").read_text().splitlines()
    header = [line for line in lines if line.startswith("#")]
    body = [line for line in lines if not line.startswith("#")]
    shuffled = tmp_path / "shuffled.vcf"
    shuffled.write_text("\n".join(header + body[::-1]) + "\n")
    assert rows(read_somatic_vcf(shuffled)) == rows(read_somatic_vcf(VCF / "mutect2_csq.vcf"))


def test_bgzip_with_and_without_index_and_plain_gzip(tmp_path):
    expected = read_somatic_vcf(VCF / "mutect2_csq.vcf")
    indexed = bgzip_indexed(VCF / "mutect2_csq.vcf", tmp_path)
    assert Path(str(indexed) + ".tbi").exists()
    pd.testing.assert_frame_equal(read_somatic_vcf(indexed), expected)
    Path(str(indexed) + ".tbi").unlink()  # no index: streaming needs none
    pd.testing.assert_frame_equal(read_somatic_vcf(indexed), expected)
    plain = tmp_path / "plain.vcf.gz"
    plain.write_bytes(gzip.compress((VCF / "mutect2_csq.vcf").read_bytes()))
    pd.testing.assert_frame_equal(read_somatic_vcf(plain), expected)


def test_bcf_input(tmp_path):
    bcf = tmp_path / "m.bcf"
    source = pysam.VariantFile(str(VCF / "mutect2_csq.vcf"))
    with source, pysam.VariantFile(str(bcf), "wb", header=source.header) as out:
        for record in source:
            out.write(record)
    assert rows(read_somatic_vcf(bcf)) == rows(read_somatic_vcf(VCF / "mutect2_csq.vcf"))


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_bgzip(tmp_path, cut):
    whole = bgzip_indexed(VCF / "mutect2_csq.vcf", tmp_path, index=False).read_bytes()
    broken = tmp_path / "broken.vcf.gz"
    broken.write_bytes(whole[: int(len(whole) * cut)])
    with pytest.raises(InputError, match=r"broken.vcf.gz.*truncated or corrupt"):
        read_somatic_vcf(broken)


def test_truncated_plain_gzip(tmp_path):
    data = gzip.compress((VCF / "mutect2_csq.vcf").read_bytes())
    broken = tmp_path / "broken.vcf.gz"
    broken.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"broken.vcf.gz.*truncated or corrupt"):
        read_somatic_vcf(broken)


def test_malformed_record_names_file_and_line():
    with pytest.raises(
        InputError, match=r"malformed_pos.vcf: cannot read record 2 \(about line 8\)"
    ):
        read_somatic_vcf(VCF / "malformed_pos.vcf")


def test_malformed_vaf_value(tmp_path):
    text = (VCF / "varscan_freq.vcf").read_text().replace("25%", "lots")
    bad = tmp_path / "bad_freq.vcf"
    bad.write_text(text)
    with pytest.raises(InputError, match=r"bad_freq.vcf.*FORMAT/FREQ value 'lots'"):
        read_somatic_vcf(bad, vaf_fields=["FREQ"])


@pytest.mark.parametrize(
    "text",
    ["", "not a vcf at all\n", "##fileformat=VCFv4.2\nchr1\t1\t.\tA\tC\t.\tPASS\t.\n"],
)
def test_not_a_vcf(tmp_path, text):
    bad = tmp_path / "bad.vcf"
    bad.write_text(text)
    with pytest.raises(InputError, match=r"bad\.vcf"):
        read_somatic_vcf(bad)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such VCF file"):
        read_somatic_vcf(tmp_path / "absent.vcf")


def test_contig_name_mismatch():
    with pytest.raises(InputError, match=r"scaffold_1, scaffold_2.*rename-chrs"):
        read_somatic_vcf(VCF / "contig_mismatch.vcf")


def test_wrong_build_from_header_lengths():
    with pytest.raises(InputError, match=r"grch37.vcf: contig 1 has length 249250621.*GRCh37"):
        read_somatic_vcf(VCF / "grch37.vcf")
    with pytest.raises(InputError, match=r"249250621 in GRCh37; the header's .* match GRCh38"):
        read_somatic_vcf(VCF / "mutect2_csq.vcf", genome="GRCh37")


def test_wrong_build_from_hotspots_without_header_lengths():
    with pytest.raises(InputError, match=r"2 variants match Cancer Hotspots alleles on GRCh37"):
        read_somatic_vcf(VCF / "grch37_no_contigs.vcf")


def test_wrong_build_from_position_past_chromosome_end(tmp_path):
    text = (VCF / "grch37_no_contigs.vcf").read_text()
    text += "1\t249000000\t.\tA\tC\t.\tPASS\t.\tGT:AD\t0/1:5,5\n"
    bad = tmp_path / "past_end.vcf"
    bad.write_text(text)
    with pytest.raises(InputError, match=r"chr1:249000000 lies past the end of chr1 in GRCh38"):
        read_somatic_vcf(bad)


def test_grch37_supported_with_hotspots_but_no_coordinate_genes():
    variants = read_somatic_vcf(VCF / "grch37.vcf", genome="GRCh37").set_index("pos")
    assert variants.loc[7578406, "protein_change"] == "R175H"
    assert variants.loc[25398284, "hotspot_gene"] == "KRAS"
    assert variants.loc[7579000, "gene"] is None  # inside TP53, but no GRCh37 interval table
    assert read_somatic_vcf(VCF / "grch37.vcf", genome="auto").attrs["genome"] == "GRCh37"


def test_auto_genome_needs_contig_lengths():
    assert read_somatic_vcf(VCF / "mutect2_csq.vcf", genome="auto").attrs["genome"] == "GRCh38"
    with pytest.raises(InputError, match="genome='auto' needs ##contig lines"):
        read_somatic_vcf(VCF / "grch37_no_contigs.vcf", genome="auto")


def test_unknown_genome_name():
    with pytest.raises(InputError, match="unknown genome build 'hg19'"):
        read_somatic_vcf(VCF / "mutect2_csq.vcf", genome="hg19")


def test_simulator_style_bgzipped_indexed_mutect2(tmp_path):
    """The lead's simulator writes this shape: Mutect2 + VEP CSQ, bgzip + tabix, non-PASS rows."""
    indexed = bgzip_indexed(VCF / "mutect2_csq.vcf", tmp_path)
    variants = read_somatic_vcf(indexed)
    truth = {
        ("chr2", 177234082, "NFE2L2", True),
        ("chr11", 108244873, "ATM", True),
        ("chr17", 7675088, "TP53", True),
        ("chr19", 1207000, "STK11", False),
    }
    got = set(variants[["chrom", "pos", "gene", "hotspot"]].itertuples(index=False, name=None))
    assert truth <= got
    assert "KEAP1" not in set(variants["gene"])  # its only record is weak_evidence


def test_benchmark_vcf_reads_like_a_plain_pysam_loop(tmp_path):
    """Keeps benchmarks/bench_vcf.py honest: same passing alleles through both readers."""
    import importlib.util

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_vcf.py"
    spec = importlib.util.spec_from_file_location("bench_vcf", script)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    path = tmp_path / "bench.vcf.gz"
    bench.write_vcf(path, 300)
    variants = read_somatic_vcf(path)
    assert len(variants) == bench.pysam_loop(path)
    assert variants["gene"].notna().all()
    assert variants["vaf"].between(0, 1).all()


@pytest.mark.parametrize("block", [4096, 3, 1])
def test_mixed_records_read_in_one_pass_match_record_by_record_values(monkeypatch, block):
    """Records that take every path of the batch reader: VAF from AD text, from FORMAT/AF
    (a second pysam pass), none; CSQ by PICK, CANONICAL, ALLELE_NUM, VEP indel alleles and
    severity; symbolic and ``*`` alleles dropped; an out-of-order record sorted into place;
    the same in blocks of any size."""
    monkeypatch.setattr("rtpredict.genomics._vcf._BLOCK", block)
    variants = read_somatic_vcf(VCF / "mixed_records.vcf", pass_only=False)
    columns = ["pos", "alt", "gene", "consequence", "protein_change", "vaf", "depth"]
    columns += ["alt_depth", "filter"]
    got = [
        tuple(None if v is pd.NA or v != v else v for v in row)
        for row in variants[columns].itertuples(index=False, name=None)
    ]
    assert got == [
        (10, "C", "G2", "stop_gained", "R1*", pytest.approx(2 / 3), 3, 2, "PASS"),
        (11, "C", None, None, None, pytest.approx(0.2), 3, None, "."),
        (11, "G", None, None, None, pytest.approx(0.3), 3, None, "."),
        (12, "A", None, None, None, 1 / 11, 11, 1, "PASS"),
        (12, "ATT", "G4", "inframe_insertion", None, 2 / 11, 11, 2, "PASS"),
        (13, "C", "G6", "synonymous_variant", "L3=", 0.5, 9, None, "weak"),
        (14, "T", "G7", "missense_variant", "R9H", 0.5, 8, 4, "PASS;weak"),
        (16, "T", None, None, None, None, 0, 0, "PASS"),
        (17, "T", None, "stop_lost", None, 3 / 7, 7, 3, "PASS"),
        (18, "GT", None, "missense_variant", None, 0.5, 4, 2, "PASS"),
        (19, "C", "G8", "missense_variant", None, None, 7, None, "PASS"),
        (20, "C", "G8", "missense_variant", None, pytest.approx(0.4), None, None, "PASS"),
        (21, "C", "G9", "missense_variant", None, 0.5, 4, 2, "PASS"),
        (7675088, "T", "TP53", "missense_variant", "R175H", 0.5, 6, 3, "PASS"),
    ]
    assert variants.loc[variants["pos"] == 7675088, "annotation_source"].item() == "hotspot"
    assert read_somatic_vcf(VCF / "mixed_records.vcf")["pos"].tolist() == [
        10,
        11,
        11,
        12,
        12,
        16,
        17,
        18,
        19,
        20,
        21,
        7675088,
    ]


def test_bytes_that_are_not_utf8_in_fields_the_reader_ignores(tmp_path):
    """A Latin-1 ID or unused INFO value must not stop the reader, which never reads them."""
    lines = (VCF / "mutect2_csq.vcf").read_bytes().split(b"\n")
    first = next(i for i, line in enumerate(lines) if not line.startswith(b"#"))
    fields = lines[first].split(b"\t")
    fields[2] = b"caf\xe9"
    lines[first] = b"\t".join(fields)
    fields = lines[first + 1].split(b"\t")
    fields[7] = b"NOTE=\xe9t\xe9;" + fields[7]
    lines[first + 1] = b"\t".join(fields)
    latin1 = tmp_path / "latin1.vcf"
    latin1.write_bytes(b"\n".join(lines))
    for pass_only in (True, False):
        got = read_somatic_vcf(latin1, pass_only=pass_only)
        expected = read_somatic_vcf(VCF / "mutect2_csq.vcf", pass_only=pass_only)
        pd.testing.assert_frame_equal(got, expected)


def test_utf8_text_before_and_inside_the_fields_read(tmp_path):
    """Multi-byte UTF-8 (an ID, an INFO note, a gene symbol) moves byte offsets off characters:
    every field must still be read whole."""
    text = (VCF / "mutect2_csq.vcf").read_text()
    kras = next(line for line in text.splitlines() if "\tKRAS" in line or "|KRAS|" in line)
    fields = kras.split("\t")
    fields[2] = "réf-été"
    fields[7] = "NOTE=çà;" + fields[7].replace("|KRAS|", "|KRAS-é|", 1)
    path = tmp_path / "utf8.vcf"
    path.write_text(text.replace(kras, "\t".join(fields)), encoding="utf-8")
    got = read_somatic_vcf(path).set_index(["pos", "alt"])
    expected = read_somatic_vcf(VCF / "mutect2_csq.vcf").set_index(["pos", "alt"])
    assert got.loc[(25245350, "A"), "gene"] == "KRAS-é"
    assert got.loc[(25245350, "T"), "gene"] == "KRAS"
    assert got.loc[(25245350, "A"), "protein_change"] == "G12V"
    others = got.drop(index=(25245350, "A"))
    pd.testing.assert_frame_equal(others, expected.drop(index=(25245350, "A")))


def test_sites_only_vcf_keeps_genes_and_consequences_without_vaf(tmp_path):
    """A VCF without sample columns (but with FORMAT AD declared) gives the same alleles and
    annotations, and no VAF or depth."""
    lines = (VCF / "mutect2_csq.vcf").read_text().splitlines()
    sites = [
        line if line.startswith("##") else "\t".join(line.split("\t")[:8])
        for line in lines
        if not line.startswith(("##tumor_sample", "##normal_sample"))
    ]
    path = tmp_path / "sites.vcf"
    path.write_text("\n".join(sites) + "\n")
    got = read_somatic_vcf(path)
    expected = read_somatic_vcf(VCF / "mutect2_csq.vcf")
    assert got.attrs["sample_column"] is None
    assert rows(got) == rows(expected)
    annotations = ["gene", "consequence", "protein_change", "impact", "hotspot"]
    pd.testing.assert_frame_equal(got[annotations], expected[annotations])
    assert got["vaf"].isna().all()
    assert got["depth"].isna().all()
