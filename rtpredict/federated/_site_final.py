"""A site's final step: the sums the server turns into the model's state and its metrics.

Margins are counted on a histogram grid every holder of the model derives from its trees
(`margin_edges`), and Cox exposure on the plan's hazard grid (`hazard_grid`), so the
coordinator cannot choose a grid around one tumour. Every value passes through the plan's
privacy policy (`rtpredict.federated._privacy.Release`) before it is returned.
"""

from __future__ import annotations

import json
import math

import numpy as np
from scipy.special import logit

from rtpredict.federated import _counts
from rtpredict.federated._plan import FederationPlan
from rtpredict.federated._privacy import Release
from rtpredict.federated._site import SiteData, dmatrix, load_booster, strata_of
from rtpredict.models.interface import concordance_counts

#: histogram bins of training margins (training percentiles of new tumours)
N_BINS = 2000


def final_statistics(
    site: SiteData,
    plan: FederationPlan,
    model: bytes,
    rng: np.random.Generator | None = None,
) -> tuple[dict[str, list[float]], dict]:
    """Return the sums the server turns into the model's state and its validation metrics.

    On the training rows: the sum of margins (risk offset), a histogram of margins on the
    grid of `margin_edges` (training quantiles), the sums of |SHAP| per feature (importance),
    missing values per feature, and for Cox the events and risk-weighted exposure per interval
    of the hazard grid (baseline hazard); histogram and grid go per block of cells
    (``*-starts``: each block's first cell; one block per cell with the policy off). On the
    hold-out: the counts of the primary metric and, without DP, their spread over bootstrap
    resamples (each resample's counts with the policy off; their covariance under a minimum
    cell count). Every one passes through the plan's privacy policy (`Release`). The site
    derives the histogram's grid from the model itself (the server does the same), so the
    coordinator cannot choose a grid around one tumour. Returns the released values and the
    policy's report.
    """
    policy, objective = plan.policy, plan.target["objective"]
    release = Release(policy, objective, rng)
    booster = load_booster(model)
    edges = margin_edges(model)
    low, high = float(edges[0]), float(edges[-1])
    frame, values = site.frame, site.values
    margin = booster.predict(dmatrix(frame, None, objective), output_margin=True).astype(float)
    margin = np.clip(margin, low, high)
    train = site.train
    n_train = int(train.sum())
    contrib = booster.predict(dmatrix(frame[train], None, objective), pred_contribs=True)
    shap = np.abs(contrib[:, :-1]).astype(float)
    if policy.dp is not None:  # each tumour's |SHAP| vector clipped to L2 norm high - low
        norms = np.linalg.norm(shap, axis=1, keepdims=True)
        shap *= np.minimum(1.0, (high - low) / np.maximum(norms, 1e-300))
    hist, _ = np.histogram(margin[train], bins=edges)
    out: dict[str, list[float]] = {
        "n-train": [float(n_train)],
        "margin-sum": release.sums("margin-sum", margin[train].sum(), high - low),
        "abs-shap-sum": release.sums(
            "abs-shap-sum", shap.sum(axis=0), math.sqrt(2.0) * (high - low)
        ),
        "missing": release.counts("missing", frame[train].isna().sum().to_numpy(), n_train),
    }
    out["margin-histogram-starts"], out["margin-histogram"] = release.histogram(
        "margin-histogram", hist
    )
    if objective == "survival:cox":
        grid = hazard_grid(plan)
        time, event = values[train, 1], values[train, 0]
        events, exposure = hazard_grid_sums(time, event, margin[train], grid)
        at_risk = (time[:, None] > grid[:-1]).sum(axis=0)
        out["grid-starts"], out["grid-events"], out["grid-exposure"] = release.hazard(
            events, exposure, at_risk, grid, math.exp(high)
        )
    out.update(_test_statistics(site, plan, margin, (low, high), release))
    return out, release.report


def _test_statistics(
    site: SiteData,
    plan: FederationPlan,
    margin: np.ndarray,
    margin_range: tuple[float, float],
    release: Release,
) -> dict[str, list[float]]:
    """Return the hold-out's metric counts (or sums of squares) and their spread, per policy.

    Policy off: the counts of every bootstrap resample (``boot-*``). Minimum cell count: only
    the covariance of those resampled counts (``test-cov``); with the plan's seed the
    coordinator knows each resample's weights and could otherwise solve the resamples for
    single tumours. DP: the counts noised, no spread (L2 sensitivity sqrt(2) (n - 1) for pair
    counts, whose n - 1 pairs with the replaced tumour may all change; for regression the
    squared error, target and squared target of one tumour, bounded by ``outcome_range`` and
    the model's output range). When ``site.withheld`` names a small hold-out part, every
    statistic is NaN (not released) and no spread is sent.
    """
    policy, kind, objective = plan.policy, plan.target["kind"], plan.target["objective"]
    names = _counts.holdout_names(kind)
    if site.withheld:
        release.report["suppressed"].append({"field": "test", "parts": site.withheld})
        return {f"test-{name}": [math.nan] for name in names}
    test = site.test
    held, score = site.values[test], margin[test]
    n_test = int(test.sum())
    span = None if policy.dp is None else policy.dp.outcome_range
    if kind == "regression" and span is not None:
        held = np.clip(held, *span)
    weights = None
    if policy.dp is None:
        weights = _counts.bootstrap_weights(
            strata_of(held, kind), plan.n_ci_bootstrap, plan.seed + site.index
        )
    if kind == "survival":
        risk = score if objective == "survival:cox" else -score

        def counts(w):
            return concordance_counts(held[:, 1], held[:, 0], risk, w)

    elif kind == "binary":

        def counts(w):
            return _counts.auc_counts(held, score, w)

    else:

        def counts(w):
            return tuple(_counts.regression_sums(held, score, w).values())

    point = np.array([c[0] for c in counts(None)], dtype=float)
    if policy.dp is not None:
        if kind == "regression":
            low, high = span
            a, b = min(low, margin_range[0]), max(high, margin_range[1])
            smallest = 0.0 if low <= 0 <= high else min(low**2, high**2)
            bounds = [(b - a) ** 2, high - low, max(low**2, high**2) - smallest]
            noisy = release.sums("test", point[1:], float(np.linalg.norm(bounds)))
            point = np.concatenate([point[:1], noisy])
        else:
            point = np.asarray(release.sums("test", point, math.sqrt(2.0) * (n_test - 1)))
        return {f"test-{name}": [float(v)] for name, v in zip(names, point, strict=True)}
    out = {f"test-{name}": [float(v)] for name, v in zip(names, point, strict=True)}
    boot = np.vstack([np.asarray(c, dtype=float) for c in counts(weights)])
    if policy.min_cell_count > 1:
        out["test-cov"] = np.atleast_2d(np.cov(boot)).ravel().tolist()
    else:
        out.update({f"boot-{name}": row.tolist() for name, row in zip(names, boot, strict=True)})
    return out


def margin_edges(model: bytes, n_bins: int = N_BINS) -> np.ndarray:
    """Return histogram edges spanning every margin the model can output.

    A tree ensemble's margin lies between the base margin plus the sum of each tree's smallest
    leaf and the base margin plus the sum of the largest, which anyone holding the model reads
    off the trees.
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


def hazard_grid(plan: FederationPlan) -> np.ndarray:
    """Return the agreed interval edges (years) of the piecewise-constant baseline hazard."""
    n = int(np.ceil(plan.hazard_max_years / plan.hazard_grid_years))
    return np.arange(n + 1) * plan.hazard_grid_years


def hazard_grid_sums(
    time: np.ndarray, event: np.ndarray, margin: np.ndarray, grid: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return events per interval and the exp(margin)-weighted time at risk in each interval.

    Events after the last edge are not counted and time beyond it is not exposure; the
    piecewise-exponential baseline hazard of interval g is then events_g / exposure_g (Holford
    TR, Biometrics 1976;32:587–97; Laird N, Olivier D, JASA 1981;76:231–40).
    """
    time, event = np.asarray(time, float), np.asarray(event).astype(bool)
    lower, upper = grid[:-1], grid[1:]
    in_interval = (time[:, None] > lower) & (time[:, None] <= upper)
    events = (in_interval & event[:, None]).sum(axis=0).astype(float)
    at_risk = np.clip(np.minimum(time[:, None], upper) - lower, 0.0, None)
    exposure = np.exp(np.asarray(margin, float)) @ at_risk
    return events, exposure
