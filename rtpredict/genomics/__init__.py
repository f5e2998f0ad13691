"""Somatic variants from DNA: VCF reading, gene and hotspot annotation, panel, TMB, BAM pileup."""

from __future__ import annotations

from rtpredict.genomics._build import contig_lengths, detect_build
from rtpredict.genomics._consequences import NON_SYNONYMOUS, TRUNCATING
from rtpredict.genomics._contigs import normalise_contig
from rtpredict.genomics._genes import genes_at
from rtpredict.genomics._hotspots import hotspot_table
from rtpredict.genomics._panel import Panel, read_panel
from rtpredict.genomics._pileup import hotspot_pileup
from rtpredict.genomics._table import empty_variants, read_variants, write_variants
from rtpredict.genomics._tmb import is_coding, is_passing, is_qualifying, tumour_mutational_burden
from rtpredict.genomics._vcf import read_somatic_vcf

__all__ = [
    "NON_SYNONYMOUS",
    "TRUNCATING",
    "Panel",
    "contig_lengths",
    "detect_build",
    "empty_variants",
    "genes_at",
    "hotspot_pileup",
    "hotspot_table",
    "is_coding",
    "is_passing",
    "is_qualifying",
    "normalise_contig",
    "read_panel",
    "read_somatic_vcf",
    "read_variants",
    "tumour_mutational_burden",
    "write_variants",
]
