"""Assign genes to positions by coordinates against the shipped GRCh38 gene-interval table.

The table (``gene_intervals_GRCh38.tsv.gz``, from org.Hs.eg.db 3.16.0 / UCSC hg38) holds one
span per gene and chromosome, introns included. Where genes overlap, the position goes to a
protein-coding gene before any other type, then to the shorter span, then A-Z by symbol. The
lookup is one binary search over precomputed elementary segments of the genome, so it costs the
same for a thousand or a million positions per call. There is no GRCh37 table: GRCh37 input
gets genes from its annotation or its hotspot hits only.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from rtpredict.errors import InputError
from rtpredict.genomics._resources import data_file

_SHIFT = np.int64(1) << np.int64(32)  # chromosome offset on one global axis (all lengths < 2**32)


class GeneIntervals:
    """Gene spans of one build with an O(log n) lookup by (chromosome, position)."""

    def __init__(self, table: pd.DataFrame) -> None:
        self.table = table.reset_index(drop=True)
        self.chroms = {c: i for i, c in enumerate(pd.unique(self.table["chrom"]))}
        offset = self.table["chrom"].map(self.chroms).to_numpy(np.int64) * _SHIFT
        starts = offset + self.table["start"].to_numpy(np.int64)
        stops = offset + self.table["end"].to_numpy(np.int64) + 1
        self.bounds = np.unique(np.concatenate([starts, stops]))
        lo = np.searchsorted(self.bounds, starts)
        hi = np.searchsorted(self.bounds, stops)
        # paint the segments from the weakest gene to the strongest, so the strongest stays
        strength = np.lexsort(
            (
                self.table["symbol"].to_numpy(),
                stops - starts,
                (self.table["gene_type"] != "protein-coding").to_numpy(),
            )
        )
        self.owner = np.full(len(self.bounds), -1, dtype=np.int64)
        for gene in strength[::-1]:
            self.owner[lo[gene] : hi[gene]] = gene
        self.symbols = self.table["symbol"].to_numpy(dtype=object)

    def lookup(self, chroms: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """Return the gene symbol at each (chromosome, 1-based position), None outside genes."""
        chroms = np.asarray(chroms, dtype=object)
        positions = np.asarray(positions, dtype=np.int64)
        codes = np.array([self.chroms.get(c, -1) for c in chroms], dtype=np.int64)
        query = codes * _SHIFT + positions
        segment = np.searchsorted(self.bounds, query, side="right") - 1
        gene = np.where((codes >= 0) & (segment >= 0), self.owner[np.maximum(segment, 0)], -1)
        return np.where(gene >= 0, self.symbols[np.maximum(gene, 0)], None)


@lru_cache(maxsize=1)
def gene_intervals(genome: str = "GRCh38") -> GeneIntervals:
    """Return the shipped gene intervals of ``genome`` (only GRCh38 is shipped)."""
    if genome != "GRCh38":
        raise InputError(
            f"no gene-interval table for {genome}: rtpredict ships GRCh38 only; annotate the VCF "
            "with VEP or SnpEff (genes are then read from CSQ/ANN) or lift it over to GRCh38"
        )
    with data_file("gene_intervals_GRCh38.tsv.gz").open("rb") as handle:
        table = pd.read_csv(
            handle,
            sep="\t",
            compression="gzip",
            dtype={"chrom": str, "symbol": str, "gene_type": str, "entrez_id": str},
            keep_default_na=False,
        )
    return GeneIntervals(table)


def genes_at(chroms: np.ndarray, positions: np.ndarray, *, genome: str = "GRCh38") -> np.ndarray:
    """Return the gene symbol covering each position (``chr``-style names), None outside genes.

    Parameters
    ----------
    chroms
        Chromosome of each position (``chr``-style names).
    positions
        1-based positions.
    genome
        The build; only ``"GRCh38"`` gene intervals are shipped.

    Returns
    -------
    numpy.ndarray
        object array of symbols (or None), one per position.
    """
    return gene_intervals(genome).lookup(chroms, positions)
