"""Validate a model honestly: out-of-fold metrics with bootstrap CIs, baselines, null controls.

Every predictor (the model, RSI alone, GARD alone, a classical model on GARD, clinical
covariates, random gene-set controls) is fitted on the same training folds and scored on the
same test folds. Where random gene sets cannot stand in for the model's genes, its null
distribution comes from cross-validating it on permuted outcomes instead. Early stopping, when
the model uses it, holds out part of each *training* fold; a test fold is never seen before it
is scored. Metrics are computed on the pooled out-of-fold predictions of each repeat and
averaged over repeats; their confidence intervals resample the tumours (stratified by cohort and
outcome class) and keep the fitted models fixed, so they reflect the test-set sampling error,
not the variability of refitting.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from sklearn.base import clone

from rtpredict.errors import InputError
from rtpredict.models import _metrics
from rtpredict.models._baselines import (
    GLMBaseline,
    ScoreBaseline,
    default_baselines,
    with_input,
)
from rtpredict.models._card import jsonable
from rtpredict.models._model import RadiosensitivityModel, n_workers
from rtpredict.models._random_sets import (
    RandomSetPlan,
    ScoreFn,
    mean_log_expression,
    plan_random_sets,
    random_variant,
)
from rtpredict.models._schema import FeatureSchema, UnseenCategoryWarning, obs_table
from rtpredict.models._splits import Split, leave_one_cohort_out, stratified_kfold
from rtpredict.models._target import resolve_target

__all__ = [
    "GLMBaseline",
    "ScoreBaseline",
    "ValidationResult",
    "cross_validate",
    "default_baselines",
    "mean_log_expression",
]

#: the metric each kind of model is ranked by against its null controls
PRIMARY = {"regression": "r2", "binary": "auroc", "survival": "c_index"}


@dataclass
class ValidationResult:
    """Out-of-fold performance of a model and its comparators.

    Attributes
    ----------
    metrics
        Long table: predictor, metric, estimate, lower, upper (bootstrap percentile CI).
    per_cohort
        The same for the per-cohort metric (C-index, AUROC or Spearman) of each cohort, or None.
    comparisons
        The model's primary metric minus each comparator's, with a paired bootstrap CI (the
        same resamples for both).
    folds
        One row per split: sizes, events, rounds chosen by early stopping, unseen categories.
    baselines
        Name -> description of each comparator.
    random_sets
        The model's percentile among its null controls and their distribution. ``null`` says
        which: ``"random_gene_sets"`` (the model rebuilt on random genes and random signature
        sets of the same sizes) or, when those do not apply (``reason``: no expression
        matrix, no gene or signature feature, or too few genes outside the model's own, as for
        a model on every gene), ``"permuted_outcomes"`` (the model cross-validated on outcomes
        permuted between tumours, within cohorts when there are cohorts:
        ``permuted_within``).
    oof
        Out-of-fold predictions per tumour (``<predictor>`` columns; one block per repeat).
        Patient-level: kept out of `to_dict` and the model card.
    """

    kind: str
    primary_metric: str
    scheme: dict
    metrics: pd.DataFrame
    per_cohort: pd.DataFrame | None
    comparisons: pd.DataFrame
    folds: pd.DataFrame
    baselines: dict[str, str]
    random_sets: dict
    oof: pd.DataFrame = field(repr=False)

    def estimate(self, predictor: str, metric: str) -> tuple[float, float, float]:
        """Return (estimate, lower, upper) of one predictor's metric."""
        row = self.metrics[(self.metrics.predictor == predictor) & (self.metrics.metric == metric)]
        if row.empty:
            raise KeyError(f"no {metric!r} for predictor {predictor!r}")
        return tuple(float(v) for v in row[["estimate", "lower", "upper"]].iloc[0])

    def summary(self, digits: int = 3) -> pd.DataFrame:
        """Return a predictor x metric table of 'estimate (lower–upper)' strings."""
        text = self.metrics.apply(
            lambda r: (
                ""
                if np.isnan(r.estimate)
                else f"{r.estimate:.{digits}f} ({r.lower:.{digits}f}–{r.upper:.{digits}f})"
            ),
            axis=1,
        )
        table = self.metrics.assign(text=text).pivot_table(
            index="predictor", columns="metric", values="text", aggfunc="first"
        )
        order = table.loc[self.metrics.predictor.unique(), self.metrics.metric.unique()]
        return order.fillna("")

    def to_dict(self) -> dict:
        """Return the aggregate results as JSON values (no per-tumour data)."""
        return jsonable(
            {
                "kind": self.kind,
                "primary_metric": self.primary_metric,
                "scheme": self.scheme,
                "baselines": self.baselines,
                "metrics": self.metrics.to_dict(orient="records"),
                "per_cohort": None
                if self.per_cohort is None
                else self.per_cohort.to_dict(orient="records"),
                "comparisons": self.comparisons.to_dict(orient="records"),
                "folds": self.folds.to_dict(orient="records"),
                "random_sets": self.random_sets,
            }
        )


def cross_validate(
    model: RadiosensitivityModel,
    data,
    *,
    cv: str | Sequence[tuple[np.ndarray, np.ndarray]] = "stratified",
    n_splits: int = 5,
    n_repeats: int = 1,
    cohort_key: str = "cohort",
    baselines: str | Mapping | None = "default",
    n_random_sets: int = 100,
    signature_genes: Mapping[str, Sequence[str]] | None = None,
    score_fn: ScoreFn | None = None,
    times: Sequence[float] | None = None,
    n_ci_bootstrap: int = 1000,
    level: float = 0.95,
    random_state: int = 0,
) -> ValidationResult:
    """Cross-validate ``model`` on ``data`` against baselines and random gene sets.

    Parameters
    ----------
    model
        An unfitted (or fitted: it is cloned) `RadiosensitivityModel`; fitted per fold without
        bootstrap boosters, ``n_jobs`` folds at a time (one XGBoost thread each).
    data
        AnnData or DataFrame holding features, outcome and (optionally) ``cohort_key``.
    cv
        ``"stratified"``: ``n_repeats`` x ``n_splits``-fold, stratified on event / class
        (quintiles of a continuous target); ``"cohort"``: leave-one-cohort-out on
        ``cohort_key``; or explicit (train, test) row-position pairs.
    baselines
        ``"default"`` (`default_baselines`: RSI, GARD, a GLM on GARD, clinical covariates),
        a mapping name -> `ScoreBaseline` / `GLMBaseline`, or None. A baseline whose input
        is all NaN (RSI on a matrix without the RSI genes) is left out with one warning; a
        GLM keeps its columns that hold values.
    n_random_sets
        Null controls (RadSigBench used 500 random gene sets); 0 skips them. Each is a full
        cross-validation of a control model. Random gene-set controls for models with gene
        features or signature-score features (``signature_genes``) when enough genes lie
        outside the model's own; otherwise (a table, a model without genes, a model on most
        genes of the matrix) the model on permuted outcomes, so every model gets a null
        distribution. Random sets drawn from all genes would share most of their genes with
        such a model and test nothing.
    signature_genes
        Feature name -> gene IDs of the signature it scores (e.g. ``{"rsi": [...]}``); default:
        the genes of every feature named after a catalog signature
        (:func:`rtpredict.tl.catalog_feature_genes`).
    score_fn
        ``score_fn(adata, {feature: genes}) -> DataFrame`` scoring random sets; default:
        :func:`rtpredict.tl.score_as_signatures`, each set by the rule of the signature it
        stands in for (like for like).
    times
        Survival: times (years) of the time-dependent AUC; default the model's horizon, else the
        quartiles of event times. The integrated Brier score spans the 10th–90th percentiles of
        event times.
    n_ci_bootstrap, level
        Bootstrap resamples and level of the confidence intervals.
    random_state
        Seed of the splits, the bootstrap and the null controls.
    """
    table = obs_table(data)
    target = resolve_target(
        model.target,
        table.columns,
        table,
        kind=model.kind,
        objective=model.objective,
        time_unit=model.time_unit,
        positive=model.positive,
    )
    values = target.values(table)
    known = np.all(np.isfinite(np.atleast_2d(values.T)), axis=0)
    if not known.all():
        warnings.warn(
            f"{int((~known).sum())} tumours have no {target.name!r} outcome and are left out "
            "of validation.",
            UserWarning,
            stacklevel=2,
        )
        data, values = _subset(data, np.flatnonzero(known)), values[known]
        table = obs_table(data)
    kind = target.kind
    cohort = table[cohort_key].astype(str).to_numpy() if cohort_key in table.columns else None
    outcome_class = _outcome_strata(kind, values)
    splits = _splits(cv, outcome_class, table, cohort_key, n_splits, n_repeats, random_state)
    n_rep = max(s.repeat for s in splits) + 1
    eval_times, grid = _times(kind, values, times, model.horizon)
    ctx = _Context(kind, values, cohort, eval_times, grid, n_rep)

    estimator = _resolve_features(clone(model).set_params(n_bootstrap=0), data)
    oof = {"model": _model_oof(estimator, data, splits, ctx)}
    folds = oof["model"].pop("folds")
    if baselines == "default":
        baselines = default_baselines(kind, list(table.columns))
    baselines = with_input(dict(baselines or {}), table)
    for name, baseline in baselines.items():
        oof[name] = _baseline_oof(baseline, table, splits, ctx)

    rng = np.random.default_rng(random_state)
    strata = outcome_class if cohort is None else np.char.add(cohort, outcome_class.astype(str))
    boot = _bootstrap_positions(strata, n_ci_bootstrap, rng)
    weights = np.stack([np.bincount(b, minlength=len(values)) for b in boot]) if boot.size else None
    primary = PRIMARY[kind]
    if kind == "survival" and cohort is not None:
        primary += "_within_cohort"
    rows, cohort_rows, primary_of = [], [], {}
    for name, pred in oof.items():
        new_rows, estimates, draws = _summarise(name, pred, ctx, boot, weights, level)
        rows += new_rows
        primary_of[name] = (estimates.get(primary, np.nan), draws.get(primary))
        if cohort is not None:
            cohort_rows += _per_cohort(name, pred, ctx, boot, weights, level)
    metrics = pd.DataFrame(rows, columns=["predictor", "metric", "estimate", "lower", "upper"])
    model_point, model_draws = primary_of.pop("model")
    comparisons = pd.DataFrame(
        [
            _row(name, primary, model_point - point, _paired(model_draws, draws), level)
            for name, (point, draws) in primary_of.items()
        ],
        columns=["predictor", "metric", "difference", "lower", "upper"],
    )
    is_primary = (metrics.predictor == "model") & (metrics.metric == primary)
    model_primary = float(metrics.loc[is_primary, "estimate"].iloc[0])
    random_sets = _null_controls(
        estimator,
        data,
        splits,
        ctx,
        primary,
        model_primary,
        n_random_sets,
        signature_genes,
        score_fn,
        rng,
        lambda strata: (
            _splits(cv, strata, table, cohort_key, n_splits, n_repeats, random_state)
            if cv == "stratified"
            else splits  # leave-one-cohort-out and explicit splits ignore the outcome
        ),
    )
    scheme = {
        "cv": cv if isinstance(cv, str) else "explicit",
        "n_splits": len({s.fold for s in splits}),
        "n_repeats": n_rep,
        "cohort_key": cohort_key if cohort is not None else None,
        "n_tumours": len(values),
        "n_events": int(values[:, 0].sum()) if kind == "survival" else None,
        "ci": f"{level:.0%} percentile bootstrap, {n_ci_bootstrap} resamples of tumours "
        "stratified by cohort and outcome class, models fixed",
        "eval_times": None if eval_times is None else eval_times.tolist(),
        "ibs_range": None if grid is None else [float(grid[0]), float(grid[-1])],
        "random_state": random_state,
        "model_params": jsonable(estimator.get_params()),
    }
    return ValidationResult(
        kind=kind,
        primary_metric=primary,
        scheme=scheme,
        metrics=metrics,
        per_cohort=None
        if cohort is None
        else pd.DataFrame(
            cohort_rows, columns=["predictor", "cohort", "metric", "estimate", "lower", "upper"]
        ),
        comparisons=comparisons,
        folds=folds,
        baselines={"model": "the model", **{k: _describe(k, b) for k, b in baselines.items()}},
        random_sets=random_sets,
        oof=_oof_frame(oof, table.index, n_rep),
    )


@dataclass
class _Context:
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


def _splits(cv, outcome_class, table, cohort_key, n_splits, n_repeats, seed) -> list[Split]:
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


def _model_oof(
    estimator, data, splits: list[Split], ctx: _Context, outcome: np.ndarray | None = None
) -> dict:
    """Fit the model on each training fold and predict its test fold; ``outcome`` (rows of
    ``data``) replaces the data's outcome columns when given."""
    out = ctx.empty(with_survival=True)
    fold_rows = []
    models = _fit_folds(estimator, data, splits, outcome)
    for split, fitted in zip(splits, models, strict=True):
        test = _subset(data, split.test)
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
    parts = [_subset(data, split.train) for split in splits]
    ys = [None if outcome is None else outcome[split.train] for split in splits]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda part, y: clone(estimator).fit(part, y), parts, ys))


def _baseline_oof(baseline, table: pd.DataFrame, splits: list[Split], ctx: _Context) -> dict:
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


def _metric_values(ctx: _Context, pred: dict, rows: np.ndarray, repeat: int) -> dict:
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


def _summarise(
    name: str, pred: dict, ctx: _Context, boot: np.ndarray, weights, level: float
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
        for metric, value in _metric_values(ctx, pred, all_rows, r).items():
            point.setdefault(metric, []).append(value)
        per_draw = [_metric_values(ctx, pred, b, r) for b in boot]
        for metric in per_draw[0] if per_draw else ():
            draws.setdefault(metric, []).append(np.array([d[metric] for d in per_draw]))
    estimates = {m: _nanmean(v) for m, v in point.items()}
    draw_means = {m: _boot_mean(draws.get(m)) for m in point}
    rows = [_row(name, m, estimates[m], draw_means[m], level) for m in point]
    return rows, estimates, draw_means


def _per_cohort(
    name: str, pred: dict, ctx: _Context, boot: np.ndarray, weights, level: float
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
        out.append(_row(name, metric, _nanmean(point), _nanmean(draws, axis=0), level, label))
    return out


def _row(name, metric, estimate, draws, level, cohort=None) -> list:
    """One result row with a percentile interval over the finite bootstrap draws."""
    finite = draws[np.isfinite(draws)] if np.size(draws) else np.array([])
    tail = (1 - level) / 2
    lower, upper = (
        (np.quantile(finite, tail), np.quantile(finite, 1 - tail)) if finite.size else (np.nan,) * 2
    )
    head = [name] if cohort is None else [name, cohort]
    return [*head, metric, float(estimate), float(lower), float(upper)]


def _null_controls(
    estimator,
    data,
    splits: list[Split],
    ctx: _Context,
    primary: str,
    model_primary: float,
    n_sets: int,
    signature_genes: Mapping | None,
    score_fn: ScoreFn | None,
    rng: np.random.Generator,
    resplit: Callable[[np.ndarray], list[Split]],
) -> dict:
    """Cross-validate the model's null controls and place the model among them.

    Random gene-set controls when `plan_random_sets` finds they apply; otherwise the model on
    permuted outcomes (`_permuted_control`), with the reason random sets do not apply.
    ``resplit`` returns the splits for a permuted outcome's classes (new stratified folds).
    """
    if n_sets <= 0:
        return {"status": "skipped", "reason": "n_random_sets=0"}
    features = list(estimator.features)  # the obs features `_resolve_features` fixed
    if signature_genes is None and hasattr(data, "var_names"):
        from rtpredict.tl import catalog_feature_genes

        signature_genes = catalog_feature_genes(data, features)
    plan = plan_random_sets(data, list(estimator.genes or []), features, signature_genes)
    if isinstance(plan, RandomSetPlan):
        if score_fn is None:
            from rtpredict.tl import score_as_signatures as score_fn
        null = {
            "null": "random_gene_sets",
            "replaced": {"genes": len(plan.genes), "signatures": plan.signature_sizes},
        }
        scores = [
            _random_set_control(estimator, data, plan, splits, ctx, primary, score_fn, rng)
            for _ in range(n_sets)
        ]
    else:
        null = {
            "null": "permuted_outcomes",
            "reason": f"random gene sets do not apply: {plan}",
            "permuted_within": "cohort" if ctx.cohort is not None else "all tumours",
        }
        scores = [
            _permuted_control(estimator, data, ctx, primary, rng, resplit) for _ in range(n_sets)
        ]
    scores = np.asarray(scores)
    below = np.sum(scores < model_primary) + 0.5 * np.sum(scores == model_primary)
    return {
        "status": "done",
        **null,
        "n": int(n_sets),
        "metric": primary,
        "model": model_primary,
        "model_percentile": float(100 * below / scores.size),
        "p_value": float((1 + np.sum(scores >= model_primary)) / (scores.size + 1)),
        "mean": float(_nanmean(scores)),
        "quantiles": {q: float(np.nanquantile(scores, q)) for q in (0.025, 0.5, 0.975)},
        "values": scores.tolist(),
    }


def _random_set_control(
    estimator, data, plan: RandomSetPlan, splits, ctx, primary, score_fn, rng
) -> float:
    """Cross-validate the model rebuilt on one draw of random genes and signature sets."""
    genes, sets = plan.draw(rng)
    variant = random_variant(data, genes, sets, score_fn, layer=estimator.layer)
    control = clone(estimator).set_params(genes=genes or None)
    pred = _model_oof(control, variant, splits, ctx)
    pred["surv"] = None
    return _primary_value(ctx, pred, primary)


def _permuted_control(estimator, data, ctx: _Context, primary, rng, resplit) -> float:
    """Cross-validate the model on outcomes permuted between tumours (within each cohort when
    there are cohorts), on splits made for the permuted outcome (a permutation test: the
    same procedure on outcomes that no longer belong to their tumours)."""
    permutation = np.arange(len(ctx.values))
    cohort = np.zeros(permutation.size) if ctx.cohort is None else ctx.cohort
    for label in np.unique(cohort):
        rows = np.flatnonzero(cohort == label)
        permutation[rows] = rng.permutation(rows)
    values = ctx.values[permutation]
    permuted = replace(ctx, values=values)
    splits = resplit(_outcome_strata(ctx.kind, values))
    pred = _model_oof(estimator, data, splits, permuted, outcome=values)
    pred["surv"] = None
    return _primary_value(permuted, pred, primary)


def _primary_value(ctx: _Context, pred: dict, primary: str) -> float:
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
            values.append(_metric_values(ctx, pred, np.arange(len(ctx.values)), r)[primary])
    return float(_nanmean(values))


def _resolve_features(estimator, data):
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


def _outcome_strata(kind: str, values: np.ndarray) -> np.ndarray:
    """Outcome class to stratify on: event, class, or quintile of a continuous outcome."""
    if kind == "survival":
        return values[:, 0].astype(int)
    if kind == "binary":
        return values.astype(int)
    return np.searchsorted(np.quantile(values, [0.2, 0.4, 0.6, 0.8]), values)


def _bootstrap_positions(strata: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``n_boot`` stratified resamples of row positions (B x n; strata keep their sizes)."""
    if n_boot <= 0:
        return np.empty((0, strata.size), dtype=int)
    blocks = [np.flatnonzero(strata == s) for s in np.unique(strata)]
    return np.concatenate(
        [rng.choice(rows, size=(n_boot, rows.size), replace=True) for rows in blocks], axis=1
    )


def _times(kind, values, times, horizon) -> tuple[np.ndarray | None, np.ndarray | None]:
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


def _events(ctx: _Context, rows: np.ndarray) -> int | None:
    """Events (survival) or positives (binary) among ``rows``."""
    if ctx.kind == "survival":
        return int(ctx.values[rows, 0].sum())
    if ctx.kind == "binary":
        return int(ctx.values[rows].sum())
    return None


def _paired(model_draws: np.ndarray, draws: np.ndarray | None) -> np.ndarray:
    """Bootstrap draws of the model's metric minus a comparator's (NaN where it has none)."""
    if draws is None or draws.shape != model_draws.shape:
        return np.full(model_draws.shape, np.nan)
    return model_draws - draws


def _boot_mean(draws: list | None) -> np.ndarray:
    """Average bootstrap draws over repeats (empty without bootstrap)."""
    return _nanmean(draws, axis=0) if draws else np.array([])


def _nanmean(values, axis=None):
    """Mean over finite values; NaN (without a warning) where there are none."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(np.asarray(values, dtype=float), axis=axis)


def _subset(data, rows: np.ndarray):
    """Rows of an AnnData (a view) or a DataFrame by position."""
    return data[rows] if hasattr(data, "var_names") else data.iloc[rows]


def _describe(name: str, baseline) -> str:
    """A baseline's description, or a default one."""
    if baseline.description:
        return baseline.description
    return f"{type(baseline).__name__} on {', '.join(baseline.columns)}"


def _oof_frame(oof: dict, index: pd.Index, n_rep: int) -> pd.DataFrame:
    """Out-of-fold predictions as a tidy table (tumour x repeat rows, one column per predictor)."""
    frames = []
    for r in range(n_rep):
        frame = pd.DataFrame({name: pred["pred"][r] for name, pred in oof.items()}, index=index)
        frames.append(frame.assign(repeat=r))
    return pd.concat(frames)
