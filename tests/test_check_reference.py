"""Reference files that do not belong together are refused before any index is built."""

from __future__ import annotations

import pytest

from rtpredict.errors import InputError
from rtpredict.qc import check_reference

GTF = (
    '1\tx\texon\t1\t50\t.\t+\t.\tgene_id "G1"; transcript_id "T1"; transcript_version "2";\n'
    '2\tx\texon\t1\t50\t.\t-\t.\tgene_id "G2"; transcript_id "T2"; transcript_version "1";\n'
)


@pytest.fixture
def files(tmp_path):
    (tmp_path / "a.gtf").write_text(GTF)
    (tmp_path / "genome.fa").write_text(">1 dna\nACGT\n>2\nACGT\n>MT\nAC\n")
    (tmp_path / "tx.fa").write_text(">T1.2 cdna\nACGT\n>T2.1\nAC\n")
    return tmp_path


def test_matching_files_pass(files):
    report = check_reference(
        files / "a.gtf", genome=files / "genome.fa", transcriptome=files / "tx.fa"
    )
    assert report == {
        "genome_contigs": 3,
        "gtf_contigs": 2,
        "transcripts": 2,
        "transcripts_in_gtf": 2,
    }


def test_chr_naming_mismatch(files):
    (files / "genome.fa").write_text(">chr1\nACGT\n>chr2\nACGT\n")
    with pytest.raises(
        InputError,
        match=r"names 2 sequence\(s\) that .*genome.fa lacks "
        r"\(e.g. '1'\) \('chr1' against '1'",
    ):
        check_reference(files / "a.gtf", genome=files / "genome.fa")


def test_transcriptome_of_another_release(files):
    (files / "tx.fa").write_text(">T9.1\nACGT\n>T2.1\nAC\n")
    with pytest.raises(InputError, match=r"only 50% of the transcripts of .*tx.fa .* 'T9.1'"):
        check_reference(files / "a.gtf", transcriptome=files / "tx.fa")
