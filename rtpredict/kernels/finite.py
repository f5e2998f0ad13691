"""Which samples hold a NaN or an infinite value: one parallel pass over the float bits."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from rtpredict.kernels._cache import CACHE
from rtpredict.kernels._util import as_matrix


@njit(cache=CACHE, parallel=True)
def _nonfinite_rows32(X, columns, out):
    exponent = np.uint32(0x7F800000)
    for s in prange(X.shape[0]):
        bits = X[s].view(np.uint32)
        seen = np.uint32(0)
        if columns.shape[0] == 0:
            for j in range(bits.shape[0]):  # no branch: LLVM vectorises the OR
                seen |= np.uint32((bits[j] & exponent) == exponent)
        else:
            for j in columns:
                seen |= np.uint32((bits[j] & exponent) == exponent)
        out[s] = seen != 0


@njit(cache=CACHE, parallel=True)
def _nonfinite_rows64(X, columns, out):
    exponent = np.uint64(0x7FF0000000000000)
    for s in prange(X.shape[0]):
        bits = X[s].view(np.uint64)
        seen = np.uint64(0)
        if columns.shape[0] == 0:
            for j in range(bits.shape[0]):
                seen |= np.uint64((bits[j] & exponent) == exponent)
        else:
            for j in columns:
                seen |= np.uint64((bits[j] & exponent) == exponent)
        out[s] = seen != 0


def nonfinite_rows(X: np.ndarray, columns: np.ndarray | None = None) -> np.ndarray:
    """Flag the samples holding a NaN or ±inf, in all genes or in ``columns`` only.

    A float is not finite when its exponent bits are all set; the bits are read in place, in
    parallel over samples, without a mask or a float64 copy of the matrix.

    Parameters
    ----------
    X
        Samples x genes (float32 or float64; other dtypes are converted, see `as_matrix`).
    columns
        Column indices to look at; None for every column.

    Returns
    -------
    numpy.ndarray
        bool, one entry per sample: True when the sample holds a non-finite value.
    """
    X = as_matrix(X)
    chosen = np.empty(0, np.int64) if columns is None else np.asarray(columns, dtype=np.int64)
    if chosen.size and (chosen.min() < 0 or chosen.max() >= X.shape[1]):
        raise ValueError(f"columns must lie in [0, {X.shape[1]})")
    out = np.zeros(X.shape[0], np.bool_)
    if X.shape[0] and X.shape[1] and (columns is None or chosen.size):
        kernel = _nonfinite_rows32 if X.dtype == np.float32 else _nonfinite_rows64
        kernel(X, chosen, out)
    return out
