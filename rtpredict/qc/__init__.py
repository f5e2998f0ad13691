"""Quality control: FASTQ soundness before any tool runs; mapping, pairing and strandedness."""

from rtpredict.qc._bam import bam_qc, infer_strandedness
from rtpredict.qc._fastq import check_fastq_pair, scan_fastq

__all__ = ["bam_qc", "check_fastq_pair", "infer_strandedness", "scan_fastq"]
