"""Issue 14 on users' own matrices: all-NaN features, baselines, the signature catalog link."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from rtpredict import models
from rtpredict import tl as rtl
from rtpredict.errors import InputError
from rtpredict.models import EmptyFeatureWarning, RadiosensitivityModel
from rtpredict.models.validation import cross_validate, mean_log_expression
from rtpredict.signatures import signature_columns
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


@pytest.fixture(scope="module")
def prefixed():
    """Catalog genes scored under a key_added prefix, with a binary outcome."""
    from tests.test_tl_score_signatures import cohort as expression_cohort

    adata = expression_cohort(90, seed=40, n_background=120)
    rtl.score_signatures(adata, ["eustace_hypoxia"], key_added="hx")
    score = adata.obs["hx_eustace_hypoxia"].to_numpy()
    rng = np.random.default_rng(0)
    adata.obs["response"] = rng.uniform(size=adata.n_obs) < expit(4 * (score - score.mean()))
    adata.obs["response"] = adata.obs["response"].astype(int)
    return adata


def test_prefixed_signature_columns_keep_their_catalog_link(prefixed):
    model = RadiosensitivityModel("response", **FAST).fit(prefixed)
    assert list(model.feature_names_in_) == ["hx_eustace_hypoxia"]
    assert rtl.catalog_feature_genes(prefixed, ["hx_eustace_hypoxia"])["hx_eustace_hypoxia"]
    assert signature_columns(prefixed) == {"hx_eustace_hypoxia": "eustace_hypoxia"}


def test_random_controls_apply_to_prefixed_signature_columns(prefixed):
    model = RadiosensitivityModel("response", features=["hx_eustace_hypoxia"], **FAST)
    result = cross_validate(
        model, prefixed, n_splits=3, n_random_sets=2, n_ci_bootstrap=0, baselines=None
    )
    assert result.random_sets["status"] == "done"
    assert result.random_sets["replaced"]["signatures"] == {"hx_eustace_hypoxia": 26}


def test_score_rsi_records_its_column_link():
    from tests.test_tl_score_signatures import cohort as expression_cohort

    adata = expression_cohort(5, seed=41, n_background=10)
    rtl.score_rsi(adata, key_added="my_rsi")
    assert adata.uns["my_rsi"]["columns"] == {"my_rsi": "rsi"}
    assert signature_columns(adata) == {"my_rsi": "rsi"}
