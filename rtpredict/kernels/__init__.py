"""Numba kernels: pure functions over NumPy arrays (samples x genes), no AnnData, no pandas.

The text kernels (:mod:`rtpredict.kernels.text`) read delimited text, such as VCF records, as
byte spans: only a field's distinct values become Python strings.

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
from rtpredict.kernels.text import (
    factorize_spans,
    integer_lists,
    key_value_spans,
    line_spans,
    nth_spans,
    subfield_spans,
)

__all__ = [
    "CODES",
    "as_matrix",
    "factorize_spans",
    "geometric_mean",
    "integer_lists",
    "key_value_spans",
    "line_spans",
    "mean",
    "mean_z",
    "median_dichotomy",
    "nonfinite_rows",
    "normalize_ssgsea",
    "nth_spans",
    "rank_average",
    "rank_set_scores",
    "rsi_rank",
    "sample_median",
    "set_scores",
    "sets_to_csr",
    "singscore",
    "ssgsea",
    "subfield_spans",
    "weighted_sum",
]
