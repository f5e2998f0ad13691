"""Within-sample ranks with average ties (R's ``rank``, scipy's ``rankdata`` default)."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from rtpredict.kernels._cache import CACHE
from rtpredict.kernels._sort import RADIX, buffer_shapes, rank_sample
from rtpredict.kernels._util import as_matrix
from rtpredict.kernels._util import chunks as _chunks


@njit(cache=CACHE, parallel=True)
def _rank_rows(X, column_rows, npass, nchunks, out):
    n, g = X.shape
    for c in prange(nchunks):
        a = np.empty(g, np.uint64)
        b = np.empty(g, np.uint64)
        columns = np.empty((column_rows, g), np.int32)
        hist = np.empty((npass, RADIX), np.int32)
        ranks = np.empty(g, np.float64)
        for s in range(c * n // nchunks, (c + 1) * n // nchunks):
            rank_sample(X[s], a, b, columns, hist, ranks)
            for j in range(g):
                out[s, j] = ranks[j]


def rank_average(X: np.ndarray, *, dtype: np.dtype | type | None = None) -> np.ndarray:
    """Rank the genes of each sample (row): 1 = lowest, ties get the average rank.

    Parameters
    ----------
    X
        Samples x genes, float32 or float64 (other dtypes are converted to float64).
    dtype
        Output dtype; by default the input's. float32 holds average ranks exactly (multiples
        of 0.5) for fewer than 2**23 genes.

    Returns
    -------
    Array of the shape of ``X``. NaN sorts above every number.
    """
    X = as_matrix(X)
    dtype = np.dtype(dtype or X.dtype)
    if dtype == np.float32 and X.shape[1] >= 2**23:
        raise ValueError("float32 cannot hold average ranks exactly for >= 2**23 genes")
    out = np.empty(X.shape, dtype=dtype)
    if X.size:
        column_rows, npass = buffer_shapes(X.dtype)
        _rank_rows(X, column_rows, npass, _chunks(X.shape[0]), out)
    return out
