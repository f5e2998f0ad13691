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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.base import clone

from rtpredict.models._baselines import (
    GLMBaseline,
    ScoreBaseline,
    default_baselines,
    with_input,
)
from rtpredict.models._card import jsonable
from rtpredict.models._fold_metrics import (
    bootstrap_positions,
    paired_draws,
    per_cohort_rows,
    result_row,
    summarise,
)
from rtpredict.models._folds import (
    Context,
    baseline_oof,
    describe,
    evaluation_times,
    make_splits,
    model_oof,
    oof_frame,
    outcome_strata,
    resolve_features,
    subset_rows,
)
from rtpredict.models._model import RadiosensitivityModel
from rtpredict.models._null_controls import null_controls
from rtpredict.models._random_sets import (
    ScoreFn,
    mean_log_expression,
)
from rtpredict.models._schema import obs_table
from rtpredict.models._target import resolve_target

if TYPE_CHECKING:
    from anndata import AnnData

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
    """Out-of-fold performance of a model and its comparators (built by `cross_validate`).

    Parameters
    ----------
    kind
        The outcome's kind: ``"regression"``, ``"binary"`` or ``"survival"``.
    primary_metric
        The metric the model is ranked by (``"c_index"``, ``"auroc"`` or ``"r2"``).
    scheme
        The cross-validation: scheme, folds, repeats, cohort column, tumours and events, the
        CI method, evaluation times.
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
        """Return (estimate, lower, upper) of one predictor's metric.

        Parameters
        ----------
        predictor
            ``"model"``, a baseline's name or a null control's.
        metric
            A metric of the ``metrics`` table (``"c_index"``, ``"auroc"``, ``"r2"``…).

        Returns
        -------
        tuple of float
            The estimate and its CI bounds.
        """
        row = self.metrics[(self.metrics.predictor == predictor) & (self.metrics.metric == metric)]
        if row.empty:
            raise KeyError(f"no {metric!r} for predictor {predictor!r}")
        return tuple(float(v) for v in row[["estimate", "lower", "upper"]].iloc[0])

    def summary(self, digits: int = 3) -> pd.DataFrame:
        """Return a predictor x metric table of 'estimate (lower–upper)' strings.

        Parameters
        ----------
        digits
            Decimals of each number.

        Returns
        -------
        pandas.DataFrame
            One row per predictor, one column per metric; empty where a metric is NaN.
        """
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
        """Return the aggregate results as JSON values (no per-tumour data).

        Returns
        -------
        dict
            What the model card's ``validation`` section holds.
        """
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
    data: AnnData | pd.DataFrame,
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
    n_splits, n_repeats
        Folds and repeats of ``cv="stratified"``.
    cohort_key
        Column of the cohorts (``cv="cohort"``, per-cohort metrics, permutations within
        cohorts).
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

    Returns
    -------
    ValidationResult
        Metrics with CIs of the model, the baselines and the null controls, and the
        out-of-fold predictions.
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
        data, values = subset_rows(data, np.flatnonzero(known)), values[known]
        table = obs_table(data)
    kind = target.kind
    cohort = table[cohort_key].astype(str).to_numpy() if cohort_key in table.columns else None
    outcome_class = outcome_strata(kind, values)
    splits = make_splits(cv, outcome_class, table, cohort_key, n_splits, n_repeats, random_state)
    n_rep = max(s.repeat for s in splits) + 1
    eval_times, grid = evaluation_times(kind, values, times, model.horizon)
    ctx = Context(kind, values, cohort, eval_times, grid, n_rep)

    estimator = resolve_features(clone(model).set_params(n_bootstrap=0), data)
    oof = {"model": model_oof(estimator, data, splits, ctx)}
    folds = oof["model"].pop("folds")
    if baselines == "default":
        baselines = default_baselines(kind, list(table.columns))
    baselines = with_input(dict(baselines or {}), table)
    for name, baseline in baselines.items():
        oof[name] = baseline_oof(baseline, table, splits, ctx)

    rng = np.random.default_rng(random_state)
    strata = outcome_class if cohort is None else np.char.add(cohort, outcome_class.astype(str))
    boot = bootstrap_positions(strata, n_ci_bootstrap, rng)
    weights = np.stack([np.bincount(b, minlength=len(values)) for b in boot]) if boot.size else None
    primary = PRIMARY[kind]
    if kind == "survival" and cohort is not None:
        primary += "_within_cohort"
    rows, cohort_rows, primary_of = [], [], {}
    for name, pred in oof.items():
        new_rows, estimates, draws = summarise(name, pred, ctx, boot, weights, level)
        rows += new_rows
        primary_of[name] = (estimates.get(primary, np.nan), draws.get(primary))
        if cohort is not None:
            cohort_rows += per_cohort_rows(name, pred, ctx, boot, weights, level)
    metrics = pd.DataFrame(rows, columns=["predictor", "metric", "estimate", "lower", "upper"])
    model_point, model_draws = primary_of.pop("model")
    comparisons = pd.DataFrame(
        [
            result_row(name, primary, model_point - point, paired_draws(model_draws, draws), level)
            for name, (point, draws) in primary_of.items()
        ],
        columns=["predictor", "metric", "difference", "lower", "upper"],
    )
    is_primary = (metrics.predictor == "model") & (metrics.metric == primary)
    model_primary = float(metrics.loc[is_primary, "estimate"].iloc[0])
    random_sets = null_controls(
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
            make_splits(cv, strata, table, cohort_key, n_splits, n_repeats, random_state)
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
        baselines={"model": "the model", **{k: describe(k, b) for k, b in baselines.items()}},
        random_sets=random_sets,
        oof=oof_frame(oof, table.index, n_rep),
    )
