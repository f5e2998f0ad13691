"""QC readers and BAM QC: real fastp output, salmon library types, STAR logs, pysam BAMs."""

from __future__ import annotations

import subprocess

import pandas as pd
import pysam
import pytest

from rtpredict.errors import InputError
from rtpredict.io import read_fastp, read_star_log
from rtpredict.io._qc import library_type_from_counts
from rtpredict.qc import bam_qc, infer_strandedness
from rtpredict.simulate import SimulationParams, write_cohort


def test_fastp_report_is_read(tmp_path):
    cohort = tmp_path / "c"
    write_cohort(cohort, SimulationParams(n_tumours=1, read_pairs=2000, n_background_genes=10))
    r1, r2 = (cohort / "fastq" / f"SIM001_L001_R{i}.fastq.gz" for i in (1, 2))
    report = tmp_path / "fastp.json"
    subprocess.run(
        ["fastp", "-i", r1, "-I", r2, "-o", tmp_path / "o1.fq.gz", "-O", tmp_path / "o2.fq.gz",
         "--detect_adapter_for_pe", "-j", report, "-h", tmp_path / "fastp.html"],
        check=True, capture_output=True,
    )  # fmt: skip
    qc = read_fastp(report)
    pairs = sum(1 for _ in pysam.FastxFile(str(r1)))
    assert qc["n_read_pairs"] == pairs
    assert 0 < qc["n_read_pairs_trimmed"] <= pairs
    assert qc["adapter_trimmed_reads"] > 0
    assert 0.5 < qc["q30_rate"] < 1


def test_fastp_reader_refuses_other_json(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"hello": 1}')
    with pytest.raises(InputError, match="not a fastp JSON report"):
        read_fastp(path)


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({"ISR": 980, "ISF": 20, "expected_format": "IU"}, "ISR"),
        ({"ISR": 10, "ISF": 990}, "ISF"),
        ({"ISR": 510, "ISF": 490}, "IU"),
    ],
)
def test_library_type_from_all_counts(counts, expected):
    assert library_type_from_counts(counts)[0] == expected


STAR_LOG = """\
                                 Started job on |	Nov 28 18:00:00
                          Number of input reads |	30000
                        Uniquely mapped reads % |	91.50%
             % of reads mapped to multiple loci |	2.25%
"""


def test_star_log(tmp_path):
    path = tmp_path / "Log.final.out"
    path.write_text(STAR_LOG)
    qc = read_star_log(path)
    assert qc["uniquely_mapped_rate"] == pytest.approx(0.915)
    assert qc["mapping_rate"] == pytest.approx(0.9375)
    path.write_text("garbage\n")
    with pytest.raises(InputError, match=r"not a STAR Log\.final\.out"):
        read_star_log(path)


def _bam(tmp_path, *, read1_reverse_on_plus_gene: bool):
    """A BAM with 100 proper pairs on a '+' gene and 20 unmapped reads."""
    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": "chr1", "LN": 10000}]}
    path = tmp_path / "x.bam"
    with pysam.AlignmentFile(str(path), "wb", header=header) as out:
        for i in range(100):
            r1 = pysam.AlignedSegment(out.header)
            r1.query_name = f"p{i}"
            r1.query_sequence = "A" * 50
            r1.flag = 1 | 2 | 64 | (16 if read1_reverse_on_plus_gene else 32)
            r1.reference_id = r1.next_reference_id = 0
            r1.reference_start, r1.next_reference_start = 1000 + i, 1200 + i
            r1.mapping_quality = 255
            r1.cigarstring = "50M"
            out.write(r1)
        for i in range(20):
            u = pysam.AlignedSegment(out.header)
            u.query_name, u.query_sequence, u.flag = f"u{i}", "C" * 50, 4
            u.reference_id = -1
            out.write(u)
    pysam.index(str(path))
    return path


GENES = pd.DataFrame(
    {"contig": ["chr1"], "start": [500], "end": [3000], "strand": ["+"]},
    index=["G1"],
)


def test_bam_qc_and_reverse_strandedness(tmp_path):
    bam = _bam(tmp_path, read1_reverse_on_plus_gene=True)
    qc = bam_qc(bam)
    assert qc["bam_primary_reads"] == 120
    assert qc["bam_mapped_fraction"] == pytest.approx(100 / 120)
    strand = infer_strandedness(bam, GENES)
    assert strand["strandedness"] == "reverse"
    assert strand["featurecounts_strand"] == 2
    assert strand["strand_reads_assigned"] == 100


def test_forward_strandedness_and_no_genes(tmp_path):
    bam = _bam(tmp_path, read1_reverse_on_plus_gene=False)
    assert infer_strandedness(bam, GENES)["featurecounts_strand"] == 1
    elsewhere = GENES.assign(contig="chr9")
    assert infer_strandedness(bam, elsewhere)["strandedness"] == "unknown"
