"""Complete the alleles read from a VCF into the variants table.

Checks the build against positions and hotspot hits, classifies the trimmed alleles, fills gene
and consequence from Cancer Hotspots or gene coordinates where the VCF has no annotation, sorts
in karyotype order and gives every column its standard dtype.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from rtpredict.errors import InputError
from rtpredict.genomics._alleles import trim_alleles, variant_class
from rtpredict.genomics._build import check_hotspot_evidence, check_positions
from rtpredict.genomics._consequences import IMPACT
from rtpredict.genomics._contigs import contig_order, is_primary
from rtpredict.genomics._genes import genes_at
from rtpredict.genomics._hotspots import hotspot_table, match_hotspots
from rtpredict.genomics._resources import GENOMES
from rtpredict.genomics._table import COLUMNS, empty_variants

logger = logging.getLogger(__name__)


def finish_variants(
    alleles: dict[str, np.ndarray], genome: str, annotation_key: str | None, source: str
) -> pd.DataFrame:
    """Return the variants table of the alleles read from one VCF.

    Parameters
    ----------
    alleles
        One array per column of :data:`~rtpredict.genomics._table.COLUMNS` read from the VCF
        (``chrom`` normalised, ``pos``, ``ref``, ``alt``, ``filter``, ``gene``, ``consequence``,
        ``impact``, ``protein_change`` as object arrays with None for missing, ``vaf`` float
        with NaN, ``depth`` and ``alt_depth`` as nullable ``Int64`` arrays), one row per allele.
    genome
        The build the positions are on.
    annotation_key
        ``CSQ`` or ``ANN`` when the VCF is annotated, else None.
    source
        The VCF, for messages.

    Returns
    -------
    pandas.DataFrame
        The variants table; ``attrs["hotspot_hits"]`` counts hotspot matches on each build.
    """
    if not len(alleles["chrom"]):
        empty = empty_variants()
        empty.attrs = {"hotspot_hits": dict.fromkeys(GENOMES, 0)}
        return empty
    chroms = alleles["chrom"]
    codes, names = pd.factorize(chroms)
    primary = np.array([is_primary(c) for c in names], dtype=bool)[codes]
    if not primary.any():
        seen = ", ".join(sorted(set(chroms))[:5])
        raise InputError(
            f"{source}: no variant is on a human primary chromosome (contigs: {seen}); rename "
            "the contigs to 1..22/X/Y/MT or chr1..chrM (`bcftools annotate --rename-chrs`)"
        )
    positions = alleles["pos"]
    check_positions(chroms[primary], positions[primary], genome, source)
    trim_pos, trim_ref, trim_alt, classes = _trim(positions, alleles["ref"], alleles["alt"])
    columns = dict(alleles, variant_class=classes)

    hits = {g: match_hotspots(chroms, trim_pos, trim_ref, trim_alt, g) for g in GENOMES}
    n_hits = {g: int((hits[g] >= 0).sum()) for g in GENOMES}
    check_hotspot_evidence(n_hits[genome], n_hits[_other(genome)], genome, source)
    row = hits[genome]
    is_hotspot = row >= 0
    table = hotspot_table(genome)
    columns["hotspot"] = is_hotspot
    columns["hotspot_gene"] = np.where(is_hotspot, table["gene"].to_numpy(object)[row], None)

    source_of = np.full(len(chroms), None, dtype=object)
    annotated = np.not_equal(alleles["consequence"], None)
    if annotation_key is not None:
        source_of[annotated] = annotation_key
    from_hotspot = is_hotspot & ~annotated
    if from_hotspot.any():
        hotspot_rows = table.iloc[row[from_hotspot]]
        consequences = hotspot_rows["consequence"].to_numpy(object)
        for name in ("gene", "consequence", "protein_change"):
            columns[name][from_hotspot] = hotspot_rows[name].to_numpy(object)
        columns["impact"][from_hotspot] = [IMPACT.get(c, "MODIFIER") for c in consequences]
        source_of[from_hotspot] = "hotspot"
    unknown = ~annotated & ~is_hotspot & np.equal(columns["gene"], None)
    if unknown.any():
        if genome == "GRCh38":
            genes = genes_at(chroms[unknown], positions[unknown])
            columns["gene"][unknown] = genes
            source_of[np.flatnonzero(unknown)[genes != None]] = "coordinates"  # noqa: E711
        else:
            logger.info(
                "%s: %d unannotated variants get no gene: coordinate lookup is GRCh38 only",
                source,
                int(unknown.sum()),
            )
    columns["annotation_source"] = source_of

    ranks = contig_order(list(names))
    rank = np.array([ranks[c] for c in names], np.int64)[codes]
    ref_order = pd.factorize(alleles["ref"], sort=True)[0]
    alt_order = pd.factorize(alleles["alt"], sort=True)[0]
    order = np.lexsort((alt_order, ref_order, positions, rank))
    if (order[1:] > order[:-1]).all():  # already sorted, as VCFs usually are
        order = slice(None)
    out = pd.DataFrame(
        {name: pd.Series(columns[name][order], dtype=dtype) for name, dtype in COLUMNS.items()},
        copy=False,
    )
    out.attrs = {"hotspot_hits": n_hits}
    return out


def _trim(
    positions: np.ndarray, refs: np.ndarray, alts: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Trim alleles and classify them; single-base pairs (most rows) are SNVs as they stand."""
    n = len(positions)
    single = (np.fromiter(map(len, refs), np.int64, n) == 1) & (
        np.fromiter(map(len, alts), np.int64, n) == 1
    )
    trim_pos, trim_ref, trim_alt = positions.copy(), refs.copy(), alts.copy()
    classes = np.full(n, "SNV", dtype=object)
    for i in np.flatnonzero(~single).tolist():
        trim_pos[i], trim_ref[i], trim_alt[i] = trim_alleles(int(positions[i]), refs[i], alts[i])
        classes[i] = variant_class(trim_ref[i], trim_alt[i])
    return trim_pos, trim_ref, trim_alt, classes


def _other(genome: str) -> str:
    return next(g for g in GENOMES if g != genome)
