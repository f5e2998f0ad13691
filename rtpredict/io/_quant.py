"""Readers for quantifier outputs: salmon ``quant.sf`` and featureCounts tables."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from rtpredict.errors import InputError
from rtpredict.io._gtf import match_transcripts

log = logging.getLogger(__name__)
_SALMON_COLUMNS = ["Name", "Length", "EffectiveLength", "TPM", "NumReads"]
#: above this share of unmatched quantified transcripts, the annotation is the wrong one
MAX_UNMATCHED = 0.05


@dataclass
class GeneQuant:
    """Gene-level quantities of a cohort (samples × genes).

    ``counts``: estimated fragments (salmon: summed ``NumReads``; featureCounts: assigned
    pairs). ``tpm``: transcripts per million summed per gene. ``length``: the effective gene
    length used (salmon: abundance-weighted mean of transcript effective lengths; featureCounts:
    union of exons).
    """

    counts: pd.DataFrame
    tpm: pd.DataFrame
    length: pd.DataFrame

    def length_scaled_counts(self) -> pd.DataFrame:
        """Counts from abundance as tximport's ``countsFromAbundance="lengthScaledTPM"``.

        TPM × the gene's mean effective length over samples, rescaled to each sample's total
        estimated counts: counts free of the length bias of differential isoform usage.
        """
        scaled = self.tpm * self.length.mean(axis=0)
        return scaled.mul(self.counts.sum(axis=1) / scaled.sum(axis=1), axis=0)


def _read_salmon_table(path: Path) -> pd.DataFrame:
    try:
        table = pd.read_csv(path, sep="\t", dtype={"Name": str})
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise InputError(f"{path}: cannot read salmon quant.sf: {err}") from err
    if list(table.columns) != _SALMON_COLUMNS:
        raise InputError(
            f"{path}: expected salmon columns {_SALMON_COLUMNS}, found {list(table.columns)}"
        )
    return table.set_index("Name")


def salmon_gene_quant(paths: Mapping[str, str | os.PathLike], tx2gene: pd.DataFrame) -> GeneQuant:
    """Aggregate salmon ``quant.sf`` files (sample → path) to gene quantities.

    Transcript names are matched to the GTF whatever their version form
    (:func:`~rtpredict.io.match_transcripts`). Transcripts the GTF lacks are dropped with a
    warning; more than 5% unmatched means the annotation does not fit and is an error.
    """
    counts, tpm, length = {}, {}, {}
    for sample, path in paths.items():
        table = _read_salmon_table(Path(path))
        gene = match_transcripts(table.index, tx2gene)
        unmatched = gene.isna().to_numpy()
        if unmatched.mean() > MAX_UNMATCHED:
            raise InputError(
                f"{path}: {unmatched.sum()} of {len(gene)} transcripts (e.g. "
                f"{table.index[unmatched][0]}) are not in the GTF: does the GTF belong to the "
                "transcriptome salmon was indexed with?"
            )
        if unmatched.any():
            log.warning("%s: %d transcripts not in the GTF were dropped", path, unmatched.sum())
        table = table.loc[~unmatched]
        by_gene = table.assign(
            gene_id=gene[~unmatched].to_numpy(), _w=table["TPM"] * table["EffectiveLength"]
        ).groupby("gene_id")
        counts[sample] = by_gene["NumReads"].sum()
        tpm[sample] = by_gene["TPM"].sum()
        mean_len = by_gene["EffectiveLength"].mean()
        weighted = by_gene["_w"].sum() / tpm[sample].replace(0, np.nan)
        length[sample] = weighted.fillna(mean_len)
    return GeneQuant(*(pd.DataFrame(d).T.fillna(0.0) for d in (counts, tpm, length)))


def featurecounts_gene_quant(paths: Mapping[str, str | os.PathLike]) -> GeneQuant:
    """Read featureCounts tables (one per sample, one count column each) as gene quantities.

    TPM is computed from counts per base of the union-of-exons gene length reported by
    featureCounts (``Length``), normalised to one million per sample.
    """
    counts, lengths = {}, None
    for sample, path in paths.items():
        try:
            table = pd.read_csv(path, sep="\t", comment="#", index_col=0)
        except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
            raise InputError(f"{path}: cannot read featureCounts table: {err}") from err
        if "Length" not in table.columns or table.shape[1] != 6:
            raise InputError(f"{path}: expected featureCounts columns Chr..Length + one sample")
        counts[sample] = table.iloc[:, -1].astype(float)
        lengths = table["Length"].astype(float) if lengths is None else lengths
    counts_df = pd.DataFrame(counts).T
    counts_df.columns.name = None
    rate = counts_df / lengths
    tpm = rate.div(rate.sum(axis=1), axis=0) * 1e6
    length_df = pd.DataFrame(
        np.tile(lengths.to_numpy(), (len(counts_df), 1)),
        index=counts_df.index,
        columns=counts_df.columns,
    )
    return GeneQuant(counts_df, tpm, length_df)
