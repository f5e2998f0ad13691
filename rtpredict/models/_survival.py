"""Kaplan–Meier and Breslow estimators over NumPy arrays (step functions on unique times)."""

from __future__ import annotations

import numpy as np


def kaplan_meier(time: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Estimate a Kaplan–Meier survival curve.

    Parameters
    ----------
    time
        Follow-up times.
    event
        1 where the time is an event, 0 where it is a censoring.

    Returns
    -------
    knots, survival
        The unique times at which an event happens and the survival just after each of them
        (right-continuous step function, 1 before the first knot).
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=bool)
    unique, inverse = np.unique(time, return_inverse=True)
    deaths = np.bincount(inverse, weights=event, minlength=unique.size)
    leaving = np.bincount(inverse, minlength=unique.size)
    at_risk = leaving[::-1].cumsum()[::-1]
    keep = deaths > 0
    survival = np.cumprod(1.0 - deaths[keep] / at_risk[keep])
    return unique[keep], survival


def step_value(
    knots: np.ndarray, values: np.ndarray, at: np.ndarray, *, initial: float, left: bool = False
) -> np.ndarray:
    """Evaluate a right-continuous step function at ``at`` (its left limit when ``left``)."""
    idx = np.searchsorted(knots, np.asarray(at, dtype=float), side="left" if left else "right")
    padded = np.concatenate([[initial], np.asarray(values, dtype=float)])
    return padded[idx]


def censoring_survival(
    time: np.ndarray, event: np.ndarray, at: np.ndarray, *, left: bool = False
) -> np.ndarray:
    """Return G(t), the Kaplan–Meier probability of remaining uncensored, at times ``at``.

    The censoring distribution is the Kaplan–Meier of the censorings (``1 - event``), the
    inverse-probability-of-censoring weight of Graf et al. (Stat Med 1999;18:2529–45).
    ``left=True`` gives G(t−).
    """
    knots, values = kaplan_meier(time, 1 - np.asarray(event, dtype=int))
    return step_value(knots, values, at, initial=1.0, left=left)


def breslow_cumulative_hazard(
    time: np.ndarray, event: np.ndarray, risk: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Estimate Breslow's baseline cumulative hazard of a proportional-hazards model.

    H0(t) = sum over event times u <= t of d(u) / sum_{j: T_j >= u} exp(risk_j), so that
    S(t | x) = exp(-H0(t) exp(risk(x))) (Breslow NE, Biometrics 1974 discussion; ties by
    Breslow's method, as lifelines does).

    Returns
    -------
    knots, cumulative_hazard
        Unique event times and H0 just after each of them (0 before the first).
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=bool)
    risk = np.asarray(risk, dtype=float)
    shift = risk.max()
    unique, inverse = np.unique(time, return_inverse=True)
    deaths = np.bincount(inverse, weights=event, minlength=unique.size)
    weight = np.bincount(inverse, weights=np.exp(risk - shift), minlength=unique.size)
    denominator = weight[::-1].cumsum()[::-1] * np.exp(shift)
    keep = deaths > 0
    return unique[keep], np.cumsum(deaths[keep] / denominator[keep])
