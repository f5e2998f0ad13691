"""Radiosensitivity models: XGBoost fitted, validated, explained and saved safely.

Research use only: no model here is clinically validated.
"""

from __future__ import annotations

from rtpredict.models._default import available_defaults, default_reference, load_default
from rtpredict.models._feature import DEFAULT_FEATURES, EmptyFeatureWarning, UnseenCategoryWarning
from rtpredict.models._io import load_model, save_model
from rtpredict.models._model import RadiosensitivityModel
from rtpredict.models._predictions import prediction_table
from rtpredict.models.validation import (
    GLMBaseline,
    ScoreBaseline,
    ValidationResult,
    cross_validate,
    default_baselines,
    mean_log_expression,
)

__all__ = [
    "DEFAULT_FEATURES",
    "EmptyFeatureWarning",
    "GLMBaseline",
    "RadiosensitivityModel",
    "ScoreBaseline",
    "UnseenCategoryWarning",
    "ValidationResult",
    "available_defaults",
    "cross_validate",
    "default_baselines",
    "default_reference",
    "load_default",
    "load_model",
    "mean_log_expression",
    "prediction_table",
    "save_model",
]
