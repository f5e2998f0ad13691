"""Performance metrics for continuous, binary and censored time-to-event predictions (NumPy).

Rows whose prediction is NaN are left out of every metric. Independent references are checked in
``tests/test_models_metrics.py`` (scikit-learn, SciPy, lifelines and hand-computed cases).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata

from rtpredict.models._survival import censoring_survival

#: rows of the concordance matrix computed at once (bounds memory at about 32 MB per block)
_CHUNK_CELLS = 2**22


def r2(y: np.ndarray, pred: np.ndarray) -> float:
    """Return the coefficient of determination 1 - SS_res / SS_tot."""
    y, pred = _finite(y, pred)
    total = np.sum((y - y.mean()) ** 2)
    return float(1.0 - np.sum((y - pred) ** 2) / total) if total > 0 else np.nan


def rmse(y: np.ndarray, pred: np.ndarray) -> float:
    """Return the root mean squared error."""
    y, pred = _finite(y, pred)
    return float(np.sqrt(np.mean((y - pred) ** 2)))


def spearman(y: np.ndarray, pred: np.ndarray) -> float:
    """Return Spearman's rank correlation (average ranks for ties)."""
    y, pred = _finite(y, pred)
    if y.size < 3:
        return np.nan
    ry, rp = rankdata(y), rankdata(pred)
    if ry.std() == 0 or rp.std() == 0:
        return np.nan
    return float(np.corrcoef(ry, rp)[0, 1])


def auroc(y: np.ndarray, score: np.ndarray) -> float:
    """Return the area under the ROC curve (Mann–Whitney; ties count one half)."""
    y, score = _finite(y, score)
    y = y.astype(bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return np.nan
    ranks = rankdata(score)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def auprc(y: np.ndarray, score: np.ndarray) -> float:
    """Return the area under the precision–recall curve as average precision (step-wise)."""
    y, score = _finite(y, score)
    if y.sum() == 0:
        return np.nan
    order = np.argsort(-score, kind="mergesort")
    score, y = score[order], y[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(score)), y.size - 1]
    tp = np.cumsum(y)[last_of_tie]
    precision = tp / (last_of_tie + 1)
    recall = tp / tp[-1]
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def brier(y: np.ndarray, prob: np.ndarray) -> float:
    """Return the Brier score, the mean squared difference of probability and outcome."""
    y, prob = _finite(y, prob)
    return float(np.mean((prob - y) ** 2))


def calibration(y: np.ndarray, prob: np.ndarray) -> tuple[float, float]:
    """Return the calibration slope and calibration-in-the-large intercept.

    The slope is b in logit P(y) = a + b logit(p); the intercept is a in
    logit P(y) = a + logit(p) (slope fixed at 1). Perfect calibration gives (1, 0)
    (Van Calster B et al., J Clin Epidemiol 2016;74:167–76). NaN when the fit does not converge.
    """
    y, prob = _finite(y, prob)
    if y.size < 3 or y.min() == y.max():
        return np.nan, np.nan
    lp = np.log(np.clip(prob, 1e-12, 1 - 1e-12)) - np.log1p(-np.clip(prob, 1e-12, 1 - 1e-12))
    slope = _logistic_fit(np.column_stack([np.ones_like(lp), lp]), y, np.zeros_like(lp))
    intercept = _logistic_fit(np.ones((lp.size, 1)), y, lp)
    return float(slope[1]), float(intercept[0])


def _logistic_fit(design: np.ndarray, y: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Fit an unpenalised logistic regression by Newton–Raphson; NaN if it does not converge."""
    beta = np.zeros(design.shape[1])
    for _ in range(100):
        eta = design @ beta + offset
        mu = 1.0 / (1.0 + np.exp(-eta))
        hessian = design.T @ (design * (mu * (1 - mu))[:, None])
        try:
            step = np.linalg.solve(hessian, design.T @ (y - mu))
        except np.linalg.LinAlgError:
            break
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10:
            return beta
    return np.full(design.shape[1], np.nan)


def harrell_c(
    time: np.ndarray,
    event: np.ndarray,
    risk: np.ndarray,
    *,
    strata: np.ndarray | None = None,
    weights: np.ndarray | None = None,
) -> float | np.ndarray:
    """Return Harrell's concordance index of a risk score (higher = earlier event).

    A pair (i, j) is comparable when i has an event and T_i < T_j, or T_i = T_j and j is censored;
    it is concordant when risk_i > risk_j and counts one half when the risks tie (the conventions
    of lifelines' ``concordance_index``; Harrell FE et al., JAMA 1982;247:2543–6). With ``strata``
    only pairs within a stratum count and their counts are pooled over strata (the within-cohort
    C-index). ``weights`` of shape (n,) or (B, n) weight pair (i, j) by w_i w_j; bootstrap
    multiplicities give the C-index of each resample without rebuilding the pairs, and a (B, n)
    array returns B values.
    """
    numerator, denominator = concordance_counts(time, event, risk, weights, strata=strata)
    with np.errstate(invalid="ignore", divide="ignore"):
        c = np.where(denominator > 0, numerator / denominator, np.nan)
    return float(c[0]) if weights is None or np.ndim(weights) == 1 else c


def concordance_counts(
    time: np.ndarray,
    event: np.ndarray,
    risk: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    strata: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Return `harrell_c`'s concordant (numerator) and comparable (denominator) pair counts,
    one per row of ``weights`` (one without). Counts add up: sites that sum theirs get the
    within-site index of their pooled data without pooling it. Tumours with a non-finite risk
    take part in no pair. Pairs are built in row chunks, so memory stays bounded.
    """
    time, event, risk = (np.asarray(a, dtype=float) for a in (time, event, risk))
    w = np.ones((1, time.size)) if weights is None else np.atleast_2d(weights).astype(float)
    keep = np.isfinite(risk)
    strata = np.zeros(time.size) if strata is None else np.asarray(strata)
    numerator = np.zeros(w.shape[0])
    denominator = np.zeros(w.shape[0])
    for stratum in np.unique(strata[keep]):
        idx = np.flatnonzero(keep & (strata == stratum))
        t, e, r, ws = time[idx], event[idx].astype(bool), risk[idx], w[:, idx]
        chunk = max(1, _CHUNK_CELLS // idx.size)
        for start in range(0, idx.size, chunk):
            rows = slice(start, start + chunk)
            ti, ei, ri = t[rows, None], e[rows, None], r[rows, None]
            comparable = ei & ((ti < t) | ((ti == t) & ~e))
            concordant = comparable * ((ri > r) + 0.5 * (ri == r))
            wi = ws[:, rows].T
            numerator += np.sum((concordant.astype(float) @ ws.T) * wi, axis=0)
            denominator += np.sum((comparable.astype(float) @ ws.T) * wi, axis=0)
    return numerator, denominator


def time_dependent_auc(
    time: np.ndarray, event: np.ndarray, risk: np.ndarray, times: np.ndarray
) -> np.ndarray:
    """Return the cumulative/dynamic AUC of a risk score at each of ``times``.

    Cases are tumours with an event by t, weighted by 1 / G(T_i−) (inverse probability of
    censoring, G the Kaplan–Meier of censoring on these data); controls are tumours still
    event-free after t (Uno H et al., JASA 2007;102:1316–26; Hung H, Chiang CT, Biometrics
    2010;66:1096–1105). NaN at a time without cases or controls.
    """
    time, event, risk = (np.asarray(a, dtype=float) for a in (time, event, risk))
    keep = np.isfinite(risk)
    time, event, risk = time[keep], event[keep].astype(bool), risk[keep]
    ipcw = 1.0 / censoring_survival(time, event, time, left=True)
    out = np.full(np.size(times), np.nan)
    for k, t in enumerate(np.atleast_1d(times)):
        cases = event & (time <= t)
        controls = np.sort(risk[time > t])
        if not cases.any() or controls.size == 0:
            continue
        below = np.searchsorted(controls, risk[cases], side="left")
        tied = np.searchsorted(controls, risk[cases], side="right") - below
        w = ipcw[cases]
        out[k] = np.sum(w * (below + 0.5 * tied)) / (w.sum() * controls.size)
    return out


def brier_curve(
    time: np.ndarray, event: np.ndarray, survival: np.ndarray, times: np.ndarray
) -> np.ndarray:
    """Return the IPCW Brier score of predicted survival probabilities at each of ``times``.

    BS(t) = mean of S_i(t)^2 [T_i <= t, event] / G(T_i−) + (1 − S_i(t))^2 [T_i > t] / G(t)
    (Graf E et al., Stat Med 1999;18:2529–45). ``survival`` has one row per tumour and one
    column per time.
    """
    time, event = np.asarray(time, dtype=float), np.asarray(event, dtype=bool)
    survival = np.asarray(survival, dtype=float)
    keep = np.all(np.isfinite(survival), axis=1)
    time, event, survival = time[keep], event[keep], survival[keep]
    times = np.atleast_1d(np.asarray(times, dtype=float))
    g_event = censoring_survival(time, event, time, left=True)
    g_t = censoring_survival(time, event, times)
    died = (event[:, None]) & (time[:, None] <= times)
    alive = time[:, None] > times
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(died, survival**2 / g_event[:, None], 0.0) + np.where(
            alive, (1.0 - survival) ** 2 / g_t, 0.0
        )
    return terms.mean(axis=0)


def integrated_brier_score(
    time: np.ndarray, event: np.ndarray, survival: np.ndarray, times: np.ndarray
) -> float:
    """Return the Brier score integrated over ``times`` (trapezoids) divided by their range."""
    times = np.asarray(times, dtype=float)
    curve = brier_curve(time, event, survival, times)
    return float(np.trapezoid(curve, times) / (times[-1] - times[0]))


def _finite(y: np.ndarray, pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop the rows whose outcome or prediction is not finite."""
    y, pred = np.asarray(y, dtype=float), np.asarray(pred, dtype=float)
    keep = np.isfinite(y) & np.isfinite(pred)
    return y[keep], pred[keep]
