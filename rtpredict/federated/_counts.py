"""Sufficient statistics of validation metrics that add up over sites (NumPy).

Harrell's C (pair counts from `rtpredict.models._metrics.concordance_counts`) and the AUROC
are ratios of pair counts; within-site pairs summed over sites give the within-site
(stratified) index of the pooled hold-out, exactly as ``harrell_c(..., strata=site)`` would on
pooled predictions, without any prediction leaving its site. Regression metrics come
from sums of squares. Each statistic is also computed on stratified bootstrap resamples of a
site's rows (multiplicity weights); summing resample b over sites gives a resample of the pooled
hold-out stratified by site, hence percentile confidence intervals for the pooled metric.
"""

from __future__ import annotations

import numpy as np


def bootstrap_weights(strata: np.ndarray, n_boot: int, seed: int) -> np.ndarray:
    """Return (n_boot, n) multiplicities of stratified bootstrap resamples of n rows."""
    strata = np.asarray(strata)
    rng = np.random.default_rng(seed)
    out = np.zeros((n_boot, strata.size))
    for label in np.unique(strata):
        rows = np.flatnonzero(strata == label)
        draws = rng.integers(0, rows.size, size=(n_boot, rows.size))
        for b in range(n_boot):
            out[b] += np.bincount(rows[draws[b]], minlength=strata.size)
    return out


def auc_counts(
    y: np.ndarray, score: np.ndarray, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Return the AUROC's concordant (positive, negative) pair count and the number of pairs.

    A positive scored above a negative counts 1, a tie one half (Mann–Whitney).
    """
    y = np.asarray(y).astype(bool)
    score = np.asarray(score, float)
    w = np.ones((1, y.size)) if weights is None else np.atleast_2d(weights).astype(float)
    pos, neg = score[y], score[~y]
    wins = (pos[:, None] > neg) + 0.5 * (pos[:, None] == neg)
    numerator = np.einsum("bi,ij,bj->b", w[:, y], wins, w[:, ~y])
    denominator = w[:, y].sum(axis=1) * w[:, ~y].sum(axis=1)
    return numerator, denominator


def regression_sums(
    y: np.ndarray, pred: np.ndarray, weights: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Return n, the sum of squared errors, and the sums of y and y^2 (per weight row)."""
    y, pred = np.asarray(y, float), np.asarray(pred, float)
    w = np.ones((1, y.size)) if weights is None else np.atleast_2d(weights).astype(float)
    return {
        "n": w.sum(axis=1),
        "sse": w @ (y - pred) ** 2,
        "sum_y": w @ y,
        "sum_y2": w @ y**2,
    }


def holdout_names(kind: str) -> tuple[str, ...]:
    """Return the names of the hold-out statistics a site sends (``test-<name>``) for a kind.

    Pair counts (``numerator``, ``denominator``) for survival and binary targets; for
    regression the sums of `regression_sums`.
    """
    return ("n", "sse", "sum_y", "sum_y2") if kind == "regression" else ("numerator", "denominator")


def ratio(numerator, denominator) -> np.ndarray:
    """Return numerator / denominator, NaN where the denominator is 0."""
    numerator, denominator = np.asarray(numerator, float), np.asarray(denominator, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


def r2_from_sums(n, sse, sum_y, sum_y2) -> np.ndarray:
    """Return R^2 = 1 - SSE / SST with SST = sum y^2 - (sum y)^2 / n."""
    n, sse = np.asarray(n, float), np.asarray(sse, float)
    total = np.asarray(sum_y2, float) - np.asarray(sum_y, float) ** 2 / n
    return 1.0 - ratio(sse, total)
