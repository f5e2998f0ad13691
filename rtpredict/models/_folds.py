"""Out-of-fold predictions: the splits, the model and baselines fitted fold by fold."""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone

from rtpredict.errors import InputError
from rtpredict.models._feature import UnseenCategoryWarning
from rtpredict.models._model import RadiosensitivityModel
from rtpredict.models._schema import FeatureSchema, obs_table
from rtpredict.models._splits import Split, leave_one_cohort_out, stratified_kfold
from rtpredict.models._xgb import n_workers


@dataclass
class Context:
    """What every predictor's scoring needs: outcome, cohorts, evaluation times, repeats."""

    kind: str
    values: np.ndarray
    cohort: np.ndarray | None
    eval_times: np.ndarray | None
    grid: np.ndarray | None
    n_repeats: int

    def empty(self, with_survival: bool) -> dict:
        n = len(self.values)
        out = {"pred": np.full((self.n_repeats, n), np.nan), "surv": None, "calibrated": True}
        if with_survival and self.kind == "survival":
            out["surv"] = np.full((self.n_repeats, n, self.grid.size), np.nan)
        return out


def make_splits(cv, outcome_class, table, cohort_key, n_splits, n_repeats, seed) -> list[Split]:
    """Build the splits named by ``cv``."""
    if isinstance(cv, str):
        if cv == "stratified":
            return stratified_kfold(
                outcome_class, n_splits=n_splits, n_repeats=n_repeats, random_state=seed
            )
        if cv == "cohort":
            if cohort_key not in table.columns:
                raise InputError(f"cv='cohort' needs a {cohort_key!r} column.")
            return leave_one_cohort_out(table[cohort_key], cohort_key)
        raise InputError(f"cv must be 'stratified', 'cohort' or explicit splits, not {cv!r}.")
    out = [
        Split(0, i, f"fold{i + 1}", np.asarray(tr), np.asarray(te)) for i, (tr, te) in enumerate(cv)
    ]
    covered = np.concatenate([s.test for s in out])
    if np.sort(covered).tolist() != list(range(len(outcome_class))):
        raise InputError("explicit cv splits must test every tumour exactly once.")
    return out


def model_oof(
    estimator, data, splits: list[Split], ctx: Context, outcome: np.ndarray | None = None
) -> dict:
    """Fit the model on each training fold and predict its test fold; ``outcome`` (rows of
    ``data``) replaces the data's outcome columns when given."""
    out = ctx.empty(with_survival=True)
    fold_rows = []
    models = _fit_folds(estimator, data, splits, outcome)
    for split, fitted in zip(splits, models, strict=True):
        test = subset_rows(data, split.test)
        unseen = _unseen_categories(fitted, obs_table(test))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UnseenCategoryWarning)
            out["pred"][split.repeat, split.test] = fitted.predict(test)
            if out["surv"] is not None:
                surv = fitted.predict_survival(test, ctx.grid).to_numpy()
                out["surv"][split.repeat, split.test] = surv
        fold_rows.append(
            {
                "repeat": split.repeat,
                "fold": split.fold,
                "name": split.name,
                "n_train": split.train.size,
                "n_test": split.test.size,
                "events_test": _events(ctx, split.test),
                "n_estimators": int(fitted.n_estimators_),
                "unseen_categories": unseen,
            }
        )
    out["folds"] = pd.DataFrame(fold_rows)
    return out


def _fit_folds(
    estimator, data, splits: list[Split], outcome: np.ndarray | None
) -> list[RadiosensitivityModel]:
    """Fit a clone of the estimator on each training fold, ``n_jobs`` folds at a time with one
    XGBoost thread each (all its threads for one fold at a time)."""
    workers = min(n_workers(estimator.n_jobs), len(splits))
    if workers > 1:
        estimator = clone(estimator).set_params(n_jobs=1)
    parts = [subset_rows(data, split.train) for split in splits]
    ys = [None if outcome is None else outcome[split.train] for split in splits]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda part, y: clone(estimator).fit(part, y), parts, ys))


def baseline_oof(baseline, table: pd.DataFrame, splits: list[Split], ctx: Context) -> dict:
    """Fit a baseline on each training fold and predict its test fold."""
    out = ctx.empty(with_survival=baseline.provides_survival)
    for split in splits:
        fitted = baseline.fit(table.iloc[split.train], ctx.values[split.train], ctx.kind)
        test = table.iloc[split.test]
        out["pred"][split.repeat, split.test] = fitted.predict(test)
        if out["surv"] is not None:
            out["surv"][split.repeat, split.test] = fitted.predict_survival(test, ctx.grid)
    out["calibrated"] = fitted.calibrated
    return out


def resolve_features(estimator, data):
    """Fix the estimator's features on all of ``data`` once: an all-NaN column is left out
    here with one warning, not once per fold."""
    schema = FeatureSchema.from_data(
        data, estimator.features, estimator.genes, layer=estimator.layer
    )
    obs = [f.name for f in schema.features if f.kind != "gene"]
    return estimator.set_params(features=obs, genes=schema.genes or None)


def _unseen_categories(fitted: RadiosensitivityModel, table: pd.DataFrame) -> str:
    """Describe categorical test values the fold's model never saw ('' when none)."""
    parts = []
    for feature in fitted.feature_schema_.features:
        if feature.kind != "categorical":
            continue
        values = table[feature.name].dropna().astype(str)
        unseen = sorted(set(values) - set(feature.categories))
        if unseen:
            parts.append(f"{feature.name}: {', '.join(unseen)}")
    return "; ".join(parts)


def outcome_strata(kind: str, values: np.ndarray) -> np.ndarray:
    """Outcome class to stratify on: event, class, or quintile of a continuous outcome."""
    if kind == "survival":
        return values[:, 0].astype(int)
    if kind == "binary":
        return values.astype(int)
    return np.searchsorted(np.quantile(values, [0.2, 0.4, 0.6, 0.8]), values)


def evaluation_times(kind, values, times, horizon) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Evaluation times of the time-dependent AUC and the integrated Brier score's grid."""
    if kind != "survival":
        return None, None
    event_times = values[values[:, 0] == 1, 1]
    if times is not None:
        eval_times = np.atleast_1d(np.asarray(times, dtype=float))
    elif horizon is not None:
        eval_times = np.array([float(horizon)])
    else:
        eval_times = np.quantile(event_times, [0.25, 0.5, 0.75])
    lo, hi = np.quantile(event_times, [0.1, 0.9])
    return eval_times, np.linspace(lo, hi, 20)


def _events(ctx: Context, rows: np.ndarray) -> int | None:
    """Events (survival) or positives (binary) among ``rows``."""
    if ctx.kind == "survival":
        return int(ctx.values[rows, 0].sum())
    if ctx.kind == "binary":
        return int(ctx.values[rows].sum())
    return None


def subset_rows(data, rows: np.ndarray):
    """Rows of an AnnData (a view) or a DataFrame by position."""
    return data[rows] if hasattr(data, "var_names") else data.iloc[rows]


def describe(name: str, baseline) -> str:
    """A baseline's description, or a default one."""
    if baseline.description:
        return baseline.description
    return f"{type(baseline).__name__} on {', '.join(baseline.columns)}"


def oof_frame(oof: dict, index: pd.Index, n_rep: int) -> pd.DataFrame:
    """Out-of-fold predictions as a tidy table (tumour x repeat rows, one column per predictor)."""
    frames = []
    for r in range(n_rep):
        frame = pd.DataFrame({name: pred["pred"][r] for name, pred in oof.items()}, index=index)
        frames.append(frame.assign(repeat=r))
    return pd.concat(frames)
