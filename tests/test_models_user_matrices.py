"""Issue 14 on users' own matrices: all-NaN features, baselines, the signature catalog link,
gene-level models' fitting speed and null distribution."""

from __future__ import annotations

import json
import threading

import anndata as ad
import numpy as np
import pytest
import xgboost as xgb
from scipy.special import expit

from rtpredict import models
from rtpredict import tl as rtl
from rtpredict.errors import InputError
from rtpredict.models import EmptyFeatureWarning, RadiosensitivityModel
from rtpredict.models._xgb import make_dmatrix
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


# ----------------------------------------------------------- outcomes as users keep them (9)


def test_survival_times_in_months_are_converted_to_years_and_recorded(cohort, tmp_path):
    adata = cohort[0].copy()
    features = ["buffa_hypoxia", "rsi", "site"]
    in_years = RadiosensitivityModel("recurrence", features=features, **FAST).fit(adata)
    adata.obs["recurrence_months"] = adata.obs.pop("recurrence_years") * 12
    model = RadiosensitivityModel("recurrence", features=features, time_unit="months", **FAST)
    model.fit(adata)
    np.testing.assert_allclose(model.predict(adata), in_years.predict(adata), rtol=1e-6)
    assert model.target_.columns == ("recurrence_event", "recurrence_months")
    assert model.training_summary_["time_years"] == pytest.approx(
        in_years.training_summary_["time_years"]
    )
    models.save_model(model, tmp_path / "m.json")
    loaded = models.load_model(tmp_path / "m.json")
    assert loaded.card_["target"]["time_unit"] == "months"
    assert loaded.target_.time_unit == "months"
    np.testing.assert_allclose(loaded.predict(adata), model.predict(adata))


def test_days_pair_and_unknown_unit(cohort):
    from rtpredict.models._target import resolve_target

    adata = cohort[0]
    frame = adata.obs.assign(rfs_days=adata.obs["recurrence_years"] * 365.25)
    target = resolve_target(("recurrence_event", "rfs_days"), frame.columns, time_unit="days")
    np.testing.assert_allclose(target.values(frame)[:, 1], adata.obs["recurrence_years"])
    with pytest.raises(InputError, match=r"time_unit 'fortnights' is not one of .*'months'"):
        resolve_target("recurrence", frame.columns, time_unit="fortnights")
    with pytest.raises(InputError, match=r"must be > 0; .* \(days\)"):
        target.values(frame.assign(rfs_days=0.0))


def test_yes_no_and_boolean_outcomes_train_like_zero_one(cohort):
    adata = cohort[0].copy()
    features = ["buffa_hypoxia", "rsi"]
    numeric = RadiosensitivityModel("response", features=features, **FAST).fit(adata)
    expected = numeric.predict(adata)
    adata.obs["response"] = adata.obs["response"].map({1: "Yes", 0: "no"})
    text = RadiosensitivityModel("response", features=features, **FAST).fit(adata)
    assert text.target_.kind == "binary"
    np.testing.assert_allclose(text.predict(adata), expected)
    adata.obs["response"] = (adata.obs["response"] == "Yes").astype(object)  # True/False objects
    flags = RadiosensitivityModel("response", features=features, **FAST).fit(adata)
    np.testing.assert_allclose(flags.predict(adata), expected)


def test_event_labels_dead_alive_are_read(cohort):
    adata = cohort[0].copy()
    features = ["buffa_hypoxia", "rsi"]
    numeric = RadiosensitivityModel("recurrence", features=features, **FAST).fit(adata)
    event = adata.obs["recurrence_event"].map({1: "dead", 0: "alive"}).astype("category")
    adata.obs["recurrence_event"] = event
    text = RadiosensitivityModel("recurrence", features=features, **FAST).fit(adata)
    np.testing.assert_allclose(text.predict(adata), numeric.predict(adata), rtol=1e-6)


def test_unknown_label_pair_needs_positive_and_names_the_labels(cohort):
    adata = cohort[0].copy()
    features = ["buffa_hypoxia", "rsi"]
    expected = RadiosensitivityModel("response", features=features, **FAST).fit(adata)
    adata.obs["response"] = adata.obs["response"].map({1: "CR", 0: "PD"})
    model = RadiosensitivityModel("response", features=features, **FAST)
    with pytest.raises(InputError, match=r"'response' holds the labels \[CR, PD\].*positive="):
        model.fit(adata)
    model.set_params(positive="CR").fit(adata)
    assert model.target_.positive == "CR"
    np.testing.assert_allclose(model.predict(adata), expected.predict(adata))
    with pytest.raises(InputError, match=r"positive='SD' is not one of them"):
        model.set_params(positive="SD").fit(adata)
    adata.obs.loc[adata.obs_names[:3], "response"] = "SD"
    with pytest.raises(InputError, match=r"holds 3 labels \[CR, PD, SD\]"):
        model.set_params(positive=None).fit(adata)


def test_numeric_codes_other_than_zero_one_take_positive(cohort):
    adata = cohort[0].copy()
    features = ["buffa_hypoxia", "rsi"]
    expected = RadiosensitivityModel("response", features=features, **FAST).fit(adata)
    adata.obs["response"] = adata.obs["response"] + 1  # 1 = no response, 2 = response
    model = RadiosensitivityModel("response", features=features, positive=2, **FAST)
    np.testing.assert_allclose(model.fit(adata).predict(adata), expected.predict(adata))
    with pytest.raises(InputError, match="positive=2 applies to binary and survival"):
        RadiosensitivityModel("sf2", kind="regression", positive=2).fit(
            adata.obs.assign(sf2=0.5, buffa_hypoxia=1.0)
        )


def test_cross_validate_reads_the_time_unit(cohort):
    adata = cohort[0].copy()
    options = {"n_splits": 3, "n_random_sets": 0, "n_ci_bootstrap": 0, "baselines": None}
    model = RadiosensitivityModel("recurrence", features=["buffa_hypoxia", "rsi"], **FAST)
    in_years = cross_validate(model, adata, **options).estimate("model", "c_index")[0]
    adata.obs["recurrence_months"] = adata.obs.pop("recurrence_years") * 12
    model.set_params(time_unit="months")
    assert cross_validate(model, adata, **options).estimate("model", "c_index")[0] == in_years


# ------------------------------------------------- model genes resolved like signatures (7)

#: (symbol, Ensembl ID): two catalog genes (the shipped name table knows them) and two others
GENE_IDS = [
    ("CA9", "ENSG00000107159"),
    ("JUN", "ENSG00000177606"),
    ("SIMA", "ENSG99000000001"),
    ("SIMB", "ENSG99000000002"),
] + [(f"BG{i}", f"ENSG99000000{i + 100:03d}") for i in range(16)]


@pytest.fixture(scope="module")
def named_both_ways():
    """One cohort as an Ensembl-named matrix (versioned IDs, var['symbol']) and as a
    symbol-named one; the response depends on CA9 and SIMA."""
    import anndata as ad
    import pandas as pd

    rng = np.random.default_rng(5)
    n = 120
    x = rng.normal(5, 1, size=(n, len(GENE_IDS))).astype(np.float32)
    obs = pd.DataFrame(index=[f"T{i:03d}" for i in range(n)])
    lp = 3 * (x[:, 0] - 5) - 3 * (x[:, 2] - 5)
    obs["response"] = (rng.uniform(size=n) < expit(lp)).astype(int)
    symbols = [s for s, _ in GENE_IDS]
    var = pd.DataFrame({"symbol": symbols}, index=[f"{e}.3" for _, e in GENE_IDS])
    by_ensembl = ad.AnnData(X=x, obs=obs, var=var)
    by_symbol = ad.AnnData(X=x.copy(), obs=obs.copy(), var=pd.DataFrame(index=symbols))
    return by_ensembl, by_symbol


def test_model_genes_given_by_symbol_or_alias_resolve_in_an_ensembl_matrix(named_both_ways):
    by_ensembl, by_symbol = named_both_ways
    exact = RadiosensitivityModel("response", genes=["ENSG00000107159.3", "ENSG99000000001.3"])
    expected = exact.set_params(**FAST).fit(by_ensembl).predict(by_ensembl)
    model = RadiosensitivityModel("response", genes=["CA9", "SIMA"], **FAST).fit(by_ensembl)
    np.testing.assert_allclose(model.predict(by_ensembl), expected)
    assert [f.to_dict() for f in model.feature_schema_.features] == [
        {"name": "CA9", "kind": "gene", "symbol": "CA9", "ensembl": "ENSG00000107159"},
        {"name": "SIMA", "kind": "gene", "symbol": "SIMA", "ensembl": "ENSG99000000001"},
    ]
    alias = RadiosensitivityModel("response", genes=["CJUN"], **FAST).fit(by_symbol)
    assert alias.feature_schema_.features[0].to_dict()["symbol"] == "JUN"


def test_saved_model_finds_its_genes_in_a_matrix_named_the_other_way(named_both_ways, tmp_path):
    by_ensembl, by_symbol = named_both_ways
    genes = ["ENSG00000107159", "ENSG99000000001"]
    model = RadiosensitivityModel("response", genes=genes, **FAST).fit(by_ensembl)
    models.save_model(model, tmp_path / "m.json")
    loaded = models.load_model(tmp_path / "m.json")
    np.testing.assert_allclose(loaded.predict(by_symbol), model.predict(by_ensembl))
    # and back: trained on symbols, applied to Ensembl IDs with var["symbol"]
    model = RadiosensitivityModel("response", genes=["CA9", "SIMA"], **FAST).fit(by_symbol)
    models.save_model(model, tmp_path / "s.json")
    loaded = models.load_model(tmp_path / "s.json")
    np.testing.assert_allclose(loaded.predict(by_ensembl), model.predict(by_symbol))
    # CA9's Ensembl ID comes from the shipped name table; SIMA has only its symbol
    no_symbols = by_ensembl.copy()
    del no_symbols.var["symbol"]
    with pytest.raises(InputError) as error:
        loaded.predict(no_symbols)
    message = str(error.value)
    assert "1 of the model's 2 genes not found in this matrix (20 genes named by Ensembl IDs)" in (
        message
    )
    assert "[SIMA] (1 in all)" in message
    assert "known by symbol only: add the genes' symbols as var['symbol']" in message


def test_missing_gene_errors_fit_the_matrix_at_hand(named_both_ways):
    by_ensembl, by_symbol = named_both_ways
    model = RadiosensitivityModel("response", genes=["ENSG99000000001", "CA9"], **FAST)
    with pytest.raises(InputError) as error:
        model.fit(by_symbol)
    message = str(error.value)
    assert "1 of the model's 2 genes not found in this matrix (20 genes named by symbols)" in (
        message
    )
    assert "known by Ensembl ID only" in message
    assert "quantified on the same gene IDs" not in message
    filtered = by_ensembl[:, 1:]  # CA9 filtered out
    model = RadiosensitivityModel("response", genes=["CA9", "SIMA"], **FAST).fit(by_ensembl)
    with pytest.raises(InputError, match=r"\[CA9 \(ENSG00000107159\)\].*not measured here"):
        model.predict(filtered)
    twice = RadiosensitivityModel("response", genes=["CA9", "ENSG00000107159"], **FAST)
    with pytest.raises(InputError, match="CA9, ENSG00000107159 resolve to the same column"):
        twice.fit(by_ensembl)


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
    ("target", "objective", "features"),
    [
        ("recurrence", None, ["rsi", "site"]),
        ("recurrence", "survival:aft", ["rsi", "site"]),
        ("response", None, ["rsi", "site"]),
        ("recurrence", None, ["rsi"]),  # no categorical feature: trained from the array
    ],
)
def test_boosters_and_predictions_are_those_of_named_pandas_matrices(
    cohort, target, objective, features
):
    """Same seeds, same boosters, byte for byte: training unnamed (from the float32 array when
    no feature is categorical), bootstrap rows sliced from one matrix and predicting from a
    float32 array change the speed, not the model."""
    adata = cohort[0].copy()
    adata.obs.loc[adata.obs_names[:8], "site"] = np.nan
    adata.X[:5, 1] = np.nan
    model = RadiosensitivityModel(
        target,
        objective=objective,
        features=features,
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


def _tree_train_param(booster: xgb.Booster) -> dict:
    """The booster's recorded tree-training parameters (``max_bin``, ``colsample_bytree``…)."""
    return json.loads(booster.save_config())["learner"]["gradient_booster"]["tree_train_param"]


def test_wide_models_use_fewer_bins_and_a_share_of_the_genes_per_tree(tmp_path):
    """A gene-level model (over 1,000 features) trains with 32 bins and 30% of the genes per
    tree, every booster alike and recorded on the card; a narrow one keeps XGBoost's defaults;
    explicit values win either way."""
    rng = np.random.default_rng(3)
    adata = ad.AnnData(rng.normal(5, 1, (40, 1001)).astype(np.float32))
    adata.obs_names = [f"T{i}" for i in range(40)]
    adata.var_names = [f"G{i}" for i in range(1001)]
    adata.obs["response"] = np.tile([0, 1], 20)
    genes = list(adata.var_names)
    model = RadiosensitivityModel(
        "response", features=[], genes=genes, **{**FAST, "n_bootstrap": 2}
    )
    model.fit(adata)
    assert model.tree_params_ == {"max_bin": 32, "colsample_bytree": 0.3}
    for booster in (model.booster_, *(m.booster for m in model.bootstrap_)):
        params = _tree_train_param(booster)
        assert (params["max_bin"], float(params["colsample_bytree"])) == ("32", pytest.approx(0.3))
    card = models.save_model(model, tmp_path / "wide.json")
    assert json.loads(card.read_text())["state"]["tree_params"] == model.tree_params_
    assert models.load_model(card).tree_params_ == model.tree_params_

    narrow = RadiosensitivityModel("response", features=[], genes=genes[:1000], **FAST)
    assert _tree_train_param(narrow.fit(adata).booster_)["max_bin"] == "256"
    assert narrow.tree_params_ == {"max_bin": 256, "colsample_bytree": 1.0}
    chosen = RadiosensitivityModel("response", features=[], genes=genes, max_bin=64, **FAST)
    assert chosen.fit(adata).tree_params_ == {"max_bin": 64, "colsample_bytree": 0.3}


@pytest.mark.parametrize(("max_bin", "colsample"), [(1, "auto"), ("many", "auto"), (64, 0.0)])
def test_bins_and_column_share_are_checked(cohort, max_bin, colsample):
    adata, _ = cohort
    model = RadiosensitivityModel(max_bin=max_bin, colsample_bytree=colsample, **FAST)
    with pytest.raises(InputError, match=r"max_bin|colsample_bytree"):
        model.fit(adata)


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
