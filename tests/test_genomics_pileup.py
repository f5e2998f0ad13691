"""hotspot_pileup on a small BAM built here from a synthetic reference with known read counts."""

from __future__ import annotations

import random

import pandas as pd
import pysam
import pytest

from rtpredict.errors import InputError
from rtpredict.genomics import contig_lengths, hotspot_pileup

REGION = {"chr17": (7673700, 7675200), "chr1": (114716000, 114716300)}  # 1-based, inclusive
FIXED = {("chr17", 7675088): "C", ("chr17", 7673809): "C", ("chr17", 7673834): "A"}
FIXED |= {("chr1", 114716123): "C", ("chr1", 114716124): "C"}


def reference() -> dict[str, tuple[int, str]]:
    """A tiny FASTA in memory: random bases around the hotspots, the hotspot ref bases fixed."""
    rng = random.Random(5)
    out = {}
    for chrom, (start, end) in REGION.items():
        bases = [rng.choice("ACGT") for _ in range(end - start + 1)]
        for (c, pos), base in FIXED.items():
            if c == chrom:
                bases[pos - start] = base
        out[chrom] = (start, "".join(bases))
    return out


def ref_seq(chrom: str, pos: int, length: int) -> str:
    start, seq = reference()[chrom]
    return seq[pos - start : pos - start + length]


def read(chrom, pos, cigar, seq, *, mapq=60, flag=0):
    return chrom, pos, cigar, seq, mapq, flag


def reads() -> list[tuple]:
    out = []
    # TP53 R175H, chr17:7675088 C>T: 6 ref, 4 alt, + 1 low-MAPQ alt, 1 duplicate alt, 1 spliced
    left = ref_seq("chr17", 7675068, 20)
    right = ref_seq("chr17", 7675089, 20)
    out += [read("chr17", 7675068, "41M", left + "C" + right) for _ in range(6)]
    out += [read("chr17", 7675068, "41M", left + "T" + right) for _ in range(4)]
    out.append(read("chr17", 7675068, "41M", left + "T" + right, mapq=3))
    out.append(read("chr17", 7675068, "41M", left + "T" + right, flag=1024))
    spliced = ref_seq("chr17", 7675040, 20) + ref_seq("chr17", 7675150, 20)
    out.append(read("chr17", 7675040, "20M90N20M", spliced))
    # TP53 deletion hotspot chr17:7673834 A>- : anchor 7673833; 3 with the 1-bp deletion, 5 without
    before = ref_seq("chr17", 7673814, 20)  # ends at the anchor 7673833
    after = ref_seq("chr17", 7673835, 20)
    out += [read("chr17", 7673814, "20M1D20M", before + after) for _ in range(3)]
    out += [read("chr17", 7673814, "41M", before + "A" + after) for _ in range(5)]
    # TP53 insertion hotspot chr17:7673809 -/A (after 7673809): 2 alt, 1 other insertion, 3 ref
    before = ref_seq("chr17", 7673790, 20)  # ends at 7673809
    after = ref_seq("chr17", 7673810, 20)
    out += [read("chr17", 7673790, "20M1I20M", before + "A" + after) for _ in range(2)]
    out.append(read("chr17", 7673790, "20M1I20M", before + "G" + after))
    out += [read("chr17", 7673790, "40M", before + after) for _ in range(3)]
    # NRAS G13F MNV chr1:114716123 CC>AA: 2 alt, 3 ref, 1 with only one base changed
    left = ref_seq("chr1", 114716103, 20)
    right = ref_seq("chr1", 114716125, 20)
    out += [read("chr1", 114716103, "42M", left + "AA" + right) for _ in range(2)]
    out += [read("chr1", 114716103, "42M", left + "CC" + right) for _ in range(3)]
    out.append(read("chr1", 114716103, "42M", left + "AC" + right))
    return out


def write_bam(path, *, index=True, lengths=None):
    lengths = lengths or contig_lengths("GRCh38")
    header = pysam.AlignmentHeader.from_dict(
        {
            "HD": {"VN": "1.6", "SO": "unsorted"},
            "SQ": [{"SN": c, "LN": lengths[c]} for c in ("chr1", "chr17")],
        }
    )
    unsorted = path.with_suffix(".unsorted.bam")
    with pysam.AlignmentFile(str(unsorted), "wb", header=header) as out:
        for i, (chrom, pos, cigar, seq, mapq, flag) in enumerate(reads()):
            segment = pysam.AlignedSegment(header)
            segment.query_name = f"read{i}"
            segment.reference_name = chrom
            segment.reference_start = pos - 1
            segment.cigarstring = cigar
            segment.query_sequence = seq
            segment.query_qualities = pysam.qualitystring_to_array("I" * len(seq))
            segment.mapping_quality = mapq
            segment.flag = flag
            out.write(segment)
    pysam.sort("-o", str(path), str(unsorted))
    if index:
        pysam.index(str(path))
    return path


@pytest.fixture(scope="module")
def counts(tmp_path_factory):
    bam = write_bam(tmp_path_factory.mktemp("bam") / "rna.bam")
    return hotspot_pileup(bam)


def at(counts: pd.DataFrame, chrom: str, pos: int, ref: str, alt: str) -> pd.Series:
    hit = counts[
        (counts["chrom"] == chrom)
        & (counts["pos"] == pos)
        & (counts["ref"] == ref)
        & (counts["alt"] == alt)
    ]
    assert len(hit) == 1
    return hit.iloc[0]


def test_snv_counts_exclude_low_mapq_duplicates_and_spliced_reads(counts):
    row = at(counts, "chr17", 7675088, "C", "T")
    assert (row["depth"], row["ref_count"], row["alt_count"]) == (10, 6, 4)
    assert row["alt_fraction"] == pytest.approx(0.4)
    assert row["gene"] == "TP53"
    assert row["protein_change"] == "R175H"


def test_deletion_counts(counts):
    row = at(counts, "chr17", 7673834, "A", "-")
    assert (row["depth"], row["ref_count"], row["alt_count"]) == (8, 5, 3)


def test_insertion_counts_check_the_inserted_sequence(counts):
    row = at(counts, "chr17", 7673809, "-", "A")
    assert (row["depth"], row["ref_count"], row["alt_count"]) == (6, 3, 2)
    # the SNV hotspots at the anchor base share the pileup column
    snv = at(counts, "chr17", 7673809, "C", "T")
    assert snv["depth"] == 6
    assert snv["alt_count"] == 0
    assert snv["ref_count"] == 6


def test_mnv_counts(counts):
    row = at(counts, "chr1", 114716123, "CC", "AA")
    assert (row["depth"], row["ref_count"], row["alt_count"]) == (6, 3, 2)


def test_only_hotspots_on_the_bam_reference_and_zero_depth_is_nan(counts):
    assert set(counts["chrom"]) == {"chr1", "chr17"}
    uncovered = counts[counts["depth"] == 0]
    assert len(uncovered) > 0
    assert uncovered["alt_fraction"].isna().all()
    assert str(counts["alt_count"].dtype) == "Int64"


def test_gene_filter_and_thresholds(tmp_path):
    bam = write_bam(tmp_path / "rna.bam")
    only = hotspot_pileup(bam, genes=["NRAS"])
    assert set(only["gene"]) == {"NRAS"}
    lenient = hotspot_pileup(bam, genes=["TP53"], min_mapping_quality=0)
    assert at(lenient, "chr17", 7675088, "C", "T")["alt_count"] == 5


def test_missing_index_and_wrong_build(tmp_path):
    bam = write_bam(tmp_path / "noindex.bam", index=False)
    with pytest.raises(InputError, match="no index; create one with `samtools index"):
        hotspot_pileup(bam)
    grch37 = write_bam(tmp_path / "b37.bam", lengths=contig_lengths("GRCh37"))
    with pytest.raises(InputError, match="lengths match GRCh37"):
        hotspot_pileup(grch37)
    with pytest.raises(InputError, match="no such BAM"):
        hotspot_pileup(tmp_path / "absent.bam")
    not_bam = tmp_path / "x.bam"
    not_bam.write_text("hello")
    with pytest.raises(InputError, match="not a readable BAM"):
        hotspot_pileup(not_bam)
