"""Model card: everything needed to use, audit and rebuild a fitted model, as plain JSON."""

from __future__ import annotations

import math
import platform
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version

import numpy as np
import pandas as pd
import xgboost as xgb

from rtpredict._time import utc_now
from rtpredict.errors import InputError
from rtpredict.models._ensemble import Member
from rtpredict.models._model import RadiosensitivityModel
from rtpredict.models._schema import FeatureSchema
from rtpredict.models._target import Target
from rtpredict.models._xgb import tree_params

CARD_FORMAT = "rtpredict-model-card"
CARD_VERSION = 1
RESEARCH_USE = (
    "Research use only. Not clinically validated and not a medical device: do not use it to "
    "choose or change any patient's treatment."
)
#: descriptive fields a caller may set on the card (text, except data_handling: any JSON)
INFO_FIELDS = (
    "name",
    "title",
    "description",
    "trained_on",
    "data_source",
    "data_handling",
    "licence",
    "intended_use",
    "created",
)


def build_card(
    model: RadiosensitivityModel,
    *,
    files: Mapping[str, dict],
    info: Mapping | None = None,
    validation: Mapping | None = None,
) -> dict:
    """Describe a fitted model: schema, target, training cohort, validation, versions, files.

    ``info`` may set `INFO_FIELDS`; ``created`` defaults to ``$SOURCE_DATE_EPOCH`` (reproducible
    builds) or the current UTC time.
    """
    info = dict(info or {})
    unknown = set(info) - set(INFO_FIELDS)
    if unknown:
        raise InputError(f"unknown model card field(s) {sorted(unknown)}; allowed: {INFO_FIELDS}.")
    card = {
        "format": CARD_FORMAT,
        "format_version": CARD_VERSION,
        **{field: info.get(field) for field in INFO_FIELDS[:-2]},
        "intended_use": info.get("intended_use") or RESEARCH_USE,
        "created": info.get("created") or _now(),
        "target": {**model.target_.to_dict(), "horizon_years": model.horizon},
        "feature_schema": model.feature_schema_.to_dict(),
        "params": _params(model),
        "training": model.training_summary_,
        "sample_id_register": model.id_register_,
        "state": {
            "n_estimators": int(model.n_estimators_),
            "tree_params": dict(model.tree_params_),
            **member_state(Member(model.booster_, model.risk_offset_, model.baseline_hazard_)),
            "training_prediction_quantiles": model.training_quantiles_.tolist(),
            "global_importance": {k: float(v) for k, v in model.global_importance_.items()},
        },
        "validation": dict(validation) if validation is not None else None,
        "versions": versions(),
        "files": dict(files),
    }
    return jsonable(card)


def member_state(member: Member) -> dict:
    """Return the JSON state that turns a member's margin into predictions."""
    hazard = None
    if member.baseline_hazard is not None:
        knots, values = member.baseline_hazard
        hazard = {"times": knots.tolist(), "cumulative_hazard": values.tolist()}
    return {"risk_offset": float(member.risk_offset), "baseline_hazard": hazard}


def restore_member(booster: xgb.Booster, state: Mapping) -> Member:
    """Rebuild a member from its booster and `member_state` output."""
    hazard = state.get("baseline_hazard")
    if hazard is not None:
        times, values = hazard["times"], hazard["cumulative_hazard"]
        hazard = (np.asarray(times, dtype=float), np.asarray(values, dtype=float))
    return Member(booster, float(state["risk_offset"]), hazard)


def restore_model(
    card: Mapping, main: xgb.Booster, bootstrap: list[Member]
) -> RadiosensitivityModel:
    """Rebuild a fitted model from its card and boosters; InputError if the card is malformed."""
    try:
        params = dict(card["params"])
        if isinstance(params.get("target"), list):
            params["target"] = tuple(params["target"])
        model = RadiosensitivityModel(**params)
        target = card["target"]
        model.target_ = Target(
            target["name"],
            target["kind"],
            target["objective"],
            tuple(target["columns"]),
            time_unit=target.get("time_unit", "years"),
            positive=target.get("positive"),
        )
        model.feature_schema_ = FeatureSchema.from_dict(card["feature_schema"])
        state = card["state"]
        member = restore_member(main, state)
        model.n_estimators_ = int(state["n_estimators"])
        model.tree_params_ = state.get(
            "tree_params"
        ) or tree_params(  # cards written before tree_params
            model.max_bin, model.colsample_bytree, len(model.feature_schema_.names)
        )
        model.training_quantiles_ = np.asarray(state["training_prediction_quantiles"], float)
        model.global_importance_ = pd.Series(state["global_importance"], dtype=float)
        model.training_summary_ = card["training"]
        model.id_register_ = card["sample_id_register"]
    except (KeyError, TypeError, ValueError) as err:
        raise InputError(f"model card is malformed or from another version: {err!r}") from err
    model.feature_names_in_ = np.asarray(model.feature_schema_.names, dtype=object)
    model.n_features_in_ = len(model.feature_names_in_)
    model.booster_, model.risk_offset_ = member.booster, member.risk_offset
    model.baseline_hazard_ = member.baseline_hazard
    model.bootstrap_ = bootstrap
    model.card_ = dict(card)
    return model


def versions() -> dict:
    """Return the versions of Python and of the packages that shape a model's predictions."""
    out = {"python": platform.python_version()}
    for package in (
        "rtpredict",
        "xgboost",
        "numpy",
        "pandas",
        "scipy",
        "scikit-learn",
        "lifelines",
    ):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = None
    return out


def jsonable(obj):
    """Convert NumPy scalars and arrays to plain Python, and NaN / infinity to None."""
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer, int)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        return float(obj) if math.isfinite(obj) else None
    return obj


def _params(model: RadiosensitivityModel) -> dict:
    """Return the estimator parameters as JSON values."""
    params = model.get_params(deep=False)
    for key in ("target", "features", "genes"):
        if params[key] is not None and not isinstance(params[key], str):
            params[key] = list(params[key])
    return params


def _now() -> str:
    """Return the build time as ISO 8601 UTC, from ``$SOURCE_DATE_EPOCH`` when set."""
    return utc_now().isoformat()
