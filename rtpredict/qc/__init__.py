"""Quality control: FASTQ and reference soundness before any tool runs; mapping, pairing and
strandedness of alignments."""

from rtpredict.qc._bam import bam_qc, infer_strandedness
from rtpredict.qc._fastq import check_fastq_pair, scan_fastq
from rtpredict.qc._reference import check_reference

__all__ = ["bam_qc", "check_fastq_pair", "check_reference", "infer_strandedness", "scan_fastq"]
