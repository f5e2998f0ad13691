"""Readers and writers: quantifier outputs, GTF, sample sheets, QC reports, the cohort AnnData."""

from rtpredict.io._batches import BATCH_PATTERN, batch_digest, tumour_batches
from rtpredict.io._cohort import (
    build_cohort,
    export_tsv,
    gene_table,
    read_batches,
    read_h5ad,
    write_h5ad,
)
from rtpredict.io._config import check_config
from rtpredict.io._gtf import (
    load_tx2gene,
    match_transcripts,
    read_gene_intervals,
    read_tx2gene,
    strip_version,
    write_tx2gene,
)
from rtpredict.io._qc import STRANDEDNESS, read_fastp, read_salmon_qc, read_star_log
from rtpredict.io._quant import (
    GeneQuant,
    featurecounts_gene_quant,
    read_salmon_genes,
    salmon_gene_quant,
)
from rtpredict.io._readers import read_featurecounts, read_salmon
from rtpredict.io._tables import read_clinical, read_sample_sheet, schema
from rtpredict.io._transcript_index import TranscriptIndex

__all__ = [
    "BATCH_PATTERN",
    "STRANDEDNESS",
    "GeneQuant",
    "TranscriptIndex",
    "batch_digest",
    "build_cohort",
    "check_config",
    "export_tsv",
    "featurecounts_gene_quant",
    "gene_table",
    "load_tx2gene",
    "match_transcripts",
    "read_batches",
    "read_clinical",
    "read_fastp",
    "read_featurecounts",
    "read_gene_intervals",
    "read_h5ad",
    "read_salmon",
    "read_salmon_genes",
    "read_salmon_qc",
    "read_sample_sheet",
    "read_star_log",
    "read_tx2gene",
    "salmon_gene_quant",
    "schema",
    "strip_version",
    "tumour_batches",
    "write_h5ad",
    "write_tx2gene",
]
