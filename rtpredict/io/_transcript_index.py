"""Transcript -> gene assignment of the rows of salmon ``quant.sf`` files, built once per run.

:class:`TranscriptIndex` matches a run's transcript names to genes once, tells whether another
file has the same names byte for byte, and sums a file's rows per gene.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from rtpredict.errors import InputError
from rtpredict.io._gtf import match_transcripts
from rtpredict.io._salmon_table import SALMON_COLUMNS, read_salmon_table

log = logging.getLogger(__name__)
#: above this share of unmatched quantified transcripts, the annotation is the wrong one
MAX_UNMATCHED = 0.05


def encode_names(names: pd.Index) -> tuple[np.ndarray, np.ndarray]:
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
        return cls(genes, codes, *encode_names(names), source=source, tx2gene=tx2gene)

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
        names, _ = read_salmon_table(Path(path))
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
        if np.count_nonzero(raw == ord("\t")) != (len(SALMON_COLUMNS) - 1) * (
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
