"""Radiosensitivity models: XGBoost fitted, validated, explained and saved safely.

Research use only: no model here is clinically validated.
"""

from __future__ import annotations

from rtpredict.models._default import available_defaults, default_reference, load_default
from rtpredict.models._feature import DEFAULT_FEATURES, EmptyFeatureWarning, UnseenCategoryWarning
from rtpredict.models._io import load_model, save_model
from rtpredict.models._model import RadiosensitivityModel
from rtpredict.models._predictions import prediction_table

__all__ = [
    "DEFAULT_FEATURES",
    "EmptyFeatureWarning",
    "RadiosensitivityModel",
    "UnseenCategoryWarning",
    "available_defaults",
    "default_reference",
    "load_default",
    "load_model",
    "prediction_table",
    "save_model",
]
