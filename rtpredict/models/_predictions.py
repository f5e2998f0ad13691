"""Write a model's predictions, uncertainty, percentiles and SHAP values next to the tumours."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from rtpredict.models._model import RadiosensitivityModel
from rtpredict.models._schema import BIAS

if TYPE_CHECKING:
    from anndata import AnnData


def prediction_table(
    model: RadiosensitivityModel,
    data: AnnData | pd.DataFrame,
    *,
    horizon: float | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Return one row per tumour: prediction, uncertainty, percentile and ``shap_<feature>``.

    Columns as `RadiosensitivityModel.predict_uncertainty`, then the SHAP value of each feature
    (margin scale) and ``shap_bias``; a row's SHAP values sum to its margin.

    Parameters
    ----------
    model
        A fitted model.
    data
        AnnData or DataFrame, one row per tumour.
    horizon
        Time (years) of the event probability of survival models; default ``model.horizon``.
    level
        Coverage of the bootstrap percentile interval.

    Returns
    -------
    pandas.DataFrame
        One row per tumour.
    """
    table = model.predict_uncertainty(data, level=level, horizon=horizon)
    shap = model.explain(data)
    shap.columns = [f"shap_{'bias' if c == BIAS else c}" for c in shap.columns]
    return pd.concat([table, shap], axis=1)


def annotate_predictions(
    adata: AnnData,
    model: RadiosensitivityModel,
    *,
    key_added: str = "rtpredict",
    horizon: float | None = None,
    level: float = 0.95,
    copy: bool = False,
) -> AnnData | None:
    """Score each tumour of ``adata`` with ``model`` and store the results for the report.

    Writes ``obs[f"{key_added}_<column>"]`` for each column of
    :meth:`RadiosensitivityModel.predict_uncertainty` (prediction, sd, lower, upper, percentile,
    and event_probability… for survival models with a horizon), ``obsm[f"{key_added}_shap"]``
    (DataFrame, tumours x features, margin scale) and ``uns[f"{key_added}_prediction"]``
    (parameters, model identity, feature names, SHAP bias, global importance on this cohort and
    in training).

    Parameters
    ----------
    adata
        Tumours, with the model's features in ``obs`` (and genes in ``X`` for gene models).
    model
        A fitted model.
    key_added
        Prefix of the keys written.
    horizon
        Time (years) of the event probability of survival models; default ``model.horizon``.
    level
        Coverage of the bootstrap percentile interval.
    copy
        Annotate and return a copy instead of writing into ``adata``.

    Returns
    -------
    anndata.AnnData or None
        The annotated copy when ``copy``, else None.
    """
    adata = adata.copy() if copy else adata
    table = prediction_table(model, adata, horizon=horizon, level=level)
    store_predictions(adata, model, table, key_added=key_added, horizon=horizon, level=level)
    return adata if copy else None


def store_predictions(
    adata,
    model: RadiosensitivityModel,
    table: pd.DataFrame,
    *,
    key_added: str,
    horizon: float | None,
    level: float,
) -> None:
    """Write a `prediction_table` of ``adata`` into it, as `annotate_predictions` describes."""
    shap_columns = [c for c in table.columns if c.startswith("shap_")]
    for column in table.columns.difference(shap_columns, sort=False):
        adata.obs[f"{key_added}_{column}"] = table[column].to_numpy()
    features = table[[c for c in shap_columns if c != "shap_bias"]]
    features.columns = [c.removeprefix("shap_") for c in features.columns]
    adata.obsm[f"{key_added}_shap"] = features
    card = getattr(model, "card_", {}) or {}
    identity = {
        "target": model.target_.name,
        "kind": model.target_.kind,
        "objective": model.target_.objective,
        "prediction_scale": _scale(model),
        "intended_use": card.get("intended_use", "Research use only; not clinically validated."),
    }
    for key in ("name", "title", "trained_on"):
        if card.get(key):
            identity[key] = card[key]
    if card:
        identity["sha256"] = card["files"]["model"]["sha256"]
    horizon = model.horizon if horizon is None else horizon
    adata.uns[f"{key_added}_prediction"] = {
        "params": {"level": level, **({"horizon": horizon} if horizon is not None else {})},
        "model": identity,
        "feature_names": list(features.columns),
        "shap_bias": float(table["shap_bias"].iloc[0]) if len(table) else 0.0,
        "global_importance": {k: float(v) for k, v in features.abs().mean().items()},
        "training_global_importance": {k: float(v) for k, v in model.global_importance_.items()},
    }


def _scale(model: RadiosensitivityModel) -> str:
    """Describe what ``prediction`` means for this model."""
    objective = model.target_.objective
    if objective == "survival:cox":
        return "log hazard ratio vs the average training tumour (higher = earlier event)"
    if objective == "survival:aft":
        return "minus log time ratio vs the average training tumour (higher = earlier event)"
    if objective == "binary:logistic":
        return "probability of class 1"
    return f"predicted {model.target_.name}"
