"""A model's predictions, uncertainty, percentiles and SHAP values as one table per tumour."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from rtpredict.models._feature import BIAS
from rtpredict.models._model import RadiosensitivityModel

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
