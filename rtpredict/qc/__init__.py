"""Quality control of aligned reads: mapping, pairing and library strandedness."""

from rtpredict.qc._bam import bam_qc, infer_strandedness

__all__ = ["bam_qc", "infer_strandedness"]
