"""The input domain of the formulas: broadcasting, and NaN with a warning outside the domain.

Every formula broadcasts its arguments (:func:`as_arrays`), sets NaN where the input lies outside
its domain with one :class:`RadiobiologyWarning` saying how many values and why (:func:`reject`),
and returns a float for scalar input, else an array (:func:`out`).
"""

from __future__ import annotations

import warnings

import numpy as np


class RadiobiologyWarning(UserWarning):
    """Some input lay outside a formula's domain; the matching outputs are NaN."""


def as_arrays(*values):
    """Return float64 copies of ``values`` broadcast to one shape."""
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in values))
    return [a.copy() for a in arrays]


def out(result: np.ndarray):
    """Return a float for a 0-d result, else the array."""
    return float(result) if result.ndim == 0 else result


def reject(result: np.ndarray, invalid: np.ndarray, why: str) -> np.ndarray:
    """Return ``result`` with NaN where ``invalid``, warning once with the count and reason."""
    result = np.asarray(result, dtype=np.float64)
    invalid = np.asarray(invalid)
    if invalid.any():
        result = np.where(invalid, np.nan, result)
        count = int(invalid.sum())
        warnings.warn(
            f"{count} value{'s' if count > 1 else ''} set to NaN: {why}",
            RadiobiologyWarning,
            stacklevel=3,
        )
    return result


def negative_or_inf(x: np.ndarray) -> np.ndarray:
    """Return True where ``x`` is a real number below 0 or infinite (NaN is not flagged)."""
    return (x < 0) | np.isinf(x)
