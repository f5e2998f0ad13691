"""Look alleles up in Cancer Hotspots v2 (Chang et al., Cancer Discov 2018), GRCh37 or GRCh38.

Matching is on chromosome, position, reference and alternate allele after both sides are put in
the same minimal form (:func:`~rtpredict.genomics._alleles.trim_alleles`; MAF insertions sit on
the base before them, as vcf2maf writes them). Several alternate alleles can share a position;
each is its own hotspot allele.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from rtpredict.genomics._alleles import maf_insertion_to_trimmed, variant_class
from rtpredict.genomics._build import check_genome
from rtpredict.genomics._consequences import hotspot_consequence
from rtpredict.genomics._resources import data_file


@lru_cache(maxsize=2)
def hotspot_table(genome: str = "GRCh38") -> pd.DataFrame:
    """Return the Cancer Hotspots v2 alleles of ``genome`` with their trimmed form.

    Parameters
    ----------
    genome
        ``"GRCh37"`` or ``"GRCh38"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``chrom, pos, ref, alt, gene, variant_class, protein_change, sift`` as shipped
        (MAF-style alleles, ``-`` for none), then ``trim_pos, trim_ref, trim_alt``,
        ``allele_class`` (SNV, MNV, insertion, deletion, complex) and ``consequence`` (SO term).
    """
    check_genome(genome)
    with data_file(f"cancer_hotspots_v2_{genome}.tsv.gz").open("rb") as handle:
        table = pd.read_csv(
            handle,
            sep="\t",
            compression="gzip",
            dtype={"chrom": str, "ref": str, "alt": str, "pos": np.int64},
            keep_default_na=False,
        )
    trimmed = [
        maf_insertion_to_trimmed(p, r, a)
        for p, r, a in zip(table["pos"], table["ref"], table["alt"], strict=True)
    ]
    table["trim_pos"] = np.array([t[0] for t in trimmed], dtype=np.int64)
    table["trim_ref"] = [t[1] for t in trimmed]
    table["trim_alt"] = [t[2] for t in trimmed]
    table["allele_class"] = [variant_class(r, a) for _, r, a in trimmed]
    table["consequence"] = [
        hotspot_consequence(c, r, a)
        for c, (_, r, a) in zip(table["variant_class"], trimmed, strict=True)
    ]
    return table


@lru_cache(maxsize=2)
def _index(genome: str) -> dict[tuple[str, int, str, str], int]:
    table = hotspot_table(genome)
    keys = zip(table["chrom"], table["trim_pos"], table["trim_ref"], table["trim_alt"], strict=True)
    return {key: i for i, key in enumerate(keys)}


def match_hotspots(
    chroms: np.ndarray, positions: np.ndarray, refs: np.ndarray, alts: np.ndarray, genome: str
) -> np.ndarray:
    """Return the hotspot-table row of each trimmed allele, -1 where it is not a hotspot."""
    index = _index(genome)
    positions = np.asarray(positions, dtype=np.int64)
    rows = np.full(len(positions), -1, dtype=np.int64)
    candidates = np.flatnonzero(np.isin(positions, hotspot_table(genome)["trim_pos"].to_numpy()))
    for i in candidates:
        rows[i] = index.get((chroms[i], int(positions[i]), refs[i], alts[i]), -1)
    return rows
