"""Numba kernels: pure functions over NumPy arrays (samples x genes), no AnnData, no pandas.

Gene sets are CSR-like ``(indptr, indices)`` column-index arrays (:func:`sets_to_csr`); each
kernel reads a sample once for all sets and runs in parallel over samples. float32 input is read
as float32. Compiled kernels are cached (see :mod:`rtpredict.kernels._cache` for where).
"""

from __future__ import annotations

from rtpredict.kernels._util import as_matrix, sets_to_csr
from rtpredict.kernels.finite import nonfinite_rows
from rtpredict.kernels.gene_sets import (
    normalize_ssgsea,
    rank_set_scores,
    singscore,
    ssgsea,
)
from rtpredict.kernels.ranks import rank_average
from rtpredict.kernels.rsi import rsi_rank
from rtpredict.kernels.set_scores import (
    CODES,
    geometric_mean,
    mean,
    mean_z,
    median_dichotomy,
    sample_median,
    set_scores,
    weighted_sum,
)

__all__ = [
    "CODES",
    "as_matrix",
    "geometric_mean",
    "mean",
    "mean_z",
    "median_dichotomy",
    "nonfinite_rows",
    "normalize_ssgsea",
    "rank_average",
    "rank_set_scores",
    "rsi_rank",
    "sample_median",
    "set_scores",
    "sets_to_csr",
    "singscore",
    "ssgsea",
    "weighted_sum",
]
