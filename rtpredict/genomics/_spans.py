"""Text fields as byte spans, turned into strings once per distinct value."""

from __future__ import annotations

import numpy as np

from rtpredict.kernels import factorize_spans


def span_strings(
    raw: bytes, text: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return the code of each span's text and the distinct texts, as strings.

    Parameters
    ----------
    raw
        The UTF-8 bytes that ``text`` views.
    text
        ``raw`` as uint8.
    starts, ends
        One span per field (``start == -1`` for an absent field, code -1).

    Returns
    -------
    codes, uniques
        int64 codes and an object array of the distinct texts: ``uniques[codes]`` is the column.
    """
    codes, firsts = factorize_spans(text, starts, ends)
    bounds = zip(starts[firsts].tolist(), ends[firsts].tolist(), strict=True)
    uniques = np.empty(len(firsts), dtype=object)
    uniques[:] = [raw[start:end].decode() for start, end in bounds]
    return codes, uniques


def span_texts(raw: bytes, text: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Return the spans' texts as an object array of strings (one string per distinct text)."""
    codes, uniques = span_strings(raw, text, starts, ends)
    return uniques[codes]
