"""Score the tumours of an AnnData with a fitted model: predictions, uncertainty, SHAP values."""

from __future__ import annotations

from typing import TYPE_CHECKING

from anndata import AnnData

if TYPE_CHECKING:  # a model is used through its methods: rtpredict.models sits above rtpredict.tl
    from rtpredict.models import RadiosensitivityModel

#: the SHAP column of the bias term in `RadiosensitivityModel.explain`
_BIAS = "(bias)"


def predict(
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
    :meth:`~rtpredict.models.RadiosensitivityModel.predict_uncertainty` (prediction, sd,
    lower, upper, percentile, and event_probability… for survival models with a horizon),
    ``obsm[f"{key_added}_shap"]`` (DataFrame, tumours x features, SHAP values on the margin
    scale) and ``uns[f"{key_added}_prediction"]``: ``params`` (level, horizon), ``model``
    (target, kind, objective, prediction scale, intended use and, for a saved model, name,
    title, training data and SHA-256), ``columns`` (the ``obs`` columns written, without the
    prefix), ``feature_names``, ``shap_bias``, and the mean absolute SHAP value of each feature
    on this cohort (``global_importance``) and in training (``training_global_importance``).

    Parameters
    ----------
    adata
        Tumours, with the model's features in ``obs`` (and genes in ``X`` for gene models).
    model
        A fitted `rtpredict.models.RadiosensitivityModel` (e.g. from
        :func:`~rtpredict.models.load_model` or :func:`~rtpredict.models.load_default`).
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

    Examples
    --------
    >>> import rtpredict as rp
    >>> model = rp.models.load_default("recurrence")  # doctest: +SKIP
    >>> rp.tl.predict(adata, model, key_added="recurrence", horizon=5)  # doctest: +SKIP
    >>> adata.obs["recurrence_event_probability"]  # doctest: +SKIP
    """
    adata = adata.copy() if copy else adata
    table = model.predict_uncertainty(adata, level=level, horizon=horizon)
    shap = model.explain(adata)
    for column in table.columns:
        adata.obs[f"{key_added}_{column}"] = table[column].to_numpy()
    features = shap.drop(columns=_BIAS)
    adata.obsm[f"{key_added}_shap"] = features
    horizon = model.horizon if horizon is None else horizon
    adata.uns[f"{key_added}_prediction"] = {
        "params": {"level": level, **({"horizon": horizon} if horizon is not None else {})},
        "model": _identity(model),
        "columns": list(table.columns),
        "feature_names": list(features.columns),
        "shap_bias": float(shap[_BIAS].iloc[0]) if len(shap) else 0.0,
        "global_importance": {k: float(v) for k, v in features.abs().mean().items()},
        "training_global_importance": {k: float(v) for k, v in model.global_importance_.items()},
    }
    return adata if copy else None


def _identity(model: RadiosensitivityModel) -> dict:
    """What the model is: target, scale of its predictions, intended use; its card's name."""
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
    return identity


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
