"""Names in words of validation metrics and predictors (figure labels, report tables)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

METRICS = {
    "c_index": "Harrell's C-index",
    "c_index_within_cohort": "C-index within cohorts",
    "td_auc_5y": "AUC at 5 years (time-dependent)",
    "ibs": "integrated Brier score (lower is better)",
    "auc": "ROC AUC",
    "auroc": "ROC AUC",
    "brier": "Brier score (lower is better)",
    "r2": "R²",
    "spearman": "Spearman correlation",
}
#: metrics where a lower value is better
LOWER_IS_BETTER = frozenset({"ibs", "brier"})
#: the value of each metric for a predictor that ranks at random
CHANCE = {
    "c_index": 0.5,
    "c_index_within_cohort": 0.5,
    "td_auc_5y": 0.5,
    "auc": 0.5,
    "auroc": 0.5,
    "r2": 0.0,
    "spearman": 0.0,
}
#: short names of the validation baselines, for figure labels (the card describes them fully)
PREDICTORS = {
    "model": "This model",
    "rsi": "RSI alone",
    "gard": "GARD alone",
    "gard_glm": "Cox on GARD",
    "gard_cox": "Cox on GARD",
    "gard_cox_by_cohort": "Cox on GARD, by cohort",
    "gard_rt_cox_by_cohort": "Cox on GARD × RT, by cohort",
    "clinical": "Clinical covariates",
}


def metric_label(metric: str) -> str:
    """Return a metric's name in words."""
    return METRICS.get(metric, metric.replace("_", " "))


def predictor_label(predictor: str) -> str:
    """Return a validation predictor's short name."""
    return PREDICTORS.get(predictor, predictor.replace("_", " ")[:40])


def null_label(sets: Mapping[str, Any]) -> str:
    """Name a validation's null controls (its ``random_sets`` block)."""
    if sets.get("null") == "permuted_outcomes":
        return "permuted-outcome controls"
    return "random gene-set controls"
