"""Rank-based single-sample gene-set scores: singscore and ssGSEA, all sets in one pass.

Each sample is sorted once (:mod:`rtpredict.kernels._sort`), the sort recording every gene's
position in its last pass; every set is then scored from the positions of its own genes in
O(set size), so 50 sets cost little more than one. No per-gene rank array is written: a gene's
average rank is its position + 1 unless a neighbour ties with it (then the tie run is found by
binary search once per sample and run).

- singscore (Foroutan M et al., BMC Bioinformatics 2018;19:404): the mean average-rank of the
  set's genes, scaled by the theoretical minimum ``(k+1)/2`` and maximum ``(2N-k+1)/2`` for a set
  of ``k`` genes among ``N``, and centred (``-0.5``): the score lies in [-0.5, 0.5]. Ties get the
  average rank (the singscore R package defaults to the minimum rank; identical without ties).
- ssGSEA (Barbie DA et al., Nature 2009;462:108; as in GSVA ``method="ssgsea"`` and gseapy
  ``ssgsea``): walk down the genes from the highest rank; a set gene steps up by
  ``|r|**alpha / sum(|r|**alpha over the set)``, another gene steps down by ``1/(N-k)``; the score
  is the sum of the walk. The sum has a closed form per gene: with ``o`` a gene's ascending
  position, ``ES = sum(w*o)/sum(w) - (N(N+1)/2 - sum(o))/(N-k)`` over the set's genes.
  Tied genes have no natural order in the walk: ``ties="gseapy"`` orders them as gseapy does
  (later columns first, so the score depends on the column order); ``ties="average"`` gives the
  exact mean of the score over all orders of the tied genes (``o`` = average rank).
  Without ties both equal gseapy 1.1's ``ssgsea`` ES; with ``ties="gseapy"`` they equal it with
  ties too. Tolerance: 1e-9 absolute in the tests (float64 summation order; 7e-11 on
  1,000 x 20,000 in ``benchmarks/bench_signatures.py``). ``normalize=True`` equals gseapy's NES.
"""

from __future__ import annotations

import numpy as np
from numba import njit, parallel_chunksize, prange

from rtpredict.kernels._cache import CACHE
from rtpredict.kernels._sort import RADIX, average_rank, buffer_shapes, sort_positions
from rtpredict.kernels._util import as_matrix, check_sets
from rtpredict.kernels._util import chunks as _chunks

TIES = ("gseapy", "average")


@njit(cache=CACHE, nogil=True)
def _rank_weights(n_genes, alpha):
    """``w[m] = (m / 2) ** alpha``: the ssGSEA weight of every possible average rank ``m / 2``."""
    weights = np.empty(2 * n_genes + 2, np.float64)
    for m in range(weights.shape[0]):
        weights[m] = 1.0 if alpha == 0.0 else (0.5 * m) ** alpha
    return weights


@njit(cache=CACHE, parallel=True)
def _rank_set_scores(
    X, indptr, indices, alpha, tie_average, column_rows, npass, nchunks, sing, ssg
):
    n, g = X.shape
    nsets = indptr.shape[0] - 1
    want_sing = sing.shape[0] == n
    want_ssg = ssg.shape[0] == n
    half_total = 0.5 * g * (g + 1.0)
    weights = _rank_weights(g if want_ssg else 0, alpha)
    for c in prange(nchunks):
        a = np.empty(g, np.uint64)
        b = np.empty(g, np.uint64)
        columns = np.empty((column_rows, g), np.int32)
        hist = np.empty((npass, RADIX), np.int32)
        positions = np.empty(g, np.int32)
        group = np.empty(2, np.int64)
        for s in range(c * n // nchunks, (c + 1) * n // nchunks):
            keys, shift = sort_positions(X[s], a, b, columns, hist, positions)
            group[0], group[1] = 0, 0
            for k in range(nsets):
                start, stop = indptr[k], indptr[k + 1]
                m = stop - start
                if m == 0 or m >= g:
                    if want_sing:
                        sing[s, k] = np.nan
                    if want_ssg:
                        ssg[s, k] = np.nan
                    continue
                total = 0.0
                sw = 0.0
                swo = 0.0
                so_sum = 0.0
                for e in range(start, stop):
                    p = positions[indices[e]]
                    r = average_rank(keys, shift, p, group)
                    total += r
                    if want_ssg:
                        w = weights[int(2.0 * r)]
                        o = r if tie_average else p + 1.0
                        sw += w
                        swo += w * o
                        so_sum += o
                if want_sing:
                    sing[s, k] = (total / m - 0.5 * (m + 1)) / (g - m) - 0.5
                if want_ssg:
                    ssg[s, k] = swo / sw - (half_total - so_sum) / (g - m)


def rank_set_scores(
    X: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    *,
    alpha: float = 0.25,
    ties: str = "average",
    singscore: bool = True,
    ssgsea: bool = True,
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Score every set in every sample with singscore and/or raw ssGSEA in one pass.

    Parameters
    ----------
    X
        Samples x genes (float32 or float64); any per-sample monotone scale.
    indptr, indices
        Sets as CSR-like arrays: set ``k`` is ``indices[indptr[k]:indptr[k + 1]]``.
    alpha
        ssGSEA rank weight exponent (0.25 as in Barbie 2009).
    ties
        ``"average"`` (order-free) or ``"gseapy"`` (gseapy's order of tied genes).
    singscore
        Compute singscore.
    ssgsea
        Compute raw (not normalised) ssGSEA.

    Returns
    -------
    singscore : numpy.ndarray or None
        Samples x sets, None when not requested.
    ssgsea : numpy.ndarray or None
        Samples x sets, None when not requested. In both, empty sets and sets covering every
        gene give NaN.
    """
    if ties not in TIES:
        raise ValueError(f"ties must be one of {TIES}, got {ties!r}")
    if not np.isfinite(alpha) or alpha < 0:
        raise ValueError(f"alpha must be a finite number >= 0, got {alpha}")
    X = as_matrix(X)
    indptr, indices = check_sets(indptr, indices, X.shape[1])
    n, nsets = X.shape[0], indptr.size - 1
    sing = np.empty((n, nsets) if singscore else (0, 0), np.float64)
    ssg = np.empty((n, nsets) if ssgsea else (0, 0), np.float64)
    if n and nsets:
        column_rows, npass = buffer_shapes(X.dtype)
        with parallel_chunksize(1):  # blocks go to whichever thread is free (shared cores)
            _rank_set_scores(
                X,
                indptr,
                indices,
                float(alpha),
                ties == "average",
                column_rows,
                npass,
                _chunks(n),
                sing,
                ssg,
            )
    return (sing if singscore else None), (ssg if ssgsea else None)


def singscore(X: np.ndarray, indptr: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Return singscore (centred, scaled to [-0.5, 0.5]) per sample and set.

    Parameters
    ----------
    X
        Samples x genes (float32 or float64); any per-sample monotone scale.
    indptr, indices
        Gene sets as CSR-like arrays (:func:`sets_to_csr`).

    Returns
    -------
    numpy.ndarray
        float64, samples x sets; NaN for empty sets and sets covering every gene.
    """
    return rank_set_scores(X, indptr, indices, ssgsea=False)[0]


def ssgsea(
    X: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    *,
    alpha: float = 0.25,
    ties: str = "average",
    normalize: bool = False,
) -> np.ndarray:
    """Return ssGSEA enrichment scores per sample and set.

    ``normalize=True`` divides by the range of all scores returned (samples and sets together),
    as GSVA's ``ssgsea.norm`` and gseapy's NES do. That makes a score depend on the other samples
    in the call: for single-tumour use, divide raw scores by a range frozen from a reference
    cohort instead (:func:`normalize_ssgsea`).

    Parameters
    ----------
    X
        Samples x genes (float32 or float64); any per-sample monotone scale.
    indptr, indices
        Gene sets as CSR-like arrays (:func:`sets_to_csr`).
    alpha
        Rank weight exponent (0.25 as in Barbie 2009).
    ties
        ``"average"`` (order-free) or ``"gseapy"`` (gseapy's order of tied genes).
    normalize
        Divide by the range of the returned scores (see above).

    Returns
    -------
    numpy.ndarray
        float64, samples x sets; NaN for empty sets and sets covering every gene.
    """
    scores = rank_set_scores(X, indptr, indices, alpha=alpha, ties=ties, singscore=False)[1]
    if normalize:
        finite = scores[np.isfinite(scores)]
        if finite.size:
            scores = normalize_ssgsea(scores, float(finite.min()), float(finite.max()))
    return scores


def normalize_ssgsea(scores: np.ndarray, low: float, high: float) -> np.ndarray:
    """Divide raw ssGSEA scores by a given range ``high - low`` (NaN when the range is 0).

    Parameters
    ----------
    scores
        Raw ssGSEA scores (:func:`ssgsea` with ``normalize=False``).
    low, high
        The range to divide by, e.g. the lowest and highest raw score of a reference cohort.

    Returns
    -------
    numpy.ndarray
        ``scores / (high - low)``; all NaN when the range is not finite and positive.
    """
    span = high - low
    if not np.isfinite(span) or span <= 0:
        return np.full_like(scores, np.nan, dtype=np.float64)
    return scores / span
