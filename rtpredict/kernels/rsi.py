"""The RSI rank model: rank a fixed panel's genes among themselves, weighted sum of the ranks.

Eschrich SA et al., Int J Radiat Oncol Biol Phys 2009;75:489 (DOI 10.1016/j.ijrobp.2009.06.014):
per sample, rank the 10 genes' expression among these 10 only (1 = lowest, ties averaged as R's
``rank``); RSI = sum(coefficient x rank), no intercept. The coefficients are package data
(``rtpredict/signatures/catalog/rsi.yaml``), never constants here.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from rtpredict.kernels._cache import CACHE
from rtpredict.kernels._util import as_matrix


@njit(cache=CACHE, parallel=True)
def _rank_model(X, columns, coefficients, out):
    n = X.shape[0]
    k = columns.shape[0]
    missing = False
    for i in range(k):
        if columns[i] < 0:
            missing = True
    for s in prange(n):
        if missing:
            out[s] = np.nan
            continue
        vals = np.empty(k, np.float64)
        bad = False
        for i in range(k):
            vals[i] = X[s, columns[i]]
            if np.isnan(vals[i]):
                bad = True
        if bad:
            out[s] = np.nan
            continue
        total = 0.0
        for i in range(k):
            below = 0
            tied = 0
            for j in range(k):
                if vals[j] < vals[i]:
                    below += 1
                elif vals[j] == vals[i]:
                    tied += 1
            total += coefficients[i] * (below + 0.5 * (tied + 1))
        out[s] = total


def rsi_rank(X: np.ndarray, columns: np.ndarray, coefficients: np.ndarray) -> np.ndarray:
    """Return sum(coefficient x within-panel average rank) per sample.

    Parameters
    ----------
    X
        Samples x genes, any per-sample monotone scale.
    columns
        Column of each panel gene in ``X``; ``-1`` marks a gene that is not measured, which
        makes every score NaN (never a score from fewer genes).
    coefficients
        One coefficient per panel gene.

    Returns
    -------
    float64 array, one score per sample; NaN where a panel value is NaN or a gene is missing.
    """
    X = as_matrix(X)
    columns = np.ascontiguousarray(columns, dtype=np.int64)
    coefficients = np.ascontiguousarray(coefficients, dtype=np.float64)
    if columns.ndim != 1 or columns.shape != coefficients.shape or columns.size == 0:
        raise ValueError("columns and coefficients must be 1-D, non-empty and of equal length")
    if columns.max() >= X.shape[1] or columns.min() < -1:
        raise ValueError(f"columns must lie in [-1, {X.shape[1]})")
    present = columns[columns >= 0]
    if np.unique(present).size != present.size:
        raise ValueError("a column is listed twice in the panel")
    out = np.empty(X.shape[0], np.float64)
    if X.shape[0]:
        _rank_model(X, columns, coefficients, out)
    return out
