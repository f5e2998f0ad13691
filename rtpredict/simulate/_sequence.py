"""Nucleotide arrays as uint8 ASCII codes."""

from __future__ import annotations

import numpy as np

_COMPLEMENT = np.arange(256, dtype=np.uint8)
for _a, _b in zip(b"ACGTNacgtn", b"TGCANtgcan", strict=True):
    _COMPLEMENT[_a] = _b


def complement(seq: np.ndarray) -> np.ndarray:
    """Return the complement of an ASCII nucleotide array (any shape)."""
    return _COMPLEMENT[seq]


def reverse_complement(seq: np.ndarray) -> np.ndarray:
    """Return the reverse complement of a 1-D ASCII nucleotide array."""
    return _COMPLEMENT[seq[::-1]]


def to_str(seq: np.ndarray) -> str:
    """Decode an ASCII nucleotide array."""
    return seq.tobytes().decode("ascii")
