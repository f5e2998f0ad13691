"""What a site computes on its own data: checks, boosting steps and aggregate statistics.

Nothing here returns a row, a sample ID or a per-tumour prediction: every output is a count, a
sum over tumours, a histogram on a grid the server chose, or trees, and each passes through the
plan's privacy policy (`rtpredict.federated._privacy`) before it is returned: the site, not the
coordinator, enforces it. The per-patient data-use register is written into the site's own
folder and only its SHA-256 leaves the site.
"""

from __future__ import annotations

import glob
import hashlib
import json
import math
import os
import secrets
import warnings
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import xgboost as xgb
from scipy.special import logit

from rtpredict._files import write_bytes_atomic
from rtpredict.errors import InputError
from rtpredict.federated import _counts
from rtpredict.federated._plan import FederationPlan
from rtpredict.federated._privacy import Release, node_counts, prune_tree
from rtpredict.models import UnseenCategoryWarning
from rtpredict.models.interface import (
    ID_SECRET_ENV,
    concordance_counts,
    hash_sample_ids,
    jsonable,
    make_dmatrix,
    obs_table,
    read_cohort,
)

REGISTER_FORMAT = "rtpredict-site-register"
#: histogram bins of training margins (training percentiles of new tumours)
N_BINS = 2000


@dataclass
class SiteData:
    """A site's tumours with a known outcome, coded with the agreed schema and split.

    ``values`` are target values as `Target.values` returns them ((n,) or (n, 2) = event,
    time); ``test`` marks the validation hold-out; ``unseen`` counts, per categorical feature,
    the tumours whose value is not among the agreed categories; ``withheld`` names the parts of
    the hold-out below the privacy policy's minimum cell count (`check_cells`): when it is not
    empty the site sends no statistic of its hold-out.
    """

    code: str
    index: int
    frame: pd.DataFrame
    values: np.ndarray
    test: np.ndarray
    unseen: dict[str, int]
    withheld: tuple[str, ...] = ()

    @property
    def train(self) -> np.ndarray:
        """Mask of the training rows."""
        return ~self.test


def holdout_mask(ids, strata: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Mark a stratified hold-out of ``fraction`` of the rows, fixed by the sample IDs.

    Within each stratum the rows are ranked by SHA-256(seed:ID) and the first
    round(fraction * size) are held out, so the split depends on the IDs and the seed, not on the
    row order, and anyone holding the IDs can reproduce it.
    """
    keys = np.array([hashlib.sha256(f"{seed}:{i}".encode()).hexdigest() for i in ids])
    strata = np.asarray(strata)
    test = np.zeros(keys.size, dtype=bool)
    for label in np.unique(strata):
        rows = np.flatnonzero(strata == label)
        ranked = rows[np.argsort(keys[rows], kind="stable")]
        test[ranked[: round(fraction * rows.size)]] = True
    return test


def strata_of(values: np.ndarray, kind: str) -> np.ndarray:
    """Labels to stratify on: event / class, or quintiles of a continuous target."""
    if kind == "survival":
        return values[:, 0].astype(int)
    if kind == "binary":
        return values.astype(int)
    return np.searchsorted(np.quantile(values, [0.2, 0.4, 0.6, 0.8]), values)


def site_holdout(ids, values: np.ndarray, plan: FederationPlan) -> np.ndarray:
    """Return the site's hold-out mask as every site draws it (`holdout_mask`).

    Stratified by outcome (`strata_of`), except under differential privacy: there the split
    depends on the sample IDs only, so that changing one tumour's outcome cannot move another
    tumour between the parts (the DP guarantee is stated for one record replaced).
    """
    kind = plan.target["kind"]
    dp = plan.policy.dp is not None
    strata = np.zeros(len(values), dtype=int) if dp else strata_of(values, kind)
    return holdout_mask(ids, strata, plan.holdout_fraction, plan.seed)


def load_site(path: str | Path, plan: FederationPlan, code: str) -> SiteData:
    """Read a site's cohort with `rtpredict train`'s loader and check it against the plan.

    Raises `InputError` when a feature is missing or of the wrong type, the target columns are
    absent, the site has fewer than ``plan.min_site_size`` tumours with an outcome or a single
    class / no events in its training part, or a training part is below the privacy policy's
    minimum cell count (`check_cells`). A hold-out part below it (or without events) does not
    stop the site: it joins and withholds its hold-out statistics (``SiteData.withheld``).
    """
    if code not in plan.sites:
        raise InputError(f"site code {code!r} is not among the plan's sites {list(plan.sites)}.")
    data = read_cohort(Path(path))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnseenCategoryWarning)  # counted below, per feature
        frame = plan.schema.frame(data)
    table = obs_table(data)
    target = plan.resolved_target
    values = target.values(table)
    known = np.all(np.isfinite(np.atleast_2d(values.T)), axis=0)
    frame, values = frame[known], values[known]
    unseen = {
        f.name: int((table[f.name][known].notna() & frame[f.name].isna()).sum())
        for f in plan.schema.features
        if f.kind == "categorical"
    }
    if len(frame) < plan.min_site_size:
        raise InputError(
            f"{path}: {len(frame)} tumours with a {target.name!r} outcome; the plan needs at "
            f"least {plan.min_site_size} per site."
        )
    test = site_holdout(frame.index, values, plan)
    site = SiteData(code, plan.sites.index(code), frame, values, test, unseen)
    if target.kind in ("survival", "binary"):
        flags = values[site.train].reshape(int(site.train.sum()), -1)[:, 0]
        if not flags.any() or (target.kind == "binary" and flags.all()):
            raise InputError(
                f"{path}: the training part has a single class / no events for "
                f"{target.name!r}; this site cannot take part."
            )
    return replace(site, withheld=check_cells(site, plan))


def check_cells(site: SiteData, plan: FederationPlan) -> tuple[str, ...]:
    """Apply the minimum cell count to a site's parts; return the hold-out's parts below it.

    The parts: training and hold-out tumours and, for survival and binary targets, those with
    and without an event (positive) in each. Every count and sum the site sends is over one of
    these parts or a union of them, so none describes fewer tumours.

    A training part below ``k = privacy.min_cell_count`` stops the site (`InputError`): the
    training counts, the hazard grid's events and the binary base score are taken over the
    whole training part, so no merging of cells can bring them to ``k``, and leaving them out
    would bias the pooled model. A hold-out part below ``k`` (or empty) only withholds the
    hold-out's statistics (its event count and metric counts, which are over that part alone):
    the site still trains, and the card says its hold-out was not released. Either way the
    message names the parts, not their sizes (it goes back to the coordinator).
    """
    k = plan.policy.min_cell_count
    kind = plan.target["kind"]
    parts = {"training": site.train, "hold-out": site.test}
    small: dict[str, list[str]] = {"training": [], "hold-out": []}
    flags = site.values.reshape(len(site.values), -1)[:, 0].astype(bool)
    word = {"survival": "event", "binary": "positive"}.get(kind)
    for name, rows in parts.items():
        cells = {f"{name} tumours": int(rows.sum())}
        if word is not None:
            cells[f"{name} {word}s"] = int(flags[rows].sum())
            cells[f"{name} tumours without {word}"] = int((~flags[rows]).sum())
        small[name] = [cell for cell, n in cells.items() if n < k]
    if small["training"]:
        raise InputError(
            f"site {site.code} does not join: the plan's privacy policy releases no count of "
            f"fewer than {k} tumours (privacy.min_cell_count), and this site has fewer "
            f"{', '.join(small['training'])}. Every training count, the Cox hazard grid's "
            "events and the positives behind the base score are taken over the whole training "
            "part, so merging cells cannot bring them up to the threshold."
        )
    return tuple(small["hold-out"])


def summary(
    site: SiteData, plan: FederationPlan, rng: np.random.Generator | None = None
) -> tuple[dict[str, float], dict]:
    """Return the site's counts and the target sums the server needs for the base score.

    Released: the training and hold-out sizes; the number of categorical features with unseen
    values in >= min_cell_count tumours (not released under DP); events (positives) in each
    part (the hold-out's as NaN, not released, when ``site.withheld`` names a small hold-out
    part); the sum of log follow-up (AFT) or of the target (regression). Under DP the events and
    sums are noised (sensitivity 1 per count; the outcome clipped to ``outcome_range`` for the
    sums). Returns the released values and the policy's report (`Release.report`).
    """
    policy, objective = plan.policy, plan.target["objective"]
    release = Release(policy, objective, rng)
    kind = plan.target["kind"]
    out = {"n-train": float(site.train.sum()), "n-test": float(site.test.sum())}
    unseen = np.array(list(site.unseen.values()), dtype=int)
    hidden = [n for n, c in site.unseen.items() if 0 < c < policy.min_cell_count]
    if policy.dp is not None:
        out["n-unseen-categories"] = math.nan
        hidden = [n for n, c in site.unseen.items() if c > 0]
    else:
        out["n-unseen-categories"] = float((unseen >= policy.min_cell_count).sum())
    if hidden:
        release.report["suppressed"].append({"field": "n-unseen-categories", "features": hidden})
    train = site.values[site.train]
    if kind in ("survival", "binary"):
        flags = site.values.reshape(len(site.values), -1)[:, 0]
        out["events-train"] = release.sums("events-train", flags[site.train].sum(), 1.0)[0]
        if site.withheld:
            out["events-test"] = math.nan
            release.report["suppressed"].append({"field": "events-test", "parts": site.withheld})
        else:
            out["events-test"] = release.sums("events-test", flags[site.test].sum(), 1.0)[0]
    span = None if policy.dp is None else policy.dp.outcome_range
    if objective == "survival:aft":
        time = train[:, 1] if span is None else np.clip(train[:, 1], *span)
        width = 0.0 if span is None else math.log(span[1] / span[0])
        out["sum-log-time"] = release.sums("sum-log-time", np.log(time).sum(), width)[0]
    elif kind == "regression":
        y = train if span is None else np.clip(train, *span)
        width = 0.0 if span is None else span[1] - span[0]
        out["sum-y"] = release.sums("sum-y", y.sum(), width)[0]
    return out, release.report


def dmatrix(frame: pd.DataFrame, values: np.ndarray | None, objective: str) -> xgb.DMatrix:
    """Build a DMatrix with labels as `RadiosensitivityModel` sets them (one thread)."""
    return make_dmatrix(frame, values, objective, nthread=1)


def load_booster(raw: bytes) -> xgb.Booster | None:
    """Load an XGBoost JSON model from bytes; None for empty bytes (no model yet)."""
    if not raw:
        return None
    booster = xgb.Booster()
    booster.load_model(bytearray(raw))
    return booster


def train_step(
    site: SiteData,
    plan: FederationPlan,
    global_model: bytes,
    *,
    base_score: float,
    n_total: float,
    server_round: int,
) -> tuple[bytes, dict[str, float], dict]:
    """Boost on the site's training rows from the global model; return trees and metrics.

    Bagging: one iteration with the learning rate scaled by the site's share of all training
    tumours, so the trees all sites add in a round sum to one size-weighted step; only the new
    iteration's trees are returned. Cyclic: ``plan.local_rounds`` iterations at the full rate;
    the whole model is returned. After each iteration every split of the new tree that leaves
    fewer than the policy's minimum cell count of training tumours on a side is collapsed
    (`prune_tree`), before the next iteration builds on it. The training loss is sent only
    without DP (it is not among the noised releases). Returns the trees, the metrics and a
    report of the collapsed splits (kept at the site).
    """
    objective = plan.target["objective"]
    k = plan.policy.min_cell_count
    train = site.train
    matrix = dmatrix(site.frame[train], site.values[train], objective)
    n_site = float(train.sum())
    bagging = plan.strategy == "bagging"
    rate = plan.params["learning_rate"] * (n_site / n_total if bagging else 1.0)
    seed = plan.seed + 1000 * server_round + site.index
    params = plan.xgb_params(base_score=base_score, learning_rate=rate, seed=seed)
    booster = load_booster(global_model)
    collapsed = []
    for _ in range(1 if bagging else plan.local_rounds):
        booster = xgb.train(params, matrix, num_boost_round=1, xgb_model=booster)
        if k > 1:
            booster, n = _prune_last_tree(booster, matrix, k, rate)
            collapsed.append(n)
    metrics = {"num-examples": n_site}
    if plan.policy.dp is None:
        metrics["train-loss"] = float(booster.eval(matrix).rsplit(":", 1)[1])
    if bagging:
        last = booster.num_boosted_rounds()
        booster = booster[last - 1 : last]
    report = {"min_cell_count": k, "collapsed_splits_per_tree": collapsed}
    return bytes(booster.save_raw("json")), metrics, report


def _prune_last_tree(
    booster: xgb.Booster, matrix: xgb.DMatrix, k: int, rate: float
) -> tuple[xgb.Booster, int]:
    """Collapse the splits of the booster's last tree that leave < k training rows on a side."""
    last = booster.num_boosted_rounds()
    leaves = booster[last - 1 : last].predict(matrix, pred_leaf=True)
    model = json.loads(bytes(booster.save_raw("json")))
    tree = model["learner"]["gradient_booster"]["model"]["trees"][-1]
    n = prune_tree(tree, node_counts(tree, leaves.reshape(-1)), k, rate)
    if n == 0:
        return booster, 0
    return load_booster(json.dumps(model).encode()), n


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


def write_register(site: SiteData, plan: FederationPlan, folder: Path, run_id: str) -> str:
    """Write the site's data-use register into ``folder``; return the file's SHA-256.

    The register lists HMAC-SHA256 hashes of the training and hold-out sample IDs, keyed with
    ``$RTPREDICT_ID_SECRET`` when set (the key is never written) or a random salt kept in the
    file. It never leaves the site; its digest goes into the model card so the site can later
    show which register belongs to which model.
    """
    secret = os.environ.get(ID_SECRET_ENV)
    key = secret or secrets.token_hex(16)
    ids = site.frame.index
    register = {
        "format": REGISTER_FORMAT,
        "format_version": 1,
        "site": site.code,
        "run_id": run_id,
        "plan": plan.name,
        "plan_sha256": plan.sha256,
        "created": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "scheme": "hmac-sha256(key, sample_id)",
        "key": f"secret from ${ID_SECRET_ENV}, not stored" if secret else key,
        "training": hash_sample_ids(ids[site.train], key=key),
        "holdout": hash_sample_ids(ids[site.test], key=key),
    }
    data = (json.dumps(register, indent=1) + "\n").encode()
    write_bytes_atomic(Path(folder) / f"register-{plan.name}-{run_id}.json", data)
    return hashlib.sha256(data).hexdigest()


def check_unspent(folder: Path, plan: FederationPlan, step: str) -> None:
    """Under DP, refuse to answer a step of a plan this site has answered before.

    Each answer spends the step's share of the budget again, and repeated answers with fresh
    noise could be averaged; the site's ``sent-*`` copies show which steps of which plan (by
    digest) it answered, in any run.
    """
    if plan.policy.dp is None:
        return
    for path in Path(folder).glob(f"sent-{glob.escape(plan.name)}-*-{step}.json"):
        if json.loads(path.read_text()).get("plan_sha256") == plan.sha256:
            raise InputError(
                f"this site already answered the {step} step of plan {plan.name!r} "
                f"({path.name}); under differential privacy it answers once per plan, since "
                "every answer spends the privacy budget again. Agree to a new plan to rerun."
            )


def record_sent(folder: Path, plan: FederationPlan, run_id: str, step: str, sent: dict) -> Path:
    """Keep at the site a copy of the aggregates one step sent (an audit trail of what left).

    Written as ``sent-<plan>-<run>-<step>.json`` in the site's folder before the reply goes;
    ``sent`` holds the released values and the privacy policy's report of what it suppressed,
    merged, collapsed or noised. Values not released (NaN) are written as null.
    """
    path = Path(folder) / f"sent-{plan.name}-{run_id}-{step}.json"
    record = {"run_id": run_id, "plan_sha256": plan.sha256, "step": step}
    record.update(sent)
    write_bytes_atomic(path, (json.dumps(jsonable(record), indent=1) + "\n").encode())
    return path
