"""The card's validation of a federated model: per-site and pooled hold-out metrics from counts.

Sites send the counts of the primary metric on their hold-out (pairs for the C-index and AUROC,
sums for R²) and, by the plan's privacy policy, their bootstrap resamples, the covariance of
those, or noisy counts only; the pooled index and its interval are computed from the sums.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from rtpredict.errors import InputError
from rtpredict.federated import _counts
from rtpredict.federated._aggregate import count
from rtpredict.federated._plan import FederationPlan
from rtpredict.models.validation import PRIMARY

#: fields of a metric row (as in `rtpredict.models.validation.ValidationResult.to_dict`)
KEYS = ("metric", "estimate", "lower", "upper")

#: under differential privacy an index whose noise alone has a larger standard deviation is
#: withheld: its 95% noise interval would span more than +-0.2, wider than the distance
#: between an uninformative index (0.5) and a useful one (0.7)
MAX_NOISE_SD = 0.1

#: how the card's CI was computed, by `ci_method`
CI_TEXT = {
    "bootstrap": "bootstrap percentile 95%, resampling each site's hold-out stratified by "
    "outcome; pooled resamples sum the sites' resample b (stratified by site)",
    "covariance": "normal approximation 95% (delta method) with the covariance of each site's "
    "counts over bootstrap resamples of its hold-out (stratified by outcome), summed over "
    "sites; under a minimum cell count sites send that covariance, not the resamples",
    "noise": "not computed: under differential privacy sites send noisy point counts only, no "
    "bootstrap spread. The noisy counts are made consistent (non-negative, numerator <= "
    "denominator) before the index is taken; noise_sd, noise_lower and noise_upper give the "
    "standard deviation and 95% interval of the noise alone (delta method with the noise sd "
    "each site reports), not the hold-out's sampling variation. An index whose noise sd "
    f"exceeds {MAX_NOISE_SD} is withheld ('withheld' says why).",
}


def validation(
    plan: FederationPlan,
    summaries: Mapping,
    finals: Mapping,
    noise: Mapping[str, Mapping] | None = None,
) -> dict:
    """Return per-site and pooled hold-out metrics with 95% CIs for the card.

    The layout follows `ValidationResult.to_dict` (``metrics``: the pooled estimate,
    ``per_cohort``: one row per site) so reports read it like any model's validation, plus
    ``per_site`` (with hold-out counts) and ``pooled``. The CI depends on what the privacy
    policy let the sites send (`ci_method`): bootstrap percentiles from every resample's counts,
    a normal approximation from their covariance, or, under differential privacy, none: there
    the noisy counts are made consistent (`consistent_counts`) and each index carries the
    standard deviation and 95% interval of the noise alone, or is withheld with the reason when
    that sd exceeds `MAX_NOISE_SD`. ``noise`` maps each site to the noise it reports per
    release (``{"test": {"noise_sd": ...}}``); required under DP. A site that withheld its
    hold-out (a part below the minimum cell count) has a row saying so and adds nothing to the
    pooled index.
    """
    kind = plan.target["kind"]
    metric = PRIMARY[kind]
    method = ci_method(plan)
    names = _counts.holdout_names(kind)
    rows, points, variations = [], [], []
    for code in plan.sites:
        f, s = finals[code], summaries[code]
        point = np.array([f[f"test-{name}"][0] for name in names], dtype=float)
        row = {"site": code, "metric": metric, "n_test": int(s["n-test"])}
        if kind != "regression":
            row["events_test"] = count(s.get("events-test", 0))
        if not np.all(np.isfinite(point)):
            rows.append({**row, **_withheld_by_site(plan)})
            continue
        if method == "bootstrap":
            variation = np.vstack([f[f"boot-{name}"] for name in names]).astype(float)
        elif method == "covariance":
            shape = (len(names), len(names))
            variation = np.reshape(np.asarray(f["test-cov"], dtype=float), shape)
        else:
            variation = _noise_covariance(kind, _test_noise_sd(noise, code))
        points.append(point)
        variations.append(variation)
        rows.append({**row, "released": True, **_estimate(kind, point, method, variation)})
    released = [r["site"] for r in rows if r["released"]]
    n_test = int(sum(summaries[c]["n-test"] for c in released))
    pooled = {"metric": metric, "n_test": n_test, "sites": released}
    if points:
        total = np.sum(points, axis=0)
        pooled.update(_estimate(kind, total, method, np.sum(variations, axis=0)))
        if kind == "regression":
            pooled["rmse"] = float(np.sqrt(max(total[1], 0.0) / total[0]))
    else:
        pooled.update(
            {
                "estimate": None,
                "lower": None,
                "upper": None,
                "withheld": "no site released its hold-out",
            }
        )
        if kind == "regression":
            pooled["rmse"] = None
    events = (
        None
        if kind == "regression"
        else sum(count(summaries[c].get("events-test", 0)) for c in released)
    )
    model_rows = [{"predictor": "model", **{k: pooled[k] for k in KEYS}}]
    if kind == "regression":
        rmse = {"metric": "rmse", "estimate": pooled["rmse"], "lower": None, "upper": None}
        model_rows.append({"predictor": "model", **rmse})
    dp = plan.policy.dp is not None
    return {
        "kind": kind,
        "primary_metric": metric,
        "scheme": {
            "cv": "federated hold-out",
            "n_tumours": n_test,
            "n_events": events,
            "holdout_fraction": plan.holdout_fraction,
            "split": (
                "ranked by sha256(seed:sample_id) at each site (not stratified by outcome under "
                "differential privacy)"
                if dp
                else "stratified by outcome, ranked by sha256(seed:sample_id) at each site"
            ),
            "seed": plan.seed,
            "n_ci_bootstrap": None if dp else plan.n_ci_bootstrap,
            "ci": CI_TEXT[method],
            "pooled": (
                "pair counts summed over sites: within-site pairs only (the within-cohort "
                "index of the pooled hold-out)"
                if kind != "regression"
                else "sums of squares pooled over sites"
            )
            + ("; the sites' counts carry Gaussian noise (differential privacy)" if dp else "")
            + "; sites that withheld their hold-out are left out",
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


def ci_method(plan: FederationPlan) -> str:
    """Return how the hold-out CIs are computed under the plan's privacy policy (`CI_TEXT`)."""
    policy = plan.policy
    if policy.dp is not None:
        return "noise"
    return "covariance" if policy.min_cell_count > 1 else "bootstrap"


def consistent_counts(kind: str, point: np.ndarray) -> np.ndarray:
    """Return the nearest hold-out statistics the exact ones could be (post-processing noise).

    Pair counts (numerator, denominator): projected onto 0 <= numerator <= denominator (the
    Euclidean projection onto that cone), so a ratio of them lies in [0, 1]. Regression sums:
    the sum of squared errors made >= 0. Post-processing costs no privacy budget.
    """
    point = np.array(point, dtype=float)
    if kind == "regression":
        point[1] = max(point[1], 0.0)
        return point
    numerator, denominator = point
    if 0.0 <= numerator <= denominator:
        return point
    if numerator > denominator:  # nearest point on numerator == denominator >= 0
        both = max((numerator + denominator) / 2.0, 0.0)
        return np.array([both, both])
    return np.array([0.0, max(denominator, 0.0)])


def _test_noise_sd(noise: Mapping[str, Mapping] | None, code: str) -> float:
    """The noise sd a site reports for its hold-out statistics (release ``test``)."""
    try:
        return float(noise[code]["test"]["noise_sd"])
    except (KeyError, TypeError) as err:
        raise InputError(
            f"site {code} sent noisy hold-out counts without their noise sd (privacy 'test')."
        ) from err


def _noise_covariance(kind: str, sd: float) -> np.ndarray:
    """The covariance of the Gaussian noise on a site's hold-out statistics (``n`` is exact)."""
    noised = [0.0, 1.0, 1.0, 1.0] if kind == "regression" else [1.0, 1.0]
    return np.diag(noised) * sd**2


def _withheld_by_site(plan: FederationPlan) -> dict:
    """A per-site row's fields for a site that did not release its hold-out statistics."""
    k = plan.policy.min_cell_count
    parts = "tumours, events (positives) or tumours without one"
    return {
        "released": False,
        "estimate": None,
        "lower": None,
        "upper": None,
        "withheld": (
            f"not released by the site: its hold-out has fewer than {k} {parts} "
            "(privacy.min_cell_count)"
            if k > 1
            else "not released by the site: its hold-out has no events (positives) or none "
            "without one"
        ),
    }


def _metric(kind: str, x: np.ndarray) -> np.ndarray:
    """The primary metric from statistics stacked along the first axis (`_counts.holdout_names`)."""
    if kind == "regression":
        return _counts.r2_from_sums(*x)
    return _counts.ratio(*x)


def _gradient(kind: str, x: np.ndarray) -> np.ndarray:
    """The gradient of `_metric` with respect to the statistics (delta method)."""
    if kind != "regression":
        numerator, denominator = x
        return np.array([1.0 / denominator, -numerator / denominator**2])
    n, sse, sum_y, sum_y2 = x
    total = sum_y2 - sum_y**2 / n
    per_total = sse / total**2  # d R^2 / d SST
    return np.array(
        [per_total * sum_y**2 / n**2, -1.0 / total, -2 * per_total * sum_y / n, per_total]
    )


def _estimate(kind: str, point: np.ndarray, method: str, variation: np.ndarray) -> dict:
    """Return the primary metric's estimate, lower and upper, within its possible range.

    ``variation``: the (statistics x resamples) counts for ``bootstrap``; the covariance of the
    statistics for ``covariance`` (sampling) and ``noise`` (DP noise). Under ``noise`` the
    statistics are made consistent first (`consistent_counts`), lower and upper are None (no
    CI) and the result adds ``noise_sd``, ``noise_lower`` and ``noise_upper``, or withholds the
    estimate (``withheld``: why) when the noise's sd exceeds `MAX_NOISE_SD` or no index is left.
    """
    high = 1.0
    low = -np.inf if kind == "regression" else 0.0
    if method == "noise":
        point = consistent_counts(kind, point)
    value = float(_metric(kind, point))
    out: dict = {"estimate": None, "lower": None, "upper": None}
    if not np.isfinite(value):
        if method == "noise":
            out["withheld"] = (
                "noise dominates: the noisy counts, made consistent, leave no index "
                "(no comparable pairs, or no variance of the target)"
            )
        return out
    estimate = float(np.clip(value, low, high))
    lower = upper = float("nan")
    if method == "bootstrap":
        replicates = _metric(kind, variation)
        replicates = replicates[np.isfinite(replicates)]
        if replicates.size >= 2:
            lower, upper = np.percentile(replicates, [2.5, 97.5])
    else:
        gradient = _gradient(kind, point)
        se = float(np.sqrt(max(gradient @ variation @ gradient, 0.0)))
        if method == "noise":
            out["noise_sd"] = se
            if not se <= MAX_NOISE_SD:
                out["withheld"] = (
                    f"noise dominates: the differential-privacy noise alone gives this index a "
                    f"standard deviation of {se:.2g} (more than {MAX_NOISE_SD})"
                )
                return out
            out["noise_lower"] = float(np.clip(estimate - 1.96 * se, low, high))
            out["noise_upper"] = float(np.clip(estimate + 1.96 * se, low, high))
        elif np.isfinite(se):
            lower, upper = estimate - 1.96 * se, estimate + 1.96 * se
    out["estimate"] = estimate
    if np.isfinite(lower) and np.isfinite(upper):
        out["lower"], out["upper"] = (
            float(np.clip(lower, low, high)),
            float(np.clip(upper, low, high)),
        )
    return out
