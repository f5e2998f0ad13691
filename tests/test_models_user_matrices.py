"""Issue 14 on users' own matrices: all-NaN features, baselines, the signature catalog link."""

from __future__ import annotations

import numpy as np
import pytest

from rtpredict import models
from rtpredict.errors import InputError
from rtpredict.models import EmptyFeatureWarning, RadiosensitivityModel
from rtpredict.models.validation import cross_validate, mean_log_expression
from tests.test_models_validation import _cohort

FAST = {"n_estimators": 20, "max_depth": 2, "learning_rate": 0.2, "n_bootstrap": 0}


@pytest.fixture(scope="module")
def cohort():
    adata, signal = _cohort(n=120, n_genes=60)
    adata.obs["buffa_hypoxia"] = adata.obs["signal_score"]
    return adata, signal


def test_default_feature_list_is_public():
    assert models.DEFAULT_FEATURES[:2] == ("rsi", "gard")
    assert "rtpredict.models.DEFAULT_FEATURES" in RadiosensitivityModel.__doc__
    assert "models._schema" not in RadiosensitivityModel.__doc__


def test_all_nan_features_and_genes_are_left_out_with_one_warning(cohort):
    adata, signal = cohort
    adata = adata.copy()
    adata.obs["rsi"] = np.nan
    adata.obs["eustace_hypoxia"] = np.nan
    adata.X[:, 1] = np.nan
    with pytest.warns(EmptyFeatureWarning) as record:
        model = RadiosensitivityModel(genes=signal[:3], **FAST).fit(adata)
    assert len(record) == 2  # one for the obs features, one for the genes
    assert "rsi" in str(record[1].message) + str(record[0].message)
    names = list(model.feature_names_in_)
    assert "rsi" not in names
    assert "eustace_hypoxia" not in names
    assert signal[1] not in names
    assert {"gard", "buffa_hypoxia", "site", signal[0], signal[2]} <= set(names)


def test_nothing_but_all_nan_features_is_refused(cohort):
    adata = cohort[0].copy()
    adata.obs["rsi"] = np.nan
    with pytest.warns(EmptyFeatureWarning), pytest.raises(InputError, match="all NaN"):
        RadiosensitivityModel(features=["rsi"], **FAST).fit(adata)


def test_cross_validate_drops_all_nan_baselines_with_one_warning(cohort):
    adata = cohort[0].copy()
    adata.obs["rsi"] = np.nan
    model = RadiosensitivityModel(features=["buffa_hypoxia", "site"], **FAST)
    with pytest.warns(UserWarning, match=r"left out: rsi \(rsi all NaN\)") as record:
        result = cross_validate(model, adata, n_splits=3, n_random_sets=0, n_ci_bootstrap=0)
    assert len(record) == 1
    assert "rsi" not in result.baselines
    assert {"gard", "gard_glm", "clinical"} <= set(result.baselines)
    assert result.metrics["estimate"].notna().all()


def test_mean_log_expression_docstring_names_the_real_default():
    doc = mean_log_expression.__doc__
    assert "The default is\n    :func:`rtpredict.tl.score_as_signatures`" in doc
    assert "The default ``score_fn``" not in doc
