"""Gene quantities of a cohort from quantifier outputs: salmon ``quant.sf`` and featureCounts.

salmon files are read and checked by ``rtpredict.io._salmon_table`` and summed per gene through
a :class:`~rtpredict.io.TranscriptIndex` (``rtpredict.io._transcript_index``).
"""

from __future__ import annotations

import csv
import io
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from rtpredict.errors import InputError
from rtpredict.io._salmon_table import NUMERIC, SALMON_COLUMNS, read_bytes, read_salmon_table
from rtpredict.io._transcript_index import TranscriptIndex, encode_names

log = logging.getLogger(__name__)


@dataclass
class GeneQuant:
    """Gene-level quantities of a cohort (samples × genes).

    Parameters
    ----------
    counts
        Estimated fragments (salmon: summed ``NumReads``; featureCounts: assigned pairs).
    tpm
        Transcripts per million summed per gene.
    length
        The effective gene length used (salmon: abundance-weighted mean of transcript
        effective lengths; featureCounts: union of exons).
    """

    counts: pd.DataFrame
    tpm: pd.DataFrame
    length: pd.DataFrame

    def length_scaled_counts(self) -> pd.DataFrame:
        """Counts from abundance as tximport's ``countsFromAbundance="lengthScaledTPM"``.

        TPM × the gene's mean effective length over samples, rescaled to each sample's total
        estimated counts: counts free of the length bias of differential isoform usage.

        Returns
        -------
        pandas.DataFrame
            Samples × genes, like ``counts``.
        """
        scaled = self.tpm * self.length.mean(axis=0)
        return scaled.mul(self.counts.sum(axis=1) / scaled.sum(axis=1), axis=0)


def _index_for(path: Path, names: pd.Index, index: TranscriptIndex) -> TranscriptIndex:
    """``index`` when ``names`` are its names, else an index of their own.

    One list being the other cut short means a truncated file (``path`` or the index's source).
    """
    name_bytes, lengths = encode_names(names)
    shorter = min(lengths.size, index.name_lengths.size)
    n_bytes = int(lengths[:shorter].sum())
    if np.array_equal(lengths[:shorter], index.name_lengths[:shorter]) and np.array_equal(
        name_bytes[:n_bytes], index.name_bytes[:n_bytes]
    ):
        if lengths.size == index.name_lengths.size:
            return index
        short, full = (path, index.source) if shorter == lengths.size else (index.source, path)
        raise InputError(
            f"{short}: ends after {shorter} transcripts where {full} goes on with the same ones "
            f"to {max(lengths.size, index.name_lengths.size)}: truncated?"
        )
    own = TranscriptIndex.from_names(names, index.tx2gene, str(path), genes=index.genes)
    log.warning(
        "%s: its transcripts are not those of %s (another salmon index?): matched on their own "
        "(%d not in the GTF dropped)",
        path,
        index.source,
        own.n_unmatched,
    )
    return own


def _read_genes(path: Path, index: TranscriptIndex) -> tuple[np.ndarray, TranscriptIndex]:
    """One file's summaries (counts, tpm, length × genes) and the index that fitted it."""
    data = read_bytes(path)
    if index.matches(data):
        try:
            values = pd.read_csv(
                io.BytesIO(data),
                sep="\t",
                header=None,
                skiprows=1,
                usecols=[SALMON_COLUMNS.index(c) for c in NUMERIC],
                dtype=np.float64,
                quoting=csv.QUOTE_NONE,
                engine="c",
            ).to_numpy()
        except (ValueError, pd.errors.ParserError):
            values = None  # the full parse below names the problem
        if values is not None and values.shape[0] == index.codes.size and np.isfinite(values).all():
            return np.stack(index.summarise(values)), index
    names, values = read_salmon_table(path)
    index = _index_for(path, names, index)
    return np.stack(index.summarise(values)), index


def read_salmon_genes(
    path: str | os.PathLike, index: TranscriptIndex
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read one salmon ``quant.sf`` and summarise its transcripts over ``index.genes``.

    Parameters
    ----------
    path
        The ``quant.sf``.
    index
        From :meth:`TranscriptIndex.from_quant`. When the file's ``Name`` column is not the
        index's, its names are matched on their own (slower; logged as a warning).

    Returns
    -------
    counts, tpm, length
        float64 arrays over ``index.genes``: summed ``NumReads``, summed ``TPM``, and the
        TPM-weighted mean ``EffectiveLength`` (the plain mean where the gene's TPM is 0); 0 for
        genes without a quantified transcript.

    Raises
    ------
    InputError
        Naming the file: unreadable, wrong header, missing or non-numeric value, truncated, or
        more than 5% of its transcripts missing from the GTF.
    """
    (counts, tpm, length), _ = _read_genes(Path(path), index)
    return counts, tpm, length


def salmon_gene_quant(paths: Mapping[str, str | os.PathLike], tx2gene: pd.DataFrame) -> GeneQuant:
    """Aggregate salmon ``quant.sf`` files (sample → path) to gene quantities.

    Transcript names are matched to the GTF whatever their version form
    (:func:`~rtpredict.io.match_transcripts`), once per run (:class:`TranscriptIndex` of the
    first file; see :func:`read_salmon_genes`). Transcripts the GTF lacks are dropped with a
    warning; more than 5% unmatched means the annotation does not fit and is an error. Genes
    (columns, sorted IDs) are those with a quantified transcript in at least one file.

    Parameters
    ----------
    paths
        Sample ID → ``quant.sf`` file.
    tx2gene
        The transcript → gene table (:func:`read_tx2gene`).

    Returns
    -------
    GeneQuant
        Counts, TPM and effective gene lengths, samples × genes.
    """
    if not paths:
        return GeneQuant(pd.DataFrame(), pd.DataFrame(), pd.DataFrame())
    index = TranscriptIndex.from_quant(next(iter(paths.values())), tx2gene)
    summaries = np.empty((3, len(paths), len(index.genes)))
    quantified = np.zeros(len(index.genes), dtype=bool)
    for i, path in enumerate(paths.values()):
        summaries[:, i], used = _read_genes(Path(path), index)
        quantified |= used.n_transcripts > 0
    genes, samples = index.genes[quantified], pd.Index(list(paths))
    return GeneQuant(
        *(pd.DataFrame(s[:, quantified], index=samples, columns=genes) for s in summaries)
    )


def featurecounts_gene_quant(paths: Mapping[str, str | os.PathLike]) -> GeneQuant:
    """Read featureCounts tables (one per sample, one count column each) as gene quantities.

    TPM is computed from counts per base of the union-of-exons gene length reported by
    featureCounts (``Length``), normalised to one million per sample.

    Parameters
    ----------
    paths
        Sample ID → featureCounts table.

    Returns
    -------
    GeneQuant
        Counts, TPM and gene lengths, samples × genes.
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
