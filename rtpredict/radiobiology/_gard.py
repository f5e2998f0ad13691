"""GARD (Scott 2017): alpha from RSI, the genomic-adjusted radiation dose, fractions for a target.

RSI is read as the surviving fraction at 2 Gy; :data:`GARD_BETA` is the model's fixed beta.
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import ArrayLike

from rtpredict.radiobiology._domain import (
    RadiobiologyWarning,
    as_arrays,
    negative_or_inf,
    out,
    reject,
)

#: beta (Gy^-2) of the GARD model (Scott 2017)
GARD_BETA = 0.05


_BAD_RSI = "RSI must be a finite number > 0 (ln(RSI) is undefined otherwise)"


def alpha_from_rsi(rsi: ArrayLike, *, beta: float = GARD_BETA) -> float | np.ndarray:
    """Return the LQ alpha (Gy^-1) implied by RSI read as the surviving fraction at 2 Gy.

    ``alpha = ln(RSI) / (-2) - 2 beta`` (Scott 2017). RSI <= 0 has no logarithm: NaN + warning.

    Parameters
    ----------
    rsi
        Radiosensitivity Index (> 0), a number or an array.
    beta
        LQ beta in Gy^-2 (:data:`GARD_BETA` by default).

    Returns
    -------
    float or numpy.ndarray
        alpha in Gy^-1: a float for scalar input, else an array of the broadcast shape.
    """
    (r,) = as_arrays(rsi)
    bad = (r <= 0) | np.isinf(r)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = np.log(np.where(bad, np.nan, r)) / -2.0 - 2.0 * beta
    alpha = reject(alpha, bad, _BAD_RSI)
    return out(alpha)


def gard(
    rsi: ArrayLike, dose_per_fraction: ArrayLike, fractions: ArrayLike, *, beta: float = GARD_BETA
) -> float | np.ndarray:
    """Return the genomic-adjusted radiation dose GARD = n d (alpha + beta d) (Scott 2017).

    Parameters
    ----------
    rsi
        Radiosensitivity Index (> 0).
    dose_per_fraction
        d, Gy per fraction (>= 0).
    fractions
        n, number of fractions (>= 0; need not be an integer: real plans record e.g. 29.7).
    beta
        LQ beta in Gy^-2 (:data:`GARD_BETA` by default); alpha follows from RSI
        (:func:`alpha_from_rsi`).

    Returns
    -------
    float or numpy.ndarray
        GARD: a float for scalar input, else an array of the broadcast shape.
    """
    r, d, n = as_arrays(rsi, dose_per_fraction, fractions)
    bad_dose = negative_or_inf(d) | negative_or_inf(n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RadiobiologyWarning)
        alpha = np.asarray(alpha_from_rsi(r, beta=beta))
    bad_rsi = (r <= 0) | np.isinf(r)
    result = n * d * (alpha + beta * d)
    result = reject(result, bad_rsi, _BAD_RSI)
    result = reject(
        result, bad_dose & ~bad_rsi, "dose per fraction and fractions must be finite and >= 0"
    )
    return out(result)


def fractions_for_gard(
    target_gard: ArrayLike,
    rsi: ArrayLike,
    dose_per_fraction: ArrayLike,
    *,
    beta: float = GARD_BETA,
) -> float | np.ndarray:
    """Return the number of fractions n that reaches ``target_gard`` at d Gy per fraction.

    ``n = GARD_target / (d (alpha + beta d))``; NaN (with a warning) when a fraction has no
    positive effect (``alpha + beta d <= 0``, i.e. a very radioresistant RSI at small d).

    Parameters
    ----------
    target_gard
        The GARD to reach (>= 0).
    rsi
        Radiosensitivity Index (> 0).
    dose_per_fraction
        d, Gy per fraction (> 0).
    beta
        LQ beta in Gy^-2 (:data:`GARD_BETA` by default).

    Returns
    -------
    float or numpy.ndarray
        n, not rounded: a float for scalar input, else an array of the broadcast shape.
    """
    t, r, d = as_arrays(target_gard, rsi, dose_per_fraction)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RadiobiologyWarning)
        alpha = np.asarray(alpha_from_rsi(r, beta=beta))
    per_fraction = d * (alpha + beta * d)
    bad_rsi = (r <= 0) | np.isinf(r)
    bad_input = ~bad_rsi & (negative_or_inf(t) | (d <= 0) | np.isinf(d))
    unreachable = ~bad_rsi & ~bad_input & (per_fraction <= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = t / per_fraction
    result = reject(result, bad_rsi, _BAD_RSI)
    result = reject(result, bad_input, "target GARD must be >= 0 and dose per fraction > 0")
    result = reject(
        result, unreachable, "alpha + beta d <= 0: no number of fractions reaches the target"
    )
    return out(result)
