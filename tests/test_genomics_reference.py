"""Shipped reference tables: gene-interval lookup against a brute-force oracle, hotspots, builds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rtpredict.errors import InputError
from rtpredict.genomics import (
    contig_lengths,
    detect_build,
    genes_at,
    hotspot_table,
    normalise_contig,
)
from rtpredict.genomics._build import infer_genome
from rtpredict.genomics._genes import gene_intervals
from rtpredict.genomics._hotspots import match_hotspots


def oracle_gene(table: pd.DataFrame, chrom: str, pos: int) -> str | None:
    """Slow, obvious twin of the segment lookup: scan every interval, apply the tie rule."""
    covering = table[(table["chrom"] == chrom) & (table["start"] <= pos) & (table["end"] >= pos)]
    best = None
    for row in covering.itertuples(index=False):
        key = (row.gene_type != "protein-coding", row.end - row.start, row.symbol)
        best = key if best is None or key < best else best
    return None if best is None else best[2]


def test_gene_lookup_matches_brute_force_oracle():
    table = gene_intervals().table
    rng = np.random.default_rng(7)
    sample = table.sample(150, random_state=3)
    chroms = list(sample["chrom"]) * 4 + list(rng.choice(["chr1", "chr17", "chrX"], 150))
    positions = np.concatenate(
        [
            sample["start"],
            sample["end"],
            sample["start"] - 1,
            sample["end"] + 1,
            rng.integers(1, 150_000_000, 150),
        ]
    )
    got = genes_at(np.array(chroms, dtype=object), positions)
    by_chrom = {c: table[table["chrom"] == c] for c in set(chroms)}
    expected = [oracle_gene(by_chrom[c], c, int(p)) for c, p in zip(chroms, positions, strict=True)]
    assert list(got) == expected


def test_known_genes_and_unknown_contigs():
    chroms = np.array(["chr17", "chr12", "chr19", "chrUn_x", "chr1"], dtype=object)
    got = genes_at(chroms, np.array([7675088, 25245350, 10486725, 100, 1]))
    assert list(got) == ["TP53", "KRAS", "KEAP1", None, None]


def test_every_hotspot_lies_in_its_gene_interval():
    """Checks the 0-based start conversion of org.Hs.eg.db locations against independent data."""
    table = gene_intervals().table
    hot = hotspot_table("GRCh38").merge(
        table, left_on=["chrom", "gene"], right_on=["chrom", "symbol"], how="inner"
    )
    assert len(hot) > 3000
    assert ((hot["trim_pos"] >= hot["start"]) & (hot["trim_pos"] <= hot["end"])).all()


def test_no_grch37_interval_table():
    with pytest.raises(InputError, match="ships GRCh38 only"):
        genes_at(np.array(["chr17"], dtype=object), np.array([7578406]), genome="GRCh37")


@pytest.mark.parametrize("genome", ["GRCh37", "GRCh38"])
def test_hotspot_tables(genome):
    table = hotspot_table(genome)
    assert len(table) == 3181
    assert table["chrom"].str.startswith("chr").all()
    keys = table[["chrom", "trim_pos", "trim_ref", "trim_alt"]]
    assert not keys.duplicated().any()
    assert set(table["consequence"]) <= {
        "missense_variant",
        "stop_gained",
        "frameshift_variant",
        "inframe_deletion",
        "inframe_insertion",
        "protein_altering_variant",
    }


def test_hotspot_match_shares_positions_between_alts():
    chroms = np.array(["chr12", "chr12", "chr12"], dtype=object)
    rows = match_hotspots(
        chroms,
        np.array([25245350, 25245350, 25245350]),
        np.array(["C", "C", "C"], dtype=object),
        np.array(["T", "A", "G"], dtype=object),
        "GRCh38",
    )
    table = hotspot_table("GRCh38")
    assert table["protein_change"].iloc[rows[0]] == "G12D"
    assert table["protein_change"].iloc[rows[1]] == "G12V"
    expected_g = (
        (table["chrom"] == "chr12") & (table["pos"] == 25245350) & (table["alt"] == "G")
    ).any()
    assert (rows[2] >= 0) == expected_g


def test_the_two_builds_list_the_same_hotspots():
    a, b = hotspot_table("GRCh37"), hotspot_table("GRCh38")
    assert (a["gene"].to_numpy() == b["gene"].to_numpy()).all()
    assert (a["protein_change"].to_numpy() == b["protein_change"].to_numpy()).all()


@pytest.mark.parametrize(
    ("name", "normal"),
    [
        ("1", "chr1"),
        ("chr1", "chr1"),
        ("CHR22", "chr22"),
        ("X", "chrX"),
        ("chry", "chrY"),
        ("MT", "chrM"),
        ("chrM", "chrM"),
        ("chrMT", "chrM"),
        ("NC_000017.11", "chr17"),
        ("NC_000023.10", "chrX"),
        ("NC_012920.1", "chrM"),
        ("01", "01"),
        ("23", "23"),
        ("GL000220.1", "GL000220.1"),
        ("chr1_KI270706v1_random", "chr1_KI270706v1_random"),
    ],
)
def test_normalise_contig(name, normal):
    assert normalise_contig(name) == normal


def test_contig_lengths_known_values():
    grch38, grch37 = contig_lengths("GRCh38"), contig_lengths("GRCh37")
    assert len(grch38) == len(grch37) == 25
    assert grch38["chr1"] == 248956422
    assert grch37["chr1"] == 249250621
    assert grch38["chrM"] == grch37["chrM"] == 16569
    assert all(grch38[c] != grch37[c] for c in grch38 if c != "chrM")


def test_infer_genome():
    assert infer_genome({"1": 249250621, "2": None}) == "GRCh37"
    assert infer_genome({"chr1": 248956422, "chrM": 16569}) == "GRCh38"
    assert infer_genome({"chrM": 16569}) is None
    assert infer_genome({"chr1": 248956422, "chr2": 243199373}) is None  # mixed: undecided
    assert infer_genome({}) is None


def test_detect_build_from_vcf_and_bam(tmp_path):
    import pysam

    bam = tmp_path / "x.bam"
    header = {"HD": {"VN": "1.6"}, "SQ": [{"SN": "1", "LN": 249250621}]}
    with pysam.AlignmentFile(str(bam), "wb", header=header):
        pass
    assert detect_build(bam) == "GRCh37"
    vcf = tmp_path / "x.vcf"
    vcf.write_text(
        "##fileformat=VCFv4.2\n##contig=<ID=chr17,length=83257441>\n"
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
    )
    assert detect_build(vcf) == "GRCh38"
    with pytest.raises(InputError, match="no such file"):
        detect_build(tmp_path / "absent.vcf")
