"""Readers for quantifier outputs: salmon ``quant.sf`` and featureCounts tables."""

from __future__ import annotations

import csv
import io
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from rtpredict.errors import InputError
from rtpredict.io._gtf import match_transcripts

log = logging.getLogger(__name__)
_SALMON_COLUMNS = ["Name", "Length", "EffectiveLength", "TPM", "NumReads"]
#: the columns summarised per gene, in this order
_NUMERIC = ["EffectiveLength", "TPM", "NumReads"]
#: above this share of unmatched quantified transcripts, the annotation is the wrong one
MAX_UNMATCHED = 0.05


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


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, after checking its header line."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(f"{path}: cannot read salmon quant.sf: {err}") from err
    header = data.split(b"\n", 1)[0].removeprefix(b"\xef\xbb\xbf").rstrip(b"\r")
    columns = header.decode(errors="replace").split("\t") if header else []
    if columns != _SALMON_COLUMNS:
        raise InputError(f"{path}: expected salmon columns {_SALMON_COLUMNS}, found {columns}")
    return data


def _bad_value(path: Path, err: Exception | None = None) -> InputError:
    """Name the first missing, non-numeric or non-finite value of a quant.sf (error path)."""
    raw = pd.read_csv(
        path, sep="\t", index_col=False, dtype=str, quoting=csv.QUOTE_NONE, na_filter=False
    )
    for column in _NUMERIC:
        values = pd.to_numeric(raw[column], errors="coerce").to_numpy()
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            return InputError(
                f"{path}, line {bad[0] + 2}: {column} is {raw[column].iloc[bad[0]]!r}, not a "
                "finite number (truncated or damaged file?)"
            )
    return InputError(f"{path}: cannot read salmon quant.sf: {err}")


def _check_fields(path: Path, data: bytes) -> None:
    """Raise unless every non-blank line has salmon's 5 tab-separated fields."""
    raw = np.frombuffer(data, dtype=np.uint8)
    line_ends = np.flatnonzero(raw == ord("\n"))
    if raw.size and (not line_ends.size or line_ends[-1] != raw.size - 1):
        line_ends = np.r_[line_ends, raw.size]
    tabs = np.bincount(
        np.searchsorted(line_ends, np.flatnonzero(raw == ord("\t"))), minlength=line_ends.size
    )
    width = line_ends - np.r_[0, line_ends[:-1] + 1]
    blank = (width == 0) | ((width == 1) & (raw[np.maximum(line_ends - 1, 0)] == ord("\r")))
    bad = np.flatnonzero((tabs != len(_SALMON_COLUMNS) - 1) & ~blank)
    if bad.size:
        n_fields = int(tabs[bad[0]]) + 1
        raise InputError(
            f"{path}, line {bad[0] + 1}: {n_fields} field{'s' * (n_fields != 1)} where salmon "
            f"writes {len(_SALMON_COLUMNS)} (truncated or damaged file?)"
        )


def _read_salmon_table(path: Path) -> tuple[pd.Index, np.ndarray]:
    """Parse a whole quant.sf: transcript names and the float64 rows × ``_NUMERIC`` values."""
    data = _read_bytes(path)
    _check_fields(path, data)
    try:
        table = pd.read_csv(
            io.BytesIO(data),
            sep="\t",
            index_col=False,
            quoting=csv.QUOTE_NONE,
            dtype={"Name": str} | dict.fromkeys(_NUMERIC, np.float64),
            na_filter=False,
            engine="c",
        )
    except (UnicodeDecodeError, pd.errors.ParserError) as err:
        raise InputError(f"{path}: cannot read salmon quant.sf: {err}") from err
    except ValueError as err:
        raise _bad_value(path, err) from err
    values = table[_NUMERIC].to_numpy(dtype=np.float64)
    if not np.isfinite(values).all():
        raise _bad_value(path)
    return pd.Index(table["Name"]), values


def _encode_names(names: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """UTF-8 bytes of ``names`` one after the other, and each name's byte length."""
    encoded = [name.encode() for name in names]
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), lengths


@dataclass(frozen=True, eq=False)
class TranscriptIndex:
    """Transcript → gene assignment of the rows of salmon ``quant.sf`` files, built once per run.

    salmon writes transcripts in the order of its index, so every tumour quantified against one
    index has the same ``Name`` column: names are matched to genes once, and each file is only
    checked to carry the same names, byte for byte (:meth:`matches`). Build it with
    :meth:`from_quant`.

    Parameters
    ----------
    genes
        Gene IDs (without version) of ``tx2gene``, sorted: the order of the summaries.
    codes
        int32, for each ``quant.sf`` row the position of its gene in ``genes``; -1 where the
        GTF lacks the transcript.
    name_bytes
        The ``Name`` column as UTF-8, every name's bytes one after the other (uint8).
    name_lengths
        Byte length of each name in ``name_bytes`` (int64).
    source
        The file the names were read from (for messages).
    tx2gene
        The table the genes come from, to match files whose names differ.

    Attributes
    ----------
    n_transcripts
        Number of ``quant.sf`` rows per gene of ``genes``.
    """

    genes: pd.Index
    codes: np.ndarray
    name_bytes: np.ndarray
    name_lengths: np.ndarray
    source: str
    tx2gene: pd.DataFrame = field(repr=False)
    n_transcripts: np.ndarray = field(init=False, repr=False)
    _rows: np.ndarray = field(init=False, repr=False)
    _slot_genes: np.ndarray = field(init=False, repr=False)
    _steps: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Per-gene Kahan sums in row order, as pandas' groupby computes them, vectorised over
        # genes: step k adds every gene's k-th row. Genes sit in "slots" ordered by number of
        # rows (most first), so the genes of step k are the first slots: all slices, no scatter.
        matched = np.flatnonzero(self.codes >= 0)
        n_transcripts = np.bincount(self.codes[matched], minlength=len(self.genes))
        slot_genes = np.argsort(-n_transcripts, kind="stable")[: np.count_nonzero(n_transcripts)]
        slot_of_gene = np.empty(len(self.genes), dtype=np.int64)
        slot_of_gene[slot_genes] = np.arange(slot_genes.size)
        by_gene = matched[np.argsort(self.codes[matched], kind="stable")]
        genes = self.codes[by_gene]
        firsts = np.flatnonzero(np.r_[True, genes[1:] != genes[:-1]])
        rank = np.arange(genes.size) - np.repeat(firsts, np.diff(np.r_[firsts, genes.size]))
        order = np.lexsort((slot_of_gene[genes], rank))
        steps = np.r_[0, np.flatnonzero(np.diff(rank[order])) + 1, genes.size]
        object.__setattr__(self, "n_transcripts", n_transcripts)
        object.__setattr__(self, "_rows", by_gene[order])
        object.__setattr__(self, "_slot_genes", slot_genes)
        object.__setattr__(self, "_steps", steps)

    @classmethod
    def from_names(
        cls,
        names: pd.Index,
        tx2gene: pd.DataFrame,
        source: str,
        genes: pd.Index | None = None,
    ) -> TranscriptIndex:
        """Match quantified transcript ``names`` (the ``Name`` column of ``source``) to genes.

        Parameters
        ----------
        names
            Transcript names in ``quant.sf`` row order, in any version form
            (:func:`~rtpredict.io.match_transcripts`).
        tx2gene
            Output of :func:`~rtpredict.io.read_tx2gene`.
        source
            Where the names come from, for messages.
        genes
            Gene order to use (default: the sorted gene IDs of ``tx2gene``).

        Returns
        -------
        TranscriptIndex
            The index of the run.

        Raises
        ------
        InputError
            More than 5% of the names are not in the GTF: the annotation does not fit.
        """
        if genes is None:
            genes = pd.Index(np.unique(tx2gene["gene_id"].to_numpy(dtype=str)), name="gene_id")
        gene = match_transcripts(names, tx2gene)
        unmatched = gene.isna().to_numpy()
        if np.count_nonzero(unmatched) > MAX_UNMATCHED * unmatched.size:
            raise InputError(
                f"{source}: {unmatched.sum()} of {len(gene)} transcripts (e.g. "
                f"{names[unmatched][0]}) are not in the GTF: does the GTF belong to the "
                "transcriptome salmon was indexed with?"
            )
        codes = genes.get_indexer(gene.to_numpy()).astype(np.int32)
        return cls(genes, codes, *_encode_names(names), source=source, tx2gene=tx2gene)

    @classmethod
    def from_quant(cls, path: str | os.PathLike, tx2gene: pd.DataFrame) -> TranscriptIndex:
        """Build the index of a run from the ``Name`` column of one of its ``quant.sf`` files.

        Logs one warning when transcripts the GTF lacks are dropped (up to 5% of them); see
        :meth:`from_names`.

        Parameters
        ----------
        path
            A ``quant.sf`` file of the run.
        tx2gene
            The transcript → gene table (:func:`read_tx2gene`).

        Returns
        -------
        TranscriptIndex
            The index, to pass to :func:`read_salmon_genes` for every file of the run.
        """
        names, _ = _read_salmon_table(Path(path))
        index = cls.from_names(names, tx2gene, str(path))
        if index.n_unmatched:
            log.warning(
                "%d of %d quantified transcripts (as in %s) are not in the GTF: dropped from "
                "every tumour",
                index.n_unmatched,
                index.codes.size,
                path,
            )
        return index

    @property
    def n_unmatched(self) -> int:
        """Number of ``quant.sf`` rows whose transcript the GTF lacks."""
        return int(np.count_nonzero(self.codes < 0))

    def matches(self, data: bytes) -> bool:
        """Return True if the ``quant.sf`` content ``data`` has exactly this index's names.

        True when, after the header, the file has one line per transcript, each starting with
        the expected name followed by a tab, and 4 tabs per line in all (a line with a field
        too many then has another with one missing, which the parse finds). A trailing newline
        is optional.

        Parameters
        ----------
        data
            The whole content of a ``quant.sf`` file.

        Returns
        -------
        bool
            Whether the file can be summed with this index as it is.
        """
        raw = np.frombuffer(data, dtype=np.uint8)
        if np.count_nonzero(raw == ord("\t")) != (len(_SALMON_COLUMNS) - 1) * (
            self.name_lengths.size + 1
        ):
            return False
        newlines = np.flatnonzero(raw == ord("\n"))
        if newlines.size and newlines[-1] == raw.size - 1:
            newlines = newlines[:-1]
        starts = newlines + 1
        if starts.size != self.name_lengths.size:
            return False
        ends = starts + self.name_lengths
        if ends.size and (ends.max() >= raw.size or not (raw[ends] == ord("\t")).all()):
            return False
        # positions of the expected name bytes in the file (int32 when the file allows it)
        kind = np.int32 if raw.size < np.iinfo(np.int32).max else np.int64
        first_byte = np.cumsum(self.name_lengths) - self.name_lengths
        positions = np.repeat((starts - first_byte).astype(kind), self.name_lengths)
        positions += np.arange(self.name_bytes.size, dtype=kind)
        return bool(np.array_equal(raw[positions], self.name_bytes))

    def summarise(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Summarise one file's rows over :attr:`genes`.

        Parameters
        ----------
        values
            float64, rows × (``EffectiveLength``, ``TPM``, ``NumReads``) in this index's row
            order.

        Returns
        -------
        counts, tpm, length
            As :func:`read_salmon_genes`; sums are compensated (Kahan) in row order like
            pandas' groupby sums, so they equal them bit for bit.
        """
        rows = values[self._rows]
        columns = np.column_stack([rows, rows[:, 1] * rows[:, 0]])
        sums = np.zeros((self._slot_genes.size, columns.shape[1]))
        compensation = np.zeros_like(sums)
        for start, stop in zip(self._steps[:-1], self._steps[1:], strict=True):
            n = stop - start
            y = columns[start:stop] - compensation[:n]
            step = sums[:n] + y
            compensation[:n] = (step - sums[:n]) - y
            sums[:n] = step
        by_gene = np.zeros((columns.shape[1], len(self.genes)))
        by_gene[:, self._slot_genes] = sums.T
        eff_len_sum, tpm, counts, weighted = by_gene
        length = eff_len_sum / np.maximum(self.n_transcripts, 1)
        expressed = tpm != 0
        length[expressed] = weighted[expressed] / tpm[expressed]
        return counts, tpm, length


def _index_for(path: Path, names: pd.Index, index: TranscriptIndex) -> TranscriptIndex:
    """``index`` when ``names`` are its names, else an index of their own.

    One list being the other cut short means a truncated file (``path`` or the index's source).
    """
    name_bytes, lengths = _encode_names(names)
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
    data = _read_bytes(path)
    if index.matches(data):
        try:
            values = pd.read_csv(
                io.BytesIO(data),
                sep="\t",
                header=None,
                skiprows=1,
                usecols=[_SALMON_COLUMNS.index(c) for c in _NUMERIC],
                dtype=np.float64,
                quoting=csv.QUOTE_NONE,
                engine="c",
            ).to_numpy()
        except (ValueError, pd.errors.ParserError):
            values = None  # the full parse below names the problem
        if values is not None and values.shape[0] == index.codes.size and np.isfinite(values).all():
            return np.stack(index.summarise(values)), index
    names, values = _read_salmon_table(path)
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
