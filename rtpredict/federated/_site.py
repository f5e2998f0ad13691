"""What a site computes on its own data: checks, boosting steps and aggregate statistics.

Nothing here returns a row, a sample ID or a per-tumour prediction: every output is a count, a
sum over tumours, a histogram on a grid the server chose, or trees. The per-patient data-use
register is written into the site's own folder and only its SHA-256 leaves the site.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import xgboost as xgb

from rtpredict.errors import InputError
from rtpredict.federated import _counts
from rtpredict.federated._plan import FederationPlan
from rtpredict.io._atomic import write_bytes_atomic
from rtpredict.models._cohort_files import read_cohort
from rtpredict.models._metrics import concordance_counts
from rtpredict.models._model import ID_SECRET_ENV, make_dmatrix
from rtpredict.models._register import hash_sample_ids
from rtpredict.models._schema import UnseenCategoryWarning, obs_table

REGISTER_FORMAT = "rtpredict-site-register"


@dataclass
class SiteData:
    """A site's tumours with a known outcome, coded with the agreed schema and split.

    ``values`` are target values as `Target.values` returns them ((n,) or (n, 2) = event,
    time); ``test`` marks the validation hold-out.
    """

    code: str
    index: int
    frame: pd.DataFrame
    values: np.ndarray
    test: np.ndarray
    n_unseen: int

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


def load_site(path: str | Path, plan: FederationPlan, code: str) -> SiteData:
    """Read a site's cohort with `rtpredict train`'s loader and check it against the plan.

    Raises `InputError` when a feature is missing or of the wrong type, the target columns are
    absent, or the site has fewer than ``plan.min_site_size`` tumours with an outcome or no
    events in its training or hold-out part.
    """
    if code not in plan.sites:
        raise InputError(f"site code {code!r} is not among the plan's sites {list(plan.sites)}.")
    data = read_cohort(Path(path))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UnseenCategoryWarning)
        frame = plan.schema.frame(data)
    n_unseen = sum(1 for w in caught if issubclass(w.category, UnseenCategoryWarning))
    target = plan.resolved_target
    values = target.values(obs_table(data))
    known = np.all(np.isfinite(np.atleast_2d(values.T)), axis=0)
    frame, values = frame[known], values[known]
    if len(frame) < plan.min_site_size:
        raise InputError(
            f"{path}: {len(frame)} tumours with a {target.name!r} outcome; the plan needs at "
            f"least {plan.min_site_size} per site."
        )
    test = holdout_mask(
        frame.index, strata_of(values, target.kind), plan.holdout_fraction, plan.seed
    )
    site = SiteData(code, plan.sites.index(code), frame, values, test, n_unseen)
    if target.kind in ("survival", "binary"):
        flags = values.reshape(len(values), -1)[:, 0]
        for name, rows in (("training", site.train), ("hold-out", site.test)):
            if not flags[rows].any() or (target.kind == "binary" and flags[rows].all()):
                raise InputError(
                    f"{path}: the {name} part has a single class / no events for "
                    f"{target.name!r}; this site cannot take part."
                )
    return site


def summary(site: SiteData, plan: FederationPlan) -> dict[str, float]:
    """Return the site's counts and the target sums the server needs for the base score."""
    kind = plan.target["kind"]
    out = {
        "n-train": float(site.train.sum()),
        "n-test": float(site.test.sum()),
        "n-unseen-categories": float(site.n_unseen),
    }
    train = site.values[site.train]
    if kind == "survival":
        out["events-train"] = float(train[:, 0].sum())
        out["events-test"] = float(site.values[site.test][:, 0].sum())
        out["sum-log-time"] = float(np.log(train[:, 1]).sum())
    elif kind == "binary":
        out["events-train"] = float(train.sum())
        out["events-test"] = float(site.values[site.test].sum())
    out["sum-y"] = float(train.sum()) if kind != "survival" else 0.0
    return out


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
) -> tuple[bytes, dict[str, float]]:
    """Boost on the site's training rows from the global model; return trees and metrics.

    Bagging: one iteration with the learning rate scaled by the site's share of all training
    tumours, so the trees all sites add in a round sum to one size-weighted step; only the new
    iteration's trees are returned. Cyclic: ``plan.local_rounds`` iterations at the full rate;
    the whole model is returned.
    """
    objective = plan.target["objective"]
    train = site.train
    matrix = dmatrix(site.frame[train], site.values[train], objective)
    n_site = float(train.sum())
    bagging = plan.strategy == "bagging"
    rate = plan.params["learning_rate"] * (n_site / n_total if bagging else 1.0)
    seed = plan.seed + 1000 * server_round + site.index
    params = plan.xgb_params(base_score=base_score, learning_rate=rate, seed=seed)
    booster = xgb.train(
        params,
        matrix,
        num_boost_round=1 if bagging else plan.local_rounds,
        xgb_model=load_booster(global_model),
    )
    loss = float(booster.eval(matrix).rsplit(":", 1)[1])
    if bagging:
        last = booster.num_boosted_rounds()
        booster = booster[last - 1 : last]
    metrics = {"num-examples": n_site, "train-loss": loss}
    return bytes(booster.save_raw("json")), metrics


def final_statistics(
    site: SiteData, plan: FederationPlan, model: bytes, edges: np.ndarray
) -> dict[str, list[float]]:
    """Return the sums the server turns into the model's state and its validation metrics.

    On the training rows: the sum of margins (risk offset), a histogram of margins on the
    server's ``edges`` (training quantiles), the sums of |SHAP| per feature (importance),
    missing values per feature, and for Cox the events and risk-weighted exposure per interval
    of the hazard grid (baseline hazard). On the hold-out: the counts of the primary metric and
    their bootstrap resamples.
    """
    booster = load_booster(model)
    kind, objective = plan.target["kind"], plan.target["objective"]
    frame, values = site.frame, site.values
    margin = booster.predict(dmatrix(frame, None, objective), output_margin=True).astype(float)
    train, test = site.train, site.test
    contrib = booster.predict(dmatrix(frame[train], None, objective), pred_contribs=True)
    hist, _ = np.histogram(np.clip(margin[train], edges[0], edges[-1]), bins=edges)
    out: dict[str, list[float]] = {
        "n-train": [float(train.sum())],
        "margin-sum": [float(margin[train].sum())],
        "margin-histogram": hist.astype(float).tolist(),
        "abs-shap-sum": np.abs(contrib[:, :-1]).sum(axis=0).astype(float).tolist(),
        "missing": frame[train].isna().sum().astype(float).tolist(),
    }
    if objective == "survival:cox":
        events, exposure = hazard_grid_sums(
            values[train, 1], values[train, 0], margin[train], hazard_grid(plan)
        )
        out["grid-events"], out["grid-exposure"] = events.tolist(), exposure.tolist()
    weights = _counts.bootstrap_weights(
        strata_of(values[test], kind), plan.n_ci_bootstrap, plan.seed + site.index
    )
    held, score = values[test], margin[test]
    if kind == "survival":
        risk = score if objective == "survival:cox" else -score
        point = concordance_counts(held[:, 1], held[:, 0], risk)
        boot = concordance_counts(held[:, 1], held[:, 0], risk, weights)
    elif kind == "binary":
        point, boot = _counts.auc_counts(held, score), _counts.auc_counts(held, score, weights)
    else:
        sums = _counts.regression_sums(held, score)
        boot_sums = _counts.regression_sums(held, score, weights)
        for key in sums:
            out[f"test-{key}"] = sums[key].tolist()
            out[f"boot-{key}"] = boot_sums[key].tolist()
        return out
    out["test-numerator"], out["test-denominator"] = point[0].tolist(), point[1].tolist()
    out["boot-numerator"], out["boot-denominator"] = boot[0].tolist(), boot[1].tolist()
    return out


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


def record_sent(folder: Path, plan: FederationPlan, run_id: str, step: str, sent: dict) -> Path:
    """Keep at the site a copy of the aggregates one step sent (an audit trail of what left).

    Written as ``sent-<plan>-<run>-<step>.json`` in the site's folder before the reply goes.
    """
    path = Path(folder) / f"sent-{plan.name}-{run_id}-{step}.json"
    record = {"run_id": run_id, "plan_sha256": plan.sha256, "step": step}
    record.update(sent)
    write_bytes_atomic(path, (json.dumps(record, indent=1) + "\n").encode())
    return path
