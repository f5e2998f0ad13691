"""What a site computes on its own data: its cohort and parts, checks, summary, boosting steps.

Nothing here returns a row, a sample ID or a per-tumour prediction: every output is a count, a
sum over tumours, or trees, and each passes through the plan's privacy policy
(`rtpredict.federated._privacy`) before it is returned: the site, not the coordinator, enforces
it. The final step's statistics are in `rtpredict.federated._site_final`; what the site keeps in
its own folder (data-use register, copies of what it sent) in
`rtpredict.federated._site_records`.
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import xgboost as xgb

from rtpredict.errors import InputError
from rtpredict.federated._plan import FederationPlan
from rtpredict.federated._privacy import Release, node_counts, prune_tree
from rtpredict.models import UnseenCategoryWarning
from rtpredict.models.interface import (
    make_dmatrix,
    obs_table,
    read_cohort,
)


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
