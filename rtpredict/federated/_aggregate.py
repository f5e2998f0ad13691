"""What the server makes of the sites' aggregates: base score, model state, training summary.

The federated model becomes an ordinary `RadiosensitivityModel` (saved with
`rtpredict.models.save_model`, loaded with `load_model`): its risk offset, training quantiles,
importance and Cox baseline hazard are rebuilt from sums the sites sent, never from rows.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import xgboost as xgb

from rtpredict.errors import InputError
from rtpredict.federated import _counts
from rtpredict.federated._plan import FederationPlan
from rtpredict.federated._privacy import spread
from rtpredict.federated._site_final import hazard_grid
from rtpredict.models import RadiosensitivityModel
from rtpredict.models.interface import DEFAULT_BINS, training_summary, tree_params

#: steps per hazard-grid interval at which the piecewise-linear cumulative hazard is tabulated
HAZARD_STEPS = 4


def check_sites(plan: FederationPlan, summaries: Mapping[str, Mapping]) -> None:
    """Raise InputError unless exactly the plan's sites answered."""
    answered, expected = set(summaries), set(plan.sites)
    if answered != expected:
        raise InputError(
            f"sites {sorted(answered)} answered but the plan expects {sorted(expected)} "
            f"(missing {sorted(expected - answered)}, unexpected {sorted(answered - expected)})."
        )


def base_score(plan: FederationPlan, summaries: Mapping[str, Mapping]) -> float:
    """Return the shared starting prediction (XGBoost ``base_score``) from the site sums.

    Cox: 1 (margin 0). AFT: the geometric mean of training times. Binary: the pooled share of
    positives. Regression: the pooled mean.
    """
    objective = plan.target["objective"]
    n = sum(s["n-train"] for s in summaries.values())
    if objective == "survival:cox":
        return 1.0
    if objective == "survival:aft":
        return float(np.exp(sum(s["sum-log-time"] for s in summaries.values()) / n))
    if objective == "binary:logistic":
        share = sum(s["events-train"] for s in summaries.values()) / n
        return float(np.clip(share, 1e-3, 1 - 1e-3))
    return float(sum(s["sum-y"] for s in summaries.values()) / n)


def histogram_quantiles(edges: np.ndarray, counts: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Return quantiles of a histogram, interpolating linearly within bins.

    Negative counts (noise) count as 0; a histogram without any count is taken as flat.
    """
    counts = np.clip(np.asarray(counts, dtype=float), 0.0, None)
    if counts.sum() <= 0:
        counts = np.ones_like(counts)
    cumulative = np.concatenate([[0.0], np.cumsum(counts)])
    return np.interp(np.asarray(levels) * cumulative[-1], cumulative, edges)


def piecewise_cumulative_hazard(
    grid: np.ndarray, events: np.ndarray, exposure: np.ndarray, offset: float
) -> tuple[np.ndarray, np.ndarray]:
    """Return (knots, cumulative hazard) of the pooled piecewise-exponential baseline.

    The hazard in interval g is events_g / exposure_g for risk exp(margin); multiplying by
    exp(offset) refers it to the centred risk (margin - offset) that `predict` returns. The
    piecewise-linear cumulative hazard is tabulated at `HAZARD_STEPS` points per interval.
    A negative rate (noisy sums) counts as 0, so the cumulative hazard never falls.
    """
    rate = _counts.ratio(events, exposure)
    rate = np.clip(np.where(np.isfinite(rate), rate, 0.0), 0.0, None) * np.exp(offset)
    width = np.diff(grid)
    start = np.concatenate([[0.0], np.cumsum(rate * width)[:-1]])
    steps = np.arange(1, HAZARD_STEPS + 1) / HAZARD_STEPS
    knots = (grid[:-1, None] + width[:, None] * steps).ravel()
    hazard = (start[:, None] + (rate * width)[:, None] * steps).ravel()
    return knots, hazard


def count(value: float) -> int | None:
    """Return a released count as an integer (noisy counts rounded, at least 0); None for NaN.

    A site sends NaN for a count it does not release (`rtpredict.federated._site.summary`).
    """
    value = float(value)
    return None if np.isnan(value) else int(max(0, round(value)))


def build_model(
    plan: FederationPlan,
    model: bytes,
    summaries: Mapping[str, Mapping],
    finals: Mapping[str, Mapping],
    edges: np.ndarray,
    federation: Mapping,
) -> RadiosensitivityModel:
    """Return a fitted `RadiosensitivityModel` holding the federated booster and its state."""
    booster = xgb.Booster()
    booster.load_model(bytearray(model))
    target = plan.resolved_target
    schema = plan.schema
    name = target.name
    pair = (f"{name}_event", f"{name}_years")
    estimator = RadiosensitivityModel(
        name if target.columns in ((name,), pair) else target.columns,
        features=schema.names,
        kind=target.kind,
        objective=target.objective,
        horizon=plan.horizon,
        n_estimators=int(booster.num_boosted_rounds()),
        n_bootstrap=0,
        random_state=plan.seed,
        n_jobs=1,
        **plan.params,
    )
    codes = list(plan.sites)
    n = sum(finals[c]["n-train"][0] for c in codes)
    offset = sum(finals[c]["margin-sum"][0] for c in codes) / n
    estimator.target_ = target
    estimator.feature_schema_ = schema
    estimator.feature_names_in_ = np.asarray(schema.names, dtype=object)
    estimator.n_features_in_ = len(schema.names)
    estimator.n_estimators_ = int(booster.num_boosted_rounds())
    estimator.tree_params_ = tree_params(  # what the sites trained with (FederationPlan.xgb_params)
        plan.params.get("max_bin", DEFAULT_BINS), plan.params["colsample_bytree"], len(schema.names)
    )
    estimator.booster_ = booster
    estimator.bootstrap_ = []
    survival = target.kind == "survival"
    estimator.risk_offset_ = float(offset) if survival else 0.0
    estimator.baseline_hazard_ = None
    if target.objective == "survival:cox":
        grid = hazard_grid(plan)
        events = sum(_on_grid(finals[c], "grid-starts", "grid-events", grid) for c in codes)
        exposure = sum(_on_grid(finals[c], "grid-starts", "grid-exposure", grid) for c in codes)
        estimator.baseline_hazard_ = piecewise_cumulative_hazard(grid, events, exposure, offset)
    counts = sum(
        _on_grid(finals[c], "margin-histogram-starts", "margin-histogram", edges) for c in codes
    )
    margins = histogram_quantiles(edges, counts, np.linspace(0, 1, 101))
    estimator.training_quantiles_ = np.sort(estimator._transform(margins, estimator.risk_offset_))
    shap = np.clip(np.sum([finals[c]["abs-shap-sum"] for c in codes], axis=0) / n, 0.0, None)
    estimator.global_importance_ = pd.Series(shap, index=schema.names).sort_values(ascending=False)
    missing = np.array([finals[c]["missing"] for c in codes], dtype=float)
    estimator.training_summary_ = _training_summary(plan, summaries, missing, federation)
    estimator.id_register_ = {
        "scheme": "per-site registers (hmac-sha256 of sample IDs), kept at each site",
        "sites": {
            c: {
                "register_sha256": federation["site_registers"][c],
                "n": int(summaries[c]["n-train"] + summaries[c]["n-test"]),
            }
            for c in codes
        },
        "hashes": [],
    }
    return estimator


def _on_grid(final: Mapping, starts: str, totals: str, edges: np.ndarray) -> np.ndarray:
    """A site's block totals spread back onto the grid with ``edges`` (`spread`)."""
    return spread(final[starts], final[totals], np.diff(edges))


def _training_summary(
    plan: FederationPlan, summaries: Mapping, missing: np.ndarray, federation: Mapping
) -> dict:
    """Summarise the training tumours for the card from site counts only.

    ``missing`` holds (sites x features) missing-value counts; a count a site did not release
    (NaN) adds nothing, and the features concerned are listed in ``missing_not_released``.
    """
    kind = plan.target["kind"]
    codes = list(plan.sites)
    n = sum(summaries[c]["n-train"] for c in codes)
    if kind == "regression":  # sites send the sum of the target, not its spread
        outcome: dict = {"mean": float(sum(summaries[c]["sum-y"] for c in codes) / n), "sd": None}
    else:  # sites send event counts, not the distribution of times
        events = sum(count(summaries[c]["events-train"]) for c in codes)
        outcome = {"n_events": events} if kind == "survival" else {"n_positive": events}
    names = plan.schema.names
    totals = [count(m) for m in np.nansum(missing, axis=0)]
    hidden = np.isnan(missing).any(axis=0)
    return training_summary(
        kind,
        n=n,
        outcome=outcome,
        missing=dict(zip(names, totals, strict=True)),
        cohorts={c: summaries[c]["n-train"] for c in codes},  # each hospital is a cohort
        missing_not_released=[name for name, h in zip(names, hidden, strict=True) if h],
        federation=federation,
    )
