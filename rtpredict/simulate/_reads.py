"""Paired-end Illumina-like reads drawn from known transcript abundances.

Fragments are drawn from transcripts in proportion to abundance × effective length, with
normally distributed fragment lengths; reads carry position-dependent base qualities and
substitution errors drawn from those qualities (Phred), and fragments shorter than the read
run into the TruSeq adapter. Strandedness follows salmon's library-type notation.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rtpredict.simulate._sequence import complement

#: TruSeq adapters as read through after a short insert (read 1 / read 2), index included
ADAPTER_R1 = b"AGATCGGAAGAGCACACGTCTGAACTCCAGTCACGCCAATATCTCGTATGCCGTCTTCTGCTTG"
ADAPTER_R2 = b"AGATCGGAAGAGCGTCGTGTAGGGAAAGAGTGTAGATCTCGGTGGTCGCCGTATCATT"
LIBRARY_TYPES = ("ISR", "ISF", "IU")
_ACGT = np.frombuffer(b"ACGT", np.uint8)
_BASE_INDEX = np.full(256, 0, np.uint8)
_BASE_INDEX[_ACGT] = np.arange(4)


@dataclass(frozen=True)
class ReadModel:
    """How reads are drawn.

    ``library_type`` uses salmon's notation: ``ISR`` (stranded, read 1 antisense, e.g. dUTP /
    TruSeq Stranded; featureCounts ``-s 2``), ``ISF`` (read 1 sense; ``-s 1``) or ``IU``
    (unstranded; ``-s 0``).
    """

    read_length: int = 100
    fragment_mean: float = 220.0
    fragment_sd: float = 70.0
    min_fragment: int = 50
    library_type: str = "ISR"

    def __post_init__(self) -> None:
        if self.library_type not in LIBRARY_TYPES:
            raise ValueError(f"library_type must be one of {LIBRARY_TYPES}")
        if self.read_length - self.min_fragment > min(len(ADAPTER_R1), len(ADAPTER_R2)):
            raise ValueError("read_length - min_fragment exceeds the adapter sequence length")


class TranscriptPool:
    """Source sequences (transcripts, contigs, …) concatenated, for vectorised extraction."""

    def __init__(self, sequences: list[np.ndarray]) -> None:
        self.lengths = np.array([len(s) for s in sequences], dtype=np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(self.lengths)[:-1]])
        self.bases = np.concatenate(sequences)

    def effective_lengths(self, model: ReadModel) -> np.ndarray:
        """Return each sequence's effective length for the mean fragment length (≥ 1)."""
        return np.maximum(self.lengths - model.fragment_mean + 1, 1.0)


def _qualities(rng: np.random.Generator, n: int, length: int) -> np.ndarray:
    """Phred qualities that fall along the read, with per-read and per-base noise."""
    pos = np.arange(length) / length
    profile = 37.0 - 12.0 * pos**2
    q = profile[None, :] + rng.normal(0, 2.0, (n, 1)) + rng.normal(0, 3.0, (n, length))
    return np.clip(np.rint(q), 2, 41).astype(np.uint8)


def _with_errors(rng: np.random.Generator, bases: np.ndarray, qual: np.ndarray) -> np.ndarray:
    """Substitute bases with probability 10^(-q/10); quality-2 bases become N."""
    p_error = 10.0 ** (-qual.astype(np.float64) / 10.0)
    hit = rng.random(bases.shape) < p_error
    shifted = _ACGT[(_BASE_INDEX[bases] + rng.integers(1, 4, bases.shape)) % 4]
    out = np.where(hit, shifted, bases)
    out[qual <= 2] = ord("N")
    return out


def _read_bases(
    pool: TranscriptPool,
    starts: np.ndarray,
    frag_len: np.ndarray,
    length: int,
    adapter: bytes,
    *,
    antisense: np.ndarray,
) -> np.ndarray:
    """Return reads of ``length`` from fragments: the sense strand from the 5' end, or the
    antisense strand from the 3' end; past the fragment's end, the adapter."""
    j = np.arange(length)[None, :]
    inside = j < frag_len[:, None]
    sense_idx = starts[:, None] + j
    anti_idx = starts[:, None] + frag_len[:, None] - 1 - j
    idx = np.where(antisense[:, None], anti_idx, sense_idx)
    idx = np.where(inside, idx, 0)
    bases = pool.bases[idx]
    bases = np.where(antisense[:, None], complement(bases), bases)
    adapter_arr = np.frombuffer(adapter.ljust(length, b"A"), np.uint8)
    adapter_pos = np.clip(j - frag_len[:, None], 0, length - 1)
    return np.where(inside, bases, adapter_arr[adapter_pos])


def _fastq_records(
    name_prefix: bytes, first: int, mate: int, bases: np.ndarray, qual: np.ndarray
) -> bytes:
    """Format fixed-width FASTQ records ``@<prefix><9-digit number> <mate>:N:0``."""
    n = len(bases)
    numbers = np.arange(first, first + n)
    digits = (numbers[:, None] // 10 ** np.arange(8, -1, -1)[None, :]) % 10 + ord("0")
    parts = [
        np.tile(np.frombuffer(b"@" + name_prefix, np.uint8), (n, 1)),
        digits.astype(np.uint8),
        np.tile(np.frombuffer(f" {mate}:N:0\n".encode(), np.uint8), (n, 1)),
        bases,
        np.tile(np.frombuffer(b"\n+\n", np.uint8), (n, 1)),
        (qual + 33).astype(np.uint8),
        np.full((n, 1), ord("\n"), np.uint8),
    ]
    return np.concatenate(parts, axis=1).tobytes()


def write_read_pairs(
    pool: TranscriptPool,
    prob: np.ndarray,
    unstranded: np.ndarray,
    n_pairs: int,
    model: ReadModel,
    rng: np.random.Generator,
    paths: tuple[Path, Path],
    *,
    name_prefix: str,
    chunk: int = 50_000,
) -> np.ndarray:
    """Draw ``n_pairs`` fragments from the pool's sequences; write gzipped FASTQ.

    ``prob`` is each sequence's share of fragments; fragments of sequences flagged
    ``unstranded`` (genomic DNA, contaminants) take either orientation whatever the library
    type. Returns the number of fragments drawn from each sequence. The gzip streams carry no
    timestamp, so the same seed gives byte-identical files.
    """
    fragments_per_tx = np.zeros(len(prob), dtype=np.int64)
    prefix = name_prefix.encode()
    with (
        open(paths[0], "wb") as raw1,
        open(paths[1], "wb") as raw2,
        gzip.GzipFile(fileobj=raw1, mode="wb", mtime=0, compresslevel=4, filename="") as out1,
        gzip.GzipFile(fileobj=raw2, mode="wb", mtime=0, compresslevel=4, filename="") as out2,
    ):
        for first in range(0, n_pairs, chunk):
            n = min(chunk, n_pairs - first)
            tx = rng.choice(len(prob), size=n, p=prob)
            fragments_per_tx += np.bincount(tx, minlength=len(prob))
            length = pool.lengths[tx]
            frag = np.rint(rng.normal(model.fragment_mean, model.fragment_sd, n)).astype(np.int64)
            frag = np.clip(frag, model.min_fragment, None)
            frag = np.minimum(frag, length)
            starts = pool.offsets[tx] + (rng.random(n) * (length - frag + 1)).astype(np.int64)
            coin = rng.random(n) < 0.5
            if model.library_type == "ISR":
                r1_antisense = np.where(unstranded[tx], coin, True)
            elif model.library_type == "ISF":
                r1_antisense = np.where(unstranded[tx], coin, False)
            else:
                r1_antisense = coin
            rl = model.read_length
            r1 = _read_bases(pool, starts, frag, rl, ADAPTER_R1, antisense=r1_antisense)
            r2 = _read_bases(pool, starts, frag, rl, ADAPTER_R2, antisense=~r1_antisense)
            q1, q2 = _qualities(rng, n, rl), _qualities(rng, n, rl)
            r1, r2 = _with_errors(rng, r1, q1), _with_errors(rng, r2, q2)
            out1.write(_fastq_records(prefix, first, 1, r1, q1))
            out2.write(_fastq_records(prefix, first, 2, r2, q2))
    return fragments_per_tx
