"""Dose arithmetic of a fractionation scheme: BED and EQD2 for a tissue's alpha/beta."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from rtpredict.radiobiology._domain import as_arrays, negative_or_inf, out, reject


def _fractionation(dose_per_fraction, fractions, alpha_beta):
    d, n, ab = as_arrays(dose_per_fraction, fractions, alpha_beta)
    bad = negative_or_inf(d) | negative_or_inf(n) | (ab <= 0) | np.isinf(ab)
    return d, n, ab, bad


def bed(
    dose_per_fraction: ArrayLike, fractions: ArrayLike, alpha_beta: ArrayLike
) -> float | np.ndarray:
    """Return the biologically effective dose BED = n d (1 + d / (alpha/beta)) in Gy.

    Parameters
    ----------
    dose_per_fraction
        d, Gy per fraction (>= 0).
    fractions
        n, number of fractions (>= 0).
    alpha_beta
        The tissue's alpha/beta ratio in Gy (> 0).

    Returns
    -------
    float or numpy.ndarray
        BED in Gy: a float for scalar input, else an array of the broadcast shape.
    """
    d, n, ab, bad = _fractionation(dose_per_fraction, fractions, alpha_beta)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = n * d * (1 + d / ab)
    result = reject(result, bad, "need dose per fraction >= 0, fractions >= 0, alpha/beta > 0")
    return out(result)


def eqd2(
    dose_per_fraction: ArrayLike, fractions: ArrayLike, alpha_beta: ArrayLike
) -> float | np.ndarray:
    """Return the equivalent dose in 2-Gy fractions EQD2 = n d (d + a/b) / (2 + a/b) in Gy.

    Parameters
    ----------
    dose_per_fraction
        d, Gy per fraction (>= 0).
    fractions
        n, number of fractions (>= 0).
    alpha_beta
        The tissue's alpha/beta ratio in Gy (> 0).

    Returns
    -------
    float or numpy.ndarray
        EQD2 in Gy: a float for scalar input, else an array of the broadcast shape.
    """
    d, n, ab, bad = _fractionation(dose_per_fraction, fractions, alpha_beta)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = n * d * (d + ab) / (2 + ab)
    result = reject(result, bad, "need dose per fraction >= 0, fractions >= 0, alpha/beta > 0")
    return out(result)
