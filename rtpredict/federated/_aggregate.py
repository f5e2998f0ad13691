"""What the server makes of the sites' aggregates: base score, model state, validation, card.

The federated model becomes an ordinary `RadiosensitivityModel` (saved with
`rtpredict.models.save_model`, loaded with `load_model`): its risk offset, training quantiles,
importance and Cox baseline hazard are rebuilt from sums the sites sent, never from rows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import numpy as np
import pandas as pd
import xgboost as xgb
from scipy.special import logit

from rtpredict.errors import InputError
from rtpredict.federated import _counts
from rtpredict.federated._plan import FederationPlan
from rtpredict.federated._site import hazard_grid
from rtpredict.models._model import RadiosensitivityModel
from rtpredict.models.validation import PRIMARY

#: histogram bins of training margins (training percentiles of new tumours)
N_BINS = 2000
#: fields of a metric row (as in `rtpredict.models.validation.ValidationResult.to_dict`)
KEYS = ("metric", "estimate", "lower", "upper")
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


def margin_edges(model: bytes, n_bins: int = N_BINS) -> np.ndarray:
    """Return histogram edges spanning every margin the model can output.

    A tree ensemble's margin lies between the base margin plus the sum of each tree's smallest
    leaf and the base margin plus the sum of the largest, which the server reads off the trees.
    """
    learner = json.loads(model)["learner"]
    objective = learner["objective"]["name"]
    score = float(str(learner["learner_model_param"]["base_score"]).strip("[]"))
    if objective == "binary:logistic":
        base = float(logit(score))
    elif objective.startswith("survival:"):
        base = float(np.log(score))
    else:
        base = score
    low = high = base
    for tree in learner["gradient_booster"]["model"]["trees"]:
        leaves = np.asarray(tree["left_children"]) == -1
        values = np.asarray(tree["base_weights"], dtype=float)[leaves]
        low, high = low + values.min(), high + values.max()
    if high - low < 1e-9:
        low, high = low - 0.5, high + 0.5
    return np.linspace(low, high, n_bins + 1)


def histogram_quantiles(edges: np.ndarray, counts: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Return quantiles of a histogram, interpolating linearly within bins."""
    cumulative = np.concatenate([[0.0], np.cumsum(counts)])
    return np.interp(np.asarray(levels) * cumulative[-1], cumulative, edges)


def piecewise_cumulative_hazard(
    grid: np.ndarray, events: np.ndarray, exposure: np.ndarray, offset: float
) -> tuple[np.ndarray, np.ndarray]:
    """Return (knots, cumulative hazard) of the pooled piecewise-exponential baseline.

    The hazard in interval g is events_g / exposure_g for risk exp(margin); multiplying by
    exp(offset) refers it to the centred risk (margin - offset) that `predict` returns. The
    piecewise-linear cumulative hazard is tabulated at `HAZARD_STEPS` points per interval.
    """
    rate = _counts.ratio(events, exposure)
    rate = np.where(np.isfinite(rate), rate, 0.0) * np.exp(offset)
    width = np.diff(grid)
    start = np.concatenate([[0.0], np.cumsum(rate * width)[:-1]])
    steps = np.arange(1, HAZARD_STEPS + 1) / HAZARD_STEPS
    knots = (grid[:-1, None] + width[:, None] * steps).ravel()
    hazard = (start[:, None] + (rate * width)[:, None] * steps).ravel()
    return knots, hazard


def validation(plan: FederationPlan, summaries: Mapping, finals: Mapping) -> dict:
    """Return per-site and pooled hold-out metrics with bootstrap 95% CIs for the card.

    The layout follows `ValidationResult.to_dict` (``metrics``: the pooled estimate,
    ``per_cohort``: one row per site) so reports read it like any model's validation, plus
    ``per_site`` (with hold-out counts) and ``pooled``.
    """
    kind = plan.target["kind"]
    metric = PRIMARY[kind]
    rows, pooled_point, pooled_boot = [], [], []
    for code in plan.sites:
        f = finals[code]
        if kind == "regression":
            point = _regression_point(f, "test")
            boot = _regression_point(f, "boot")
        else:
            point = (np.asarray(f["test-numerator"]), np.asarray(f["test-denominator"]))
            boot = (np.asarray(f["boot-numerator"]), np.asarray(f["boot-denominator"]))
        pooled_point.append(point)
        pooled_boot.append(boot)
        estimate, lower, upper = _estimate(kind, point, boot)
        rows.append(
            {
                "site": code,
                "metric": metric,
                "estimate": estimate,
                "lower": lower,
                "upper": upper,
                "n_test": int(summaries[code]["n-test"]),
                "events_test": int(summaries[code].get("events-test", 0)),
            }
        )
    total = tuple(np.sum(parts, axis=0) for parts in zip(*pooled_point, strict=True))
    total_boot = tuple(np.sum(parts, axis=0) for parts in zip(*pooled_boot, strict=True))
    estimate, lower, upper = _estimate(kind, total, total_boot)
    n_test = int(sum(s["n-test"] for s in summaries.values()))
    pooled = {"metric": metric, "estimate": estimate, "lower": lower, "upper": upper}
    pooled["n_test"] = n_test
    if kind == "regression":
        pooled["rmse"] = float(np.sqrt(total[1][0] / total[0][0]))
    events = (
        None
        if kind == "regression"
        else int(sum(s.get("events-test", 0) for s in summaries.values()))
    )
    model_rows = [{"predictor": "model", **{k: pooled[k] for k in KEYS}}]
    if kind == "regression":
        rmse = {"metric": "rmse", "estimate": pooled["rmse"], "lower": None, "upper": None}
        model_rows.append({"predictor": "model", **rmse})
    return {
        "kind": kind,
        "primary_metric": metric,
        "scheme": {
            "cv": "federated hold-out",
            "n_tumours": n_test,
            "n_events": events,
            "holdout_fraction": plan.holdout_fraction,
            "split": "stratified by outcome, ranked by sha256(seed:sample_id) at each site",
            "seed": plan.seed,
            "n_ci_bootstrap": plan.n_ci_bootstrap,
            "ci": "bootstrap percentile 95%, resampling each site's hold-out stratified by "
            "outcome; pooled resamples sum the sites' resample b (stratified by site)",
            "pooled": (
                "pair counts summed over sites: within-site pairs only (the within-cohort "
                "index of the pooled hold-out)"
                if kind != "regression"
                else "sums of squares pooled over sites"
            ),
        },
        "baselines": {"model": "the federated model"},
        "metrics": model_rows,
        "per_cohort": [
            {"predictor": "model", "cohort": r["site"], **{k: r[k] for k in KEYS}} for r in rows
        ],
        "comparisons": [],
        "random_sets": {"reason": "not computed in federated training"},
        "per_site": rows,
        "pooled": pooled,
    }


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
    estimator.booster_ = booster
    estimator.bootstrap_ = []
    survival = target.kind == "survival"
    estimator.risk_offset_ = float(offset) if survival else 0.0
    estimator.baseline_hazard_ = None
    if target.objective == "survival:cox":
        events = np.sum([finals[c]["grid-events"] for c in codes], axis=0)
        exposure = np.sum([finals[c]["grid-exposure"] for c in codes], axis=0)
        estimator.baseline_hazard_ = piecewise_cumulative_hazard(
            hazard_grid(plan), events, exposure, offset
        )
    counts = np.sum([finals[c]["margin-histogram"] for c in codes], axis=0)
    margins = histogram_quantiles(edges, counts, np.linspace(0, 1, 101))
    estimator.training_quantiles_ = np.sort(estimator._transform(margins, estimator.risk_offset_))
    shap = np.sum([finals[c]["abs-shap-sum"] for c in codes], axis=0) / n
    estimator.global_importance_ = pd.Series(shap, index=schema.names).sort_values(ascending=False)
    missing = np.sum([finals[c]["missing"] for c in codes], axis=0)
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


def _training_summary(
    plan: FederationPlan, summaries: Mapping, missing: np.ndarray, federation: Mapping
) -> dict:
    """Summarise the training tumours for the card from site counts only."""
    kind = plan.target["kind"]
    codes = list(plan.sites)
    n = sum(summaries[c]["n-train"] for c in codes)
    out: dict = {"n": int(n)}
    if kind == "survival":
        out["n_events"] = int(sum(summaries[c]["events-train"] for c in codes))
    elif kind == "binary":
        out["n_positive"] = int(sum(summaries[c]["events-train"] for c in codes))
    else:
        out["mean"] = float(sum(summaries[c]["sum-y"] for c in codes) / n)
    out["cohorts"] = {c: int(summaries[c]["n-train"]) for c in codes}
    out["missing"] = {
        name: int(m) for name, m in zip(plan.schema.names, missing, strict=True) if m > 0
    }
    out["federation"] = dict(federation)
    return out


def _regression_point(f: Mapping, prefix: str) -> tuple[np.ndarray, ...]:
    return tuple(np.asarray(f[f"{prefix}-{k}"]) for k in ("n", "sse", "sum_y", "sum_y2"))


def _estimate(kind: str, point: tuple, boot: tuple) -> tuple[float, float, float]:
    """Return (estimate, lower, upper) of the primary metric from counts or sums."""
    if kind == "regression":
        estimate = float(_counts.r2_from_sums(*point)[0])
        replicates = _counts.r2_from_sums(*boot)
    else:
        estimate = float(_counts.ratio(*point)[0])
        replicates = _counts.ratio(*boot)
    replicates = replicates[np.isfinite(replicates)]
    if replicates.size < 2:
        return estimate, float("nan"), float("nan")
    lower, upper = np.percentile(replicates, [2.5, 97.5])
    return estimate, float(lower), float(upper)
