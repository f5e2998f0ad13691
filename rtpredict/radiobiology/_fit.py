"""Fit LQ alpha and beta to clonogenic survival curves (RadioGx conventions)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from rtpredict.radiobiology._domain import reject


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
    best_alpha = reject(best_alpha, nonpositive, "a surviving fraction <= 0 has no logarithm")
    best_alpha = reject(best_alpha, degenerate & ~nonpositive, "fewer than two distinct doses > 0")
    best_beta[degenerate] = np.nan
    if single:
        return float(best_alpha[0]), float(best_beta[0])
    return best_alpha, best_beta
