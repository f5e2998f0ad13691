"""XGBoost's side of the models: training parameters, bins and column share, DMatrix building."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import xgboost as xgb

from rtpredict.errors import InputError

AFT_DISTRIBUTIONS = ("normal", "logistic", "extreme")
_EVAL_METRIC = {
    "reg:squarederror": "rmse",
    "binary:logistic": "logloss",
    "survival:cox": "cox-nloglik",
    "survival:aft": "aft-nloglik",
}
#: more features than this make a model wide (gene-level): "auto" then bins and samples columns
WIDE_FEATURES = 1000
#: XGBoost's ``max_bin`` and ``colsample_bytree`` for "auto": narrow models, wide models
DEFAULT_BINS, WIDE_BINS = 256, 32
DEFAULT_COLSAMPLE, WIDE_COLSAMPLE = 1.0, 0.3


def xgb_params(
    objective: str,
    params: Mapping[str, Any],
    *,
    seed: int,
    nthread: int | None = None,
    base_score: float | None = None,
) -> dict:
    """Return XGBoost training parameters from `RadiosensitivityModel`'s parameter names
    (``learning_rate``, ``max_depth``, …), for central and federated training alike."""
    out = {
        "objective": objective,
        "eval_metric": _EVAL_METRIC[objective],
        "eta": float(params["learning_rate"]),
        "max_depth": int(params["max_depth"]),
        "min_child_weight": float(params["min_child_weight"]),
        "subsample": float(params["subsample"]),
        "colsample_bytree": float(params["colsample_bytree"]),
        "lambda": float(params["reg_lambda"]),
        "alpha": float(params["reg_alpha"]),
        "tree_method": "hist",
        "max_bin": int(params.get("max_bin", DEFAULT_BINS)),
        "seed": int(seed),
    }
    if base_score is not None:
        out["base_score"] = float(base_score)
    if nthread is not None:
        out["nthread"] = int(nthread)
    if objective == "survival:aft":
        out["aft_loss_distribution"] = params["aft_distribution"]
        out["aft_loss_distribution_scale"] = float(params["aft_scale"])
    return out


def tree_params(max_bin: int | str, colsample_bytree: float | str, n_features: int) -> dict:
    """Resolve ``"auto"`` bins and column share for a model of ``n_features`` features.

    A wide model (more than `WIDE_FEATURES`, e.g. thousands of genes) gets `WIDE_BINS` bins
    and `WIDE_COLSAMPLE` of its features per tree, a narrow one XGBoost's defaults: XGBoost
    weighs every bin of every feature at every node, so a wide model's time goes there.
    """
    wide = n_features > WIDE_FEATURES
    if max_bin == "auto":
        max_bin = WIDE_BINS if wide else DEFAULT_BINS
    if colsample_bytree == "auto":
        colsample_bytree = WIDE_COLSAMPLE if wide else DEFAULT_COLSAMPLE
    if isinstance(max_bin, str) or int(max_bin) < 2:
        raise InputError(f"max_bin must be 'auto' or an integer >= 2; got {max_bin!r}.")
    if isinstance(colsample_bytree, str) or not 0 < float(colsample_bytree) <= 1:
        raise InputError(f"colsample_bytree must be 'auto' or in (0, 1]; got {colsample_bytree!r}.")
    return {"max_bin": int(max_bin), "colsample_bytree": float(colsample_bytree)}


def n_workers(n_jobs: int | None) -> int:
    """Return how many threads ``n_jobs`` stands for: every core for None or a value below 1."""
    if n_jobs is None or n_jobs < 1:
        return os.cpu_count() or 1
    return int(n_jobs)


def make_dmatrix(
    data: pd.DataFrame | np.ndarray,
    values: np.ndarray | None,
    objective: str,
    *,
    nthread: int = -1,
    feature_names: Sequence[str] | None = None,
    feature_types: Sequence[str] | None = None,
) -> xgb.DMatrix:
    """Build the DMatrix of ``data``, with labels (Cox: signed times; AFT: interval bounds)
    when ``values`` are given.

    ``data`` is a frame (feature names and types taken from its columns) or an array, named and
    typed by ``feature_names`` and ``feature_types`` (``"c"`` for categorical codes) when given.
    """
    matrix = xgb.DMatrix(
        data,
        enable_categorical=True,
        nthread=nthread,
        feature_names=feature_names,
        feature_types=feature_types,
    )
    if values is None:
        return matrix
    if objective == "survival:cox":
        matrix.set_label(np.where(values[:, 0] == 1, values[:, 1], -values[:, 1]))
    elif objective == "survival:aft":
        matrix.set_float_info("label_lower_bound", values[:, 1])
        matrix.set_float_info(
            "label_upper_bound", np.where(values[:, 0] == 1, values[:, 1], np.inf)
        )
    else:
        matrix.set_label(values)
    return matrix
