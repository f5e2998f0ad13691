"""Issue 14 on users' own matrices: all-NaN features, baselines, the signature catalog link,
gene-level models' fitting speed and null distribution."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import xgboost as xgb
from scipy.special import expit

from rtpredict import models
from rtpredict import tl as rtl
from rtpredict.errors import InputError
from rtpredict.models import EmptyFeatureWarning, RadiosensitivityModel
from rtpredict.models._model import make_dmatrix
from rtpredict.models.validation import cross_validate, mean_log_expression
from rtpredict.report._models import random_sets_text
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


# ------------------------------------------------------- gene-level models: fitting speed
def test_boosting_rounds_do_not_reread_feature_names(cohort, monkeypatch):
    """XGBoost re-reads and compares a named matrix's feature names at every round (a third of
    each round with 5,000 genes): boosters train on an unnamed matrix and are named after."""
    adata, _ = cohort
    original = xgb.DMatrix.feature_names
    reads = []

    def counted(matrix):
        names = original.fget(matrix)
        if names:
            reads.append(len(names))
        return names

    monkeypatch.setattr(xgb.DMatrix, "feature_names", property(counted, original.fset))
    genes = list(adata.var_names)
    model = RadiosensitivityModel(
        features=["site"], genes=genes, n_estimators=40, max_depth=2, n_bootstrap=2
    ).fit(adata)
    assert len(reads) < 10  # before: at each of the 40 rounds of each of the 3 boosters
    for booster in (model.booster_, *(m.booster for m in model.bootstrap_)):
        assert booster.feature_names == ["site", *genes]
        assert booster.feature_types == ["c"] + ["float"] * len(genes)


@pytest.mark.parametrize(
    ("target", "objective"),
    [("recurrence", None), ("recurrence", "survival:aft"), ("response", None)],
)
def test_boosters_and_predictions_are_those_of_named_pandas_matrices(cohort, target, objective):
    """Same seeds, same boosters, byte for byte: training unnamed, bootstrap rows sliced from
    one matrix and predicting from a float32 array change the speed, not the model."""
    adata = cohort[0].copy()
    adata.obs.loc[adata.obs_names[:8], "site"] = np.nan
    adata.X[:5, 1] = np.nan
    model = RadiosensitivityModel(
        target,
        objective=objective,
        features=["rsi", "site"],
        genes=list(adata.var_names[:20]),
        n_estimators=15,
        max_depth=3,
        n_bootstrap=3,
        n_jobs=2,
    ).fit(adata)
    frame = model.feature_schema_.frame(adata)
    values = model.target_.values(adata.obs)

    def pandas_booster(rows, params):
        train = make_dmatrix(frame.iloc[rows], values[rows], model.target_.objective)
        return xgb.train(params, train, num_boost_round=15)

    expected = [pandas_booster(np.arange(len(frame)), model._xgb_params(model.random_state))]
    expected += [
        pandas_booster(rows, model._xgb_params(seed, nthread=1))
        for rows, seed in model._bootstrap_rows(values)
    ]
    fitted = [model.booster_, *(m.booster for m in model.bootstrap_)]
    for booster, pandas in zip(fitted, expected, strict=True):
        assert bytes(booster.save_raw("json")) == bytes(pandas.save_raw("json"))
    reference = make_dmatrix(frame, None, model.target_.objective)
    np.testing.assert_array_equal(
        model.predict_margin(adata), expected[0].predict(reference, output_margin=True)
    )
    np.testing.assert_array_equal(
        model.explain(adata).to_numpy(), expected[0].predict(reference, pred_contribs=True)
    )


def _meeting_train(monkeypatch, meets):
    """Patch xgb.train to record each call's threads and make the calls ``meets`` selects wait
    for each other in pairs (so two of them must run at once, or the wait times out)."""
    train, threads = xgb.train, []
    pair = threading.Barrier(2, timeout=20)

    def spy(params, dtrain, **kwargs):
        threads.append(params["nthread"])
        if meets(params):
            pair.wait()
        return train(params, dtrain, **kwargs)

    monkeypatch.setattr(xgb, "train", spy)
    return threads


def test_bootstrap_boosters_train_n_jobs_at_a_time(cohort, monkeypatch):
    adata, signal = cohort
    threads = _meeting_train(monkeypatch, lambda params: params["seed"] != 0)
    model = RadiosensitivityModel(genes=signal, n_estimators=5, n_bootstrap=4, n_jobs=2)
    model.fit(adata)
    assert threads == [2, 1, 1, 1, 1]  # the main booster on both threads, then one each
    assert len(model.bootstrap_) == 4


def test_cross_validation_fits_n_jobs_folds_at_a_time_without_bootstrap(cohort, monkeypatch):
    adata, signal = cohort
    threads = _meeting_train(monkeypatch, lambda params: True)
    model = RadiosensitivityModel(genes=signal, n_estimators=5, n_jobs=2)  # n_bootstrap=20
    cross_validate(model, adata, n_splits=4, n_random_sets=0, n_ci_bootstrap=0, baselines=None)
    assert threads == [1, 1, 1, 1]  # one booster per fold: no bootstrap boosters in folds


# ---------------------------------------------------- gene-level models: null distribution
@pytest.mark.parametrize("features", [[], ["rsi"]])
def test_a_model_on_every_gene_gets_a_permuted_outcome_null(cohort, features):
    adata = cohort[0][:, :20].copy()  # the 10 signal genes and 10 others
    model = RadiosensitivityModel(features=features, genes=list(adata.var_names), **FAST)
    result = cross_validate(
        model, adata, n_splits=3, n_random_sets=6, n_ci_bootstrap=0, baselines=None
    )
    sets = result.random_sets
    assert sets["status"] == "done"  # before: "not applicable"
    assert sets["null"] == "permuted_outcomes"
    assert sets["permuted_within"] == "cohort"
    assert "only 0 genes outside the model's own to draw 20 from" in sets["reason"]
    assert len(sets["values"]) == 6
    assert abs(sets["mean"] - 0.5) < 0.1  # permuted outcomes: chance level
    assert sets["model_percentile"] == 100.0  # the planted signal beats them
    text = random_sets_text(result.to_dict())
    assert text.startswith("Against 6 permuted-outcome controls (the same model")
    assert "shuffled between tumours within cohorts" in text


@pytest.mark.parametrize("cv", ["stratified", "cohort"])
def test_permuted_outcomes_stay_within_cohorts(cohort, monkeypatch, cv):
    adata, _ = cohort
    original = RadiosensitivityModel.fit
    outcomes = adata.obs[["recurrence_event", "recurrence_years"]].to_numpy()
    own = {tuple(v): c for v, c in zip(outcomes.tolist(), adata.obs.cohort, strict=True)}
    checked = []

    def fit(self, X, y=None):
        if y is not None:
            assert [own[tuple(v)] for v in y.tolist()] == list(X.obs.cohort)
            checked.append(not np.array_equal(y, X.obs[["recurrence_event", "recurrence_years"]]))
        return original(self, X, y)

    monkeypatch.setattr(RadiosensitivityModel, "fit", fit)
    model = RadiosensitivityModel(features=[], genes=list(adata.var_names), **FAST)
    options = {"n_random_sets": 2, "n_ci_bootstrap": 0, "baselines": None}
    cross_validate(model, adata, cv=cv, n_splits=3, **options)
    assert len(checked) == 2 * 3  # two controls x three folds (or cohorts), all permuted
    assert all(checked)
