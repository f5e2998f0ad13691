"""Metrics of out-of-fold predictions: point estimates over repeats, bootstrap intervals."""

from __future__ import annotations

import warnings

import numpy as np

from rtpredict.models import _metrics
from rtpredict.models._folds import Context


def metric_values(ctx: Context, pred: dict, rows: np.ndarray, repeat: int) -> dict:
    """Metrics other than the C-index for one repeat's predictions on ``rows``."""
    y, p = ctx.values[rows], pred["pred"][repeat, rows]
    calibrated = pred["calibrated"]
    if ctx.kind == "regression":
        out = {"spearman": _metrics.spearman(y, p)}
        if calibrated:
            out = {"r2": _metrics.r2(y, p), "rmse": _metrics.rmse(y, p), **out}
        return out
    if ctx.kind == "binary":
        out = {"auroc": _metrics.auroc(y, p), "auprc": _metrics.auprc(y, p)}
        if calibrated:
            slope, intercept = _metrics.calibration(y, p)
            out |= {
                "brier": _metrics.brier(y, p),
                "calibration_slope": slope,
                "calibration_intercept": intercept,
            }
        return out
    auc = _metrics.time_dependent_auc(y[:, 1], y[:, 0], p, ctx.eval_times)
    out = {f"td_auc_{t:g}y": a for t, a in zip(ctx.eval_times, auc, strict=True)}
    if pred["surv"] is not None:
        out["ibs"] = _metrics.integrated_brier_score(
            y[:, 1], y[:, 0], pred["surv"][repeat, rows], ctx.grid
        )
    return out


def summarise(
    name: str, pred: dict, ctx: Context, boot: np.ndarray, weights, level: float
) -> tuple[list, dict, dict]:
    """Point estimates (mean over repeats) and bootstrap CIs of every metric of a predictor.

    Returns the result rows and, per metric, the point estimate and the bootstrap draws (for
    paired comparisons). The C-index of each resample comes from bootstrap multiplicities as
    pair weights (same value as recomputing on the resampled rows, without rebuilding pairs).
    """
    all_rows = np.arange(len(ctx.values))
    point: dict[str, list] = {}
    draws: dict[str, list] = {}
    for r in range(ctx.n_repeats):
        if ctx.kind == "survival":
            strata_sets = {"c_index": None}
            if ctx.cohort is not None:
                strata_sets["c_index_within_cohort"] = ctx.cohort
            for metric, strata in strata_sets.items():
                args = (ctx.values[:, 1], ctx.values[:, 0], pred["pred"][r])
                point.setdefault(metric, []).append(_metrics.harrell_c(*args, strata=strata))
                draws.setdefault(metric, []).append(
                    _metrics.harrell_c(*args, strata=strata, weights=weights)
                    if weights is not None
                    else np.array([])
                )
        for metric, value in metric_values(ctx, pred, all_rows, r).items():
            point.setdefault(metric, []).append(value)
        per_draw = [metric_values(ctx, pred, b, r) for b in boot]
        for metric in per_draw[0] if per_draw else ():
            draws.setdefault(metric, []).append(np.array([d[metric] for d in per_draw]))
    estimates = {m: nanmean(v) for m, v in point.items()}
    draw_means = {m: _boot_mean(draws.get(m)) for m in point}
    rows = [result_row(name, m, estimates[m], draw_means[m], level) for m in point]
    return rows, estimates, draw_means


def per_cohort_rows(
    name: str, pred: dict, ctx: Context, boot: np.ndarray, weights, level: float
) -> list:
    """The per-cohort metric with CI for each cohort (C-index, AUROC or Spearman).

    Resamples are stratified by cohort, so a cohort's rows of each resample come from that
    cohort only and its bootstrap is the restriction of the pooled one.
    """
    metric = {"survival": "c_index", "binary": "auroc"}.get(ctx.kind, "spearman")
    v = ctx.values
    out = []
    for label in sorted(set(ctx.cohort)):
        rows = np.flatnonzero(ctx.cohort == label)
        cols = np.flatnonzero(ctx.cohort[boot[0]] == label) if boot.size else rows[:0]
        point, draws = [], []
        for r in range(ctx.n_repeats):
            p = pred["pred"][r]
            if ctx.kind == "survival":
                point.append(_metrics.harrell_c(v[rows, 1], v[rows, 0], p[rows]))
                draws.append(
                    _metrics.harrell_c(v[rows, 1], v[rows, 0], p[rows], weights=weights[:, rows])
                    if weights is not None
                    else np.array([])
                )
                continue
            fn = _metrics.auroc if ctx.kind == "binary" else _metrics.spearman
            point.append(fn(v[rows], p[rows]))
            draws.append(np.array([fn(v[b[cols]], p[b[cols]]) for b in boot]))
        out.append(result_row(name, metric, nanmean(point), nanmean(draws, axis=0), level, label))
    return out


def result_row(name, metric, estimate, draws, level, cohort=None) -> list:
    """One result row with a percentile interval over the finite bootstrap draws."""
    finite = draws[np.isfinite(draws)] if np.size(draws) else np.array([])
    tail = (1 - level) / 2
    lower, upper = (
        (np.quantile(finite, tail), np.quantile(finite, 1 - tail)) if finite.size else (np.nan,) * 2
    )
    head = [name] if cohort is None else [name, cohort]
    return [*head, metric, float(estimate), float(lower), float(upper)]


def primary_value(ctx: Context, pred: dict, primary: str) -> float:
    """The primary metric's point estimate (mean over repeats)."""
    values = []
    for r in range(ctx.n_repeats):
        if primary.startswith("c_index"):
            strata = ctx.cohort if primary.endswith("within_cohort") else None
            values.append(
                _metrics.harrell_c(
                    ctx.values[:, 1], ctx.values[:, 0], pred["pred"][r], strata=strata
                )
            )
        else:
            values.append(metric_values(ctx, pred, np.arange(len(ctx.values)), r)[primary])
    return float(nanmean(values))


def bootstrap_positions(strata: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``n_boot`` stratified resamples of row positions (B x n; strata keep their sizes)."""
    if n_boot <= 0:
        return np.empty((0, strata.size), dtype=int)
    blocks = [np.flatnonzero(strata == s) for s in np.unique(strata)]
    return np.concatenate(
        [rng.choice(rows, size=(n_boot, rows.size), replace=True) for rows in blocks], axis=1
    )


def paired_draws(model_draws: np.ndarray, draws: np.ndarray | None) -> np.ndarray:
    """Bootstrap draws of the model's metric minus a comparator's (NaN where it has none)."""
    if draws is None or draws.shape != model_draws.shape:
        return np.full(model_draws.shape, np.nan)
    return model_draws - draws


def _boot_mean(draws: list | None) -> np.ndarray:
    """Average bootstrap draws over repeats (empty without bootstrap)."""
    return nanmean(draws, axis=0) if draws else np.array([])


def nanmean(values, axis=None):
    """Mean over finite values; NaN (without a warning) where there are none."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(np.asarray(values, dtype=float), axis=axis)
