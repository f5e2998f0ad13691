"""The LQ survival curve of a single dose: SF(D), SF2, the dose for a surviving fraction, D10, MID.

SF(D) = exp(-alpha D - beta D^2), for finite alpha and beta >= 0.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import erfcx

from rtpredict.radiobiology._domain import as_arrays, negative_or_inf, out, reject


def _check_lq(alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
    return np.isinf(alpha) | (beta < 0) | np.isinf(beta)


def sf(dose: ArrayLike, alpha: ArrayLike, beta: ArrayLike) -> float | np.ndarray:
    """Return the surviving fraction exp(-alpha D - beta D^2) after a single dose D (Gy).

    Parameters
    ----------
    dose
        D in Gy (finite, >= 0).
    alpha
        LQ alpha in Gy^-1 (finite).
    beta
        LQ beta in Gy^-2 (finite, >= 0).

    Returns
    -------
    float or numpy.ndarray
        The surviving fraction: a float for scalar input, else an array of the broadcast shape.
    """
    D, a, b = as_arrays(dose, alpha, beta)
    result = np.exp(-a * D - b * D * D)
    result = reject(result, negative_or_inf(D), "dose must be finite and >= 0")
    result = reject(
        result, _check_lq(a, b) & ~negative_or_inf(D), "alpha must be finite and 0 <= beta < inf"
    )
    return out(result)


def sf2(alpha: ArrayLike, beta: ArrayLike) -> float | np.ndarray:
    """Return the model surviving fraction at 2 Gy, exp(-2 alpha - 4 beta).

    Not the observed SF2 of an assay (the Yard 2016 "SF2" is observed): do not conflate them.

    Parameters
    ----------
    alpha
        LQ alpha in Gy^-1 (finite).
    beta
        LQ beta in Gy^-2 (finite, >= 0).

    Returns
    -------
    float or numpy.ndarray
        SF(2 Gy): a float for scalar input, else an array of the broadcast shape.
    """
    return sf(2.0, alpha, beta)


def _decreasing(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return True where the LQ curve falls to 0 (beta > 0, or beta = 0 and alpha > 0)."""
    return (b > 0) | ((b == 0) & (a > 0))


def dose_for_sf(
    surviving_fraction: ArrayLike, alpha: ArrayLike, beta: ArrayLike
) -> float | np.ndarray:
    """Return the single dose D (Gy) with SF(D) = s: (sqrt(a^2 - 4 b ln s) - a) / (2 b).

    With beta = 0, D = -ln(s) / alpha. NaN (with a warning) when s is not in (0, 1] or the curve
    never falls to s.

    Parameters
    ----------
    surviving_fraction
        s, in (0, 1].
    alpha
        LQ alpha in Gy^-1 (finite).
    beta
        LQ beta in Gy^-2 (finite, >= 0).

    Returns
    -------
    float or numpy.ndarray
        D in Gy: a float for scalar input, else an array of the broadcast shape.
    """
    s, a, b = as_arrays(surviving_fraction, alpha, beta)
    bad = (s <= 0) | (s > 1) | _check_lq(a, b) | ~(_decreasing(a, b) | np.isnan(a + b))
    with np.errstate(divide="ignore", invalid="ignore"):
        log_s = np.log(np.where(bad, np.nan, s))
        quadratic = (np.sqrt(a * a - 4 * b * log_s) - a) / (2 * b)
        linear = -log_s / a
    result = np.where(b > 0, quadratic, linear)
    result = reject(result, bad, "need 0 < s <= 1, finite alpha, beta >= 0, and a falling curve")
    return out(result)


def d10(alpha: ArrayLike, beta: ArrayLike) -> float | np.ndarray:
    """Return the dose (Gy) that leaves 10% surviving.

    Parameters
    ----------
    alpha
        LQ alpha in Gy^-1 (finite).
    beta
        LQ beta in Gy^-2 (finite, >= 0).

    Returns
    -------
    float or numpy.ndarray
        D10 in Gy (:func:`dose_for_sf` at 0.1).
    """
    return dose_for_sf(0.1, alpha, beta)


def mid(alpha: ArrayLike, beta: ArrayLike) -> float | np.ndarray:
    """Return the mean inactivation dose, the integral of SF(D) over D from 0 to infinity.

    ``sqrt(pi/beta) exp(alpha^2/4beta) (1 - Phi(alpha / sqrt(2 beta)))``, evaluated as
    ``sqrt(pi/beta) erfcx(alpha / (2 sqrt(beta))) / 2`` to avoid overflow; ``1/alpha`` when
    beta = 0.

    Parameters
    ----------
    alpha
        LQ alpha in Gy^-1 (finite).
    beta
        LQ beta in Gy^-2 (finite, >= 0).

    Returns
    -------
    float or numpy.ndarray
        MID in Gy: a float for scalar input, else an array of the broadcast shape.
    """
    a, b = as_arrays(alpha, beta)
    bad = _check_lq(a, b) | ~(_decreasing(a, b) | np.isnan(a + b))
    with np.errstate(divide="ignore", invalid="ignore"):
        root = np.sqrt(b)
        quadratic = np.sqrt(np.pi) / root * erfcx(a / (2 * root)) / 2
        result = np.where(b > 0, quadratic, 1.0 / a)
    result = reject(result, bad, "need finite alpha, beta >= 0, and a falling curve")
    return out(result)
