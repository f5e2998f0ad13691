"""Expression-scale signature scores, every set of a sample in one pass.

Rules (one code per set; per-entry parameters ``a``/``b`` aligned with ``indices``):

- ``MEAN``: mean expression of the set's genes.
- ``WEIGHTED_SUM``: sum of ``a * x``.
- ``MEAN_Z``: mean of ``(x - a) / b`` with ``a``, ``b`` a reference mean and SD frozen from a
  reference cohort (Toustrup 2011 proxy).
- ``MEDIAN_DICHOTOMY``: sum of +1 where ``x > a`` (a reference median), -1 otherwise (Buffa 2010
  as in the TCGA PanCancer hypoxia scores).
- ``SAMPLE_MEDIAN``: median of the set's genes in the sample (Eustace 2013).
- ``GEOMETRIC_MEAN``: ``exp(mean(log(x + a)))`` with ``a`` the offset (cytolytic activity, Rooney
  2015, on TPM).

A NaN value or parameter, an SD <= 0, a non-positive ``x + offset`` or an empty set gives NaN:
never a number computed from something else than asked.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from rtpredict.kernels._cache import CACHE
from rtpredict.kernels._util import as_matrix, check_sets, per_entry

MEAN, WEIGHTED_SUM, MEAN_Z, MEDIAN_DICHOTOMY, SAMPLE_MEDIAN, GEOMETRIC_MEAN = range(6)
#: rule name -> code, for callers that hold rule names
CODES = {
    "mean": MEAN,
    "weighted_sum": WEIGHTED_SUM,
    "mean_z": MEAN_Z,
    "median_dichotomy": MEDIAN_DICHOTOMY,
    "sample_median": SAMPLE_MEDIAN,
    "geometric_mean": GEOMETRIC_MEAN,
}


@njit(cache=CACHE, nogil=True)
def _median(buf, m):
    vals = np.sort(buf[:m])
    h = m // 2
    return vals[h] if m % 2 else 0.5 * (vals[h - 1] + vals[h])


@njit(cache=CACHE, parallel=True)
def _set_scores(X, indptr, indices, codes, a, b, out):
    n = X.shape[0]
    nsets = indptr.shape[0] - 1
    longest = 0
    for k in range(nsets):
        longest = max(longest, indptr[k + 1] - indptr[k])
    for s in prange(n):
        row = X[s]
        buf = np.empty(longest, np.float64)
        for k in range(nsets):
            start, stop = indptr[k], indptr[k + 1]
            m = stop - start
            code = codes[k]
            if m == 0:
                out[s, k] = np.nan
                continue
            total = 0.0
            for e in range(start, stop):
                x = np.float64(row[indices[e]])
                if code == MEAN:
                    total += x
                elif code == WEIGHTED_SUM:
                    total += a[e] * x
                elif code == MEAN_Z:
                    total += (x - a[e]) / b[e] if b[e] > 0 else np.nan
                elif code == MEDIAN_DICHOTOMY:
                    if np.isnan(x) or np.isnan(a[e]):
                        total += np.nan
                    else:
                        total += 1.0 if x > a[e] else -1.0
                elif code == SAMPLE_MEDIAN:
                    buf[e - start] = x
                    if np.isnan(x):
                        total += np.nan
                else:  # GEOMETRIC_MEAN
                    total += np.log(x + a[e]) if x + a[e] > 0 else np.nan
            if code in (MEAN, MEAN_Z):
                out[s, k] = total / m
            elif code == SAMPLE_MEDIAN:
                out[s, k] = total if np.isnan(total) else _median(buf, m)
            elif code == GEOMETRIC_MEAN:
                out[s, k] = np.exp(total / m)
            else:
                out[s, k] = total


def set_scores(
    X: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    codes: np.ndarray,
    a: np.ndarray | None = None,
    b: np.ndarray | None = None,
) -> np.ndarray:
    """Score sets with per-set rules in one pass over each sample.

    Parameters
    ----------
    X
        Samples x genes, float32 or float64 (read in place; sums in float64).
    indptr, indices
        Sets as CSR-like arrays of column indices.
    codes
        Rule code per set (see :data:`CODES`).
    a, b
        Per-entry parameters aligned with ``indices`` (float64), or None when no rule uses them.

    Returns
    -------
    float64 array (samples x sets).
    """
    X = as_matrix(X)
    indptr, indices = check_sets(indptr, indices, X.shape[1])
    codes = np.ascontiguousarray(codes, dtype=np.int64)
    if codes.shape != (indptr.size - 1,) or np.any((codes < 0) | (codes > GEOMETRIC_MEAN)):
        raise ValueError("codes must hold one valid rule code per set")
    a = np.zeros(indices.size) if a is None else np.ascontiguousarray(a, dtype=np.float64)
    b = np.ones(indices.size) if b is None else np.ascontiguousarray(b, dtype=np.float64)
    if a.shape != indices.shape or b.shape != indices.shape:
        raise ValueError("a and b must have one value per set entry")
    out = np.empty((X.shape[0], codes.size), np.float64)
    if out.size:
        _set_scores(X, indptr, indices, codes, a, b, out)
    return out


def _one_rule(X, indptr, indices, code, a=None, b=None):
    X = as_matrix(X)
    indptr, indices = check_sets(indptr, indices, X.shape[1])
    codes = np.full(indptr.size - 1, code, dtype=np.int64)
    return set_scores(X, indptr, indices, codes, a, b)


def mean(X: np.ndarray, indptr: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Return the mean expression of each set's genes per sample.

    Parameters
    ----------
    X
        Samples x genes, float32 or float64 (other dtypes are converted to float64).
    indptr, indices
        Gene sets as CSR-like arrays (:func:`sets_to_csr`): set ``k`` is the columns
        ``indices[indptr[k]:indptr[k + 1]]`` of ``X``.

    Returns
    -------
    numpy.ndarray
        float64, samples x sets; NaN for an empty set or where a value is NaN.
    """
    return _one_rule(X, indptr, indices, MEAN)


def weighted_sum(
    X: np.ndarray, indptr: np.ndarray, indices: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """Return ``sum(weight * x)`` per set and sample.

    Parameters
    ----------
    X
        Samples x genes, float32 or float64 (other dtypes are converted to float64).
    indptr, indices
        Gene sets as CSR-like arrays (:func:`sets_to_csr`): set ``k`` is the columns
        ``indices[indptr[k]:indptr[k + 1]]`` of ``X``.
    weights
        One weight per set entry, aligned with ``indices``.

    Returns
    -------
    numpy.ndarray
        float64, samples x sets; NaN for an empty set or where a value is NaN.
    """
    return _one_rule(X, indptr, indices, WEIGHTED_SUM, a=weights)


def mean_z(
    X: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    reference_mean: np.ndarray,
    reference_sd: np.ndarray,
) -> np.ndarray:
    """Return the mean standardised expression against frozen per-gene means and SDs.

    Each value is standardised as ``(x - reference_mean) / reference_sd`` with the statistics of
    its gene (Toustrup 2011 proxy); an SD <= 0 gives NaN.

    Parameters
    ----------
    X
        Samples x genes, float32 or float64 (other dtypes are converted to float64).
    indptr, indices
        Gene sets as CSR-like arrays (:func:`sets_to_csr`): set ``k`` is the columns
        ``indices[indptr[k]:indptr[k + 1]]`` of ``X``.
    reference_mean
        Per-gene means frozen from a reference cohort, one per column of ``X``.
    reference_sd
        Per-gene standard deviations, one per column of ``X``.

    Returns
    -------
    numpy.ndarray
        float64, samples x sets; NaN for an empty set or where a value is NaN.
    """
    g = np.asarray(X).shape[1]
    idx = np.asarray(indices, dtype=np.int64)
    a = per_entry(reference_mean, idx, g, "reference_mean")
    b = per_entry(reference_sd, idx, g, "reference_sd")
    return _one_rule(X, indptr, indices, MEAN_Z, a=a, b=b)


def median_dichotomy(
    X: np.ndarray, indptr: np.ndarray, indices: np.ndarray, reference_median: np.ndarray
) -> np.ndarray:
    """Return sum(+1 above the frozen per-gene median, -1 otherwise) per set and sample.

    Parameters
    ----------
    X
        Samples x genes, float32 or float64 (other dtypes are converted to float64).
    indptr, indices
        Gene sets as CSR-like arrays (:func:`sets_to_csr`): set ``k`` is the columns
        ``indices[indptr[k]:indptr[k + 1]]`` of ``X``.
    reference_median
        Per-gene medians frozen from a reference cohort, one per column of ``X``.

    Returns
    -------
    numpy.ndarray
        float64, samples x sets; NaN for an empty set or where a value is NaN.
    """
    g = np.asarray(X).shape[1]
    a = per_entry(reference_median, np.asarray(indices, dtype=np.int64), g, "reference_median")
    return _one_rule(X, indptr, indices, MEDIAN_DICHOTOMY, a=a)


def sample_median(X: np.ndarray, indptr: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Return the median expression of each set's genes within each sample.

    Parameters
    ----------
    X
        Samples x genes, float32 or float64 (other dtypes are converted to float64).
    indptr, indices
        Gene sets as CSR-like arrays (:func:`sets_to_csr`): set ``k`` is the columns
        ``indices[indptr[k]:indptr[k + 1]]`` of ``X``.

    Returns
    -------
    numpy.ndarray
        float64, samples x sets; NaN for an empty set or where a value is NaN.
    """
    return _one_rule(X, indptr, indices, SAMPLE_MEDIAN)


def geometric_mean(
    X: np.ndarray, indptr: np.ndarray, indices: np.ndarray, offset: float
) -> np.ndarray:
    """Return ``exp(mean(log(x + offset)))`` per set and sample (``X`` on a linear scale).

    Parameters
    ----------
    X
        Samples x genes, float32 or float64 (other dtypes are converted to float64).
    indptr, indices
        Gene sets as CSR-like arrays (:func:`sets_to_csr`): set ``k`` is the columns
        ``indices[indptr[k]:indptr[k + 1]]`` of ``X``.
    offset
        Added to every value before the logarithm (finite, >= 0); a non-positive ``x + offset``
        gives NaN.

    Returns
    -------
    numpy.ndarray
        float64, samples x sets; NaN for an empty set or where a value is NaN.
    """
    if not np.isfinite(offset) or offset < 0:
        raise ValueError(f"offset must be a finite number >= 0, got {offset}")
    a = np.full(np.asarray(indices).size, float(offset))
    return _one_rule(X, indptr, indices, GEOMETRIC_MEAN, a=a)
