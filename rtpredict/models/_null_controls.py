"""Null controls of a validation: random gene sets, or permuted outcomes where they do not apply."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

import numpy as np
from sklearn.base import clone

from rtpredict.models._fold_metrics import nanmean, primary_value
from rtpredict.models._folds import Context, model_oof, outcome_strata
from rtpredict.models._random_sets import RandomSetPlan, ScoreFn, plan_random_sets, random_variant
from rtpredict.models._splits import Split


def null_controls(
    estimator,
    data,
    splits: list[Split],
    ctx: Context,
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
    features = list(estimator.features)  # the obs features `resolve_features` fixed
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
        "mean": float(nanmean(scores)),
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
    pred = model_oof(control, variant, splits, ctx)
    pred["surv"] = None
    return primary_value(ctx, pred, primary)


def _permuted_control(estimator, data, ctx: Context, primary, rng, resplit) -> float:
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
    splits = resplit(outcome_strata(ctx.kind, values))
    pred = model_oof(estimator, data, splits, permuted, outcome=values)
    pred["surv"] = None
    return primary_value(permuted, pred, primary)
