"""Linear-quadratic (LQ) model, GARD and dose arithmetic, vectorised over NumPy arrays.

Every function broadcasts its arguments and returns a float for scalar input, else an array.
Input outside a formula's domain (RSI <= 0, a negative dose, beta < 0, ...) gives NaN and a
:class:`RadiobiologyWarning` that says how many values and why: never a number computed from
input that has none. NaN input gives NaN silently.

References
----------
- LQ model: SF(D) = exp(-alpha D - beta D^2); BED = n d (1 + d / (alpha/beta));
  EQD2 = n d (d + alpha/beta) / (2 + alpha/beta).
- GARD: Scott JG et al., Lancet Oncol 2017;18:202 (DOI 10.1016/S1470-2045(16)30648-9) and
  Scott JG et al., Lancet Oncol 2021 (pooled analysis): beta = 0.05 Gy^-2,
  alpha = ln(RSI) / (-2) - 2 beta (RSI read as SF at 2 Gy), GARD = n d (alpha + beta d).
- Fitting: RadioGx (Manem VSK et al., Cancer Res 2019) conventions: -ln SF = alpha D + beta D^2
  by least squares with 0 <= alpha, beta <= 1, surviving fractions above 1 kept.
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import erfcx

__all__ = [
    "GARD_BETA",
    "RadiobiologyWarning",
    "alpha_from_rsi",
    "bed",
    "d10",
    "dose_for_sf",
    "eqd2",
    "fit_lq",
    "fractions_for_gard",
    "gard",
    "mid",
    "sf",
    "sf2",
]

#: beta (Gy^-2) of the GARD model (Scott 2017)
GARD_BETA = 0.05


_BAD_RSI = "RSI must be a finite number > 0 (ln(RSI) is undefined otherwise)"


class RadiobiologyWarning(UserWarning):
    """Some input lay outside a formula's domain; the matching outputs are NaN."""


def _arrays(*values):
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in values))
    return [a.copy() for a in arrays]


def _out(result: np.ndarray):
    return float(result) if result.ndim == 0 else result


def _reject(result: np.ndarray, invalid: np.ndarray, why: str) -> np.ndarray:
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


def _negative_or_inf(x: np.ndarray) -> np.ndarray:
    """Return True where ``x`` is a real number below 0 or infinite (NaN is not flagged)."""
    return (x < 0) | np.isinf(x)


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
    (r,) = _arrays(rsi)
    bad = (r <= 0) | np.isinf(r)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = np.log(np.where(bad, np.nan, r)) / -2.0 - 2.0 * beta
    alpha = _reject(alpha, bad, _BAD_RSI)
    return _out(alpha)


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
    r, d, n = _arrays(rsi, dose_per_fraction, fractions)
    bad_dose = _negative_or_inf(d) | _negative_or_inf(n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RadiobiologyWarning)
        alpha = np.asarray(alpha_from_rsi(r, beta=beta))
    bad_rsi = (r <= 0) | np.isinf(r)
    result = n * d * (alpha + beta * d)
    result = _reject(result, bad_rsi, _BAD_RSI)
    result = _reject(
        result, bad_dose & ~bad_rsi, "dose per fraction and fractions must be finite and >= 0"
    )
    return _out(result)


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
    t, r, d = _arrays(target_gard, rsi, dose_per_fraction)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RadiobiologyWarning)
        alpha = np.asarray(alpha_from_rsi(r, beta=beta))
    per_fraction = d * (alpha + beta * d)
    bad_rsi = (r <= 0) | np.isinf(r)
    bad_input = ~bad_rsi & (_negative_or_inf(t) | (d <= 0) | np.isinf(d))
    unreachable = ~bad_rsi & ~bad_input & (per_fraction <= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = t / per_fraction
    result = _reject(result, bad_rsi, _BAD_RSI)
    result = _reject(result, bad_input, "target GARD must be >= 0 and dose per fraction > 0")
    result = _reject(
        result, unreachable, "alpha + beta d <= 0: no number of fractions reaches the target"
    )
    return _out(result)


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
    D, a, b = _arrays(dose, alpha, beta)
    result = np.exp(-a * D - b * D * D)
    result = _reject(result, _negative_or_inf(D), "dose must be finite and >= 0")
    result = _reject(
        result, _check_lq(a, b) & ~_negative_or_inf(D), "alpha must be finite and 0 <= beta < inf"
    )
    return _out(result)


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
    s, a, b = _arrays(surviving_fraction, alpha, beta)
    bad = (s <= 0) | (s > 1) | _check_lq(a, b) | ~(_decreasing(a, b) | np.isnan(a + b))
    with np.errstate(divide="ignore", invalid="ignore"):
        log_s = np.log(np.where(bad, np.nan, s))
        quadratic = (np.sqrt(a * a - 4 * b * log_s) - a) / (2 * b)
        linear = -log_s / a
    result = np.where(b > 0, quadratic, linear)
    result = _reject(result, bad, "need 0 < s <= 1, finite alpha, beta >= 0, and a falling curve")
    return _out(result)


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
    a, b = _arrays(alpha, beta)
    bad = _check_lq(a, b) | ~(_decreasing(a, b) | np.isnan(a + b))
    with np.errstate(divide="ignore", invalid="ignore"):
        root = np.sqrt(b)
        quadratic = np.sqrt(np.pi) / root * erfcx(a / (2 * root)) / 2
        result = np.where(b > 0, quadratic, 1.0 / a)
    result = _reject(result, bad, "need finite alpha, beta >= 0, and a falling curve")
    return _out(result)


def _fractionation(dose_per_fraction, fractions, alpha_beta):
    d, n, ab = _arrays(dose_per_fraction, fractions, alpha_beta)
    bad = _negative_or_inf(d) | _negative_or_inf(n) | (ab <= 0) | np.isinf(ab)
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
    result = _reject(result, bad, "need dose per fraction >= 0, fractions >= 0, alpha/beta > 0")
    return _out(result)


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
    result = _reject(result, bad, "need dose per fraction >= 0, fractions >= 0, alpha/beta > 0")
    return _out(result)


def fit_lq(
    doses: ArrayLike, surviving_fractions: ArrayLike, *, bounds: tuple[float, float] = (0.0, 1.0)
) -> tuple[float, float] | tuple[np.ndarray, np.ndarray]:
    """Fit LQ alpha and beta to clonogenic survival: least squares on -ln SF, box-bounded.

    Minimises ``sum((alpha D + beta D^2 + ln SF)^2)`` with ``bounds[0] <= alpha, beta <=
    bounds[1]`` (RadioGx: 0 and 1), exactly (the box optimum is the unconstrained optimum or
    the best of the four clipped edge optima). RadioGx adds the point (0 Gy, SF 1) when it is
    missing; in log space that point is fitted exactly by every (alpha, beta), so the fit is the
    same with or without it. Surviving fractions above 1 (plating noise) are kept as they are.

    Parameters
    ----------
    doses
        Doses in Gy, shape (n_doses,), finite and >= 0.
    surviving_fractions
        Shape (n_doses,) for one curve or (n_curves, n_doses); NaN marks a missing point.
    bounds
        ``(low, high)`` box for both alpha and beta (RadioGx: 0 and 1).

    Returns
    -------
    alpha : float or numpy.ndarray
        Gy^-1: a float for one curve, an array for several.
    beta : float or numpy.ndarray
        Gy^-2, as ``alpha``. A curve with a surviving fraction <= 0 or fewer than two distinct
        positive doses gives NaN for both (with a warning).
    """
    D = np.asarray(doses, dtype=np.float64)
    S = np.asarray(surviving_fractions, dtype=np.float64)
    single = S.ndim == 1
    S = np.atleast_2d(S)
    if D.ndim != 1 or S.ndim != 2 or S.shape[1] != D.size:
        raise ValueError("doses must be 1-D and surviving_fractions (..., len(doses))")
    if not np.isfinite(D).all() or (D < 0).any():
        raise ValueError("doses must be finite and >= 0")
    low, high = (float(b) for b in bounds)
    if not low < high:
        raise ValueError("bounds must be (low, high) with low < high")
    used = np.isfinite(S)
    nonpositive = (used & (S <= 0)).any(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(used & ~nonpositive[:, None], -np.log(S), 0.0)
    m = (used & ~nonpositive[:, None]).astype(np.float64)
    D1, D2 = D, D * D
    a11, a12, a22 = m @ (D1 * D1), m @ (D1 * D2), m @ (D2 * D2)
    b1, b2 = (m * y) @ D1, (m * y) @ D2
    distinct = np.array([np.unique(D[(row > 0) & (D > 0)]).size for row in m])
    degenerate = nonpositive | (distinct < 2)

    def objective(alpha, beta):
        return (
            a11 * alpha**2 + 2 * a12 * alpha * beta + a22 * beta**2 - 2 * (b1 * alpha + b2 * beta)
        )

    with np.errstate(divide="ignore", invalid="ignore"):
        det = a11 * a22 - a12 * a12
        candidates = [((b1 * a22 - b2 * a12) / det, (a11 * b2 - a12 * b1) / det)]
        for alpha in (low, high):
            candidates.append(
                (np.full_like(b1, alpha), np.clip((b2 - a12 * alpha) / a22, low, high))
            )
        for beta in (low, high):
            candidates.append((np.clip((b1 - a12 * beta) / a11, low, high), np.full_like(b1, beta)))
    best_alpha = np.full(b1.shape, np.nan)
    best_beta = np.full(b1.shape, np.nan)
    best = np.full(b1.shape, np.inf)
    for alpha, beta in candidates:
        feasible = (alpha >= low) & (alpha <= high) & (beta >= low) & (beta <= high)
        value = np.where(feasible, objective(alpha, beta), np.inf)
        better = value < best
        best = np.where(better, value, best)
        best_alpha = np.where(better, alpha, best_alpha)
        best_beta = np.where(better, beta, best_beta)
    best_alpha = _reject(best_alpha, nonpositive, "a surviving fraction <= 0 has no logarithm")
    best_alpha = _reject(best_alpha, degenerate & ~nonpositive, "fewer than two distinct doses > 0")
    best_beta[degenerate] = np.nan
    if single:
        return float(best_alpha[0]), float(best_beta[0])
    return best_alpha, best_beta
