"""RadiosensitivityModel: targets, features, SHAP, uncertainty, survival, schema checks."""

from __future__ import annotations

import hashlib
import hmac

import anndata as ad
import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from sklearn.base import clone

from rtpredict.errors import InputError
from rtpredict.models import RadiosensitivityModel, UnseenCategoryWarning
from rtpredict.models._metrics import auroc, harrell_c, spearman

FAST = {"n_estimators": 30, "max_depth": 2, "learning_rate": 0.2, "n_bootstrap": 0}


def _cohort(n=240, seed=0, n_genes=30):
    """Tumours with clinical features, NaN-laden DNA flags, genes, and planted outcomes."""
    rng = np.random.default_rng(seed)
    genes = [f"RTPSIMG{i:06d}" for i in range(n_genes)]
    x = rng.normal(5, 1, size=(n, n_genes)).astype(np.float32)
    df = pd.DataFrame(x.astype(float), columns=genes, index=[f"T{i:03d}" for i in range(n)])
    df["rsi"] = rng.uniform(0.1, 0.8, n)
    df["site"] = rng.choice(["breast", "head_and_neck", "glioma"], n)
    df["dna_tp53_mutated"] = np.where(rng.uniform(size=n) < 0.3, np.nan, rng.integers(0, 2, n))
    lp = 1.5 * (df[genes[0]] - 5) + 2 * df["rsi"] + (df["site"] == "glioma")
    t = rng.exponential(np.exp(-lp) * 3)
    c = rng.uniform(0.5, 8, n)
    df["recurrence_event"] = (t <= c).astype(int)
    df["recurrence_years"] = np.minimum(t, c)
    df["response"] = (rng.uniform(size=n) < 1 / (1 + np.exp(lp - lp.mean()))).astype(int)
    df["sf2"] = 0.4 + 0.1 * (df[genes[0]] - 5) + rng.normal(0, 0.05, n)
    return df, genes


@pytest.fixture(scope="module")
def cohort():
    return _cohort()


def _adata(df, genes):
    obs = df.drop(columns=genes)
    return ad.AnnData(X=df[genes].to_numpy(np.float32), obs=obs, var=pd.DataFrame(index=genes))


@pytest.mark.parametrize(
    ("target", "objective", "metric"),
    [
        ("recurrence", "survival:cox", "c"),
        ("recurrence", "survival:aft", "c"),
        ("response", "binary:logistic", "auroc"),
        ("sf2", "reg:squarederror", "spearman"),
    ],
)
def test_each_target_kind_learns_the_planted_signal(cohort, target, objective, metric):
    df, genes = cohort
    model = RadiosensitivityModel(
        target, features=["rsi", "site", "dna_tp53_mutated"], genes=genes[:5], **FAST
    )
    model.objective = objective if objective == "survival:aft" else None
    assert model.fit(df) is model
    assert model.target_.objective == objective
    pred = model.predict(df)
    if metric == "c":
        score = harrell_c(df.recurrence_years, df.recurrence_event, pred)
    elif metric == "auroc":
        score = auroc(df.response, pred)
        assert ((pred > 0) & (pred < 1)).all()
    else:
        score = spearman(df.sf2, pred)
    assert score > 0.7


def test_sklearn_conventions(cohort):
    df, _ = cohort
    model = RadiosensitivityModel("recurrence", features=["rsi", "site"], **FAST)
    params = model.get_params()
    assert params["features"] == ["rsi", "site"]
    assert not [k for k in vars(model) if k.endswith("_")]  # nothing learned in __init__
    model.fit(df)
    assert list(model.feature_names_in_) == ["rsi", "site"]
    assert model.n_features_in_ == 2
    assert clone(model).get_params() == params
    assert not hasattr(clone(model), "booster_")


def test_shap_sums_to_margin_with_categoricals_and_missing(cohort):
    df, genes = cohort
    for target in ("recurrence", "response", "sf2"):
        model = RadiosensitivityModel(
            target, features=["rsi", "site", "dna_tp53_mutated"], genes=genes[:3], **FAST
        ).fit(df)
        shap = model.explain(df)
        assert list(shap.columns) == [*model.feature_names_in_, "(bias)"]
        assert np.allclose(shap.sum(axis=1), model.predict_margin(df), atol=1e-4)
        assert model.global_importance_.index[0] in {genes[0], "rsi", "site"}


def test_anndata_and_dataframe_inputs_agree(cohort):
    df, genes = cohort
    adata = _adata(df, genes)
    kwargs = {"features": ["rsi", "site"], "genes": genes[:4], **FAST}
    from_df = RadiosensitivityModel("recurrence", **kwargs).fit(df)
    from_ad = RadiosensitivityModel("recurrence", **kwargs).fit(adata)
    assert np.array_equal(from_df.predict(df), from_ad.predict(adata))
    adata.layers["alt"] = adata.X * 2
    layered = RadiosensitivityModel("recurrence", layer="alt", **kwargs).fit(adata)
    assert layered.feature_schema_.layer == "alt"


def test_unseen_category_warns_and_is_treated_as_missing(cohort):
    df, _ = cohort
    model = RadiosensitivityModel("recurrence", features=["rsi", "site"], **FAST).fit(df)
    new = df.head(3).copy()
    new["site"] = ["melanoma", "breast", None]
    with pytest.warns(UnseenCategoryWarning, match="melanoma"):
        pred = model.predict(new)
    as_missing = new.assign(site=[None, "breast", None])
    assert np.isfinite(pred).all()
    assert np.array_equal(pred, model.predict(as_missing))


def test_schema_mismatches_are_refused(cohort):
    df, genes = cohort
    model = RadiosensitivityModel(
        "recurrence", features=["rsi", "site"], genes=genes[:2], **FAST
    ).fit(df)
    with pytest.raises(InputError, match="missing"):
        model.predict(df.drop(columns="rsi"))
    with pytest.raises(InputError, match="categorical in training"):
        model.predict(df.assign(site=1.0))
    with pytest.raises(InputError, match="numeric in training"):
        model.predict(df.assign(rsi="high"))
    with pytest.raises(InputError, match="gene"):
        model.predict(df.drop(columns=genes[1]))
    adata = _adata(df, genes)
    with pytest.raises(InputError, match="not found in this matrix"):
        model.predict(adata[:, genes[1:]])


def test_bad_outcomes_are_refused_or_dropped(cohort):
    df, _ = cohort
    model = RadiosensitivityModel("recurrence", features=["rsi"], **FAST)
    with pytest.raises(InputError, match="must be > 0"):
        model.fit(df.assign(recurrence_years=df.recurrence_years.where(df.index != "T001", 0.0)))
    with pytest.raises(InputError, match="0/1"):
        model.fit(df.assign(recurrence_event=2))
    with pytest.raises(InputError, match="not found"):
        RadiosensitivityModel("os", features=["rsi"]).fit(df)
    partial = df.assign(recurrence_event=df.recurrence_event.where(df.index != "T002"))
    with pytest.warns(UserWarning, match="1 of 240 tumours have no 'recurrence'"):
        model.fit(partial)
    assert model.training_summary_["n"] == 239


def test_explicit_y_overrides_columns(cohort):
    df, _ = cohort
    y = df[["recurrence_event", "recurrence_years"]].to_numpy()
    a = RadiosensitivityModel("recurrence", features=["rsi"], **FAST).fit(df[["rsi"]], y)
    b = RadiosensitivityModel("recurrence", features=["rsi"], **FAST).fit(df)
    assert np.array_equal(a.predict(df), b.predict(df))


def test_cox_survival_is_calibrated_in_training_and_ordered_by_risk(cohort):
    df, _ = cohort
    model = RadiosensitivityModel("recurrence", features=["rsi", "site"], **FAST).fit(df)
    times = np.array([0.5, 1.0, 2.0, 4.0])
    surv = model.predict_survival(df, times)
    assert ((surv.to_numpy() >= 0) & (surv.to_numpy() <= 1)).all()
    assert (np.diff(surv.to_numpy(), axis=1) <= 1e-12).all()
    km = KaplanMeierFitter().fit(df.recurrence_years, df.recurrence_event)
    assert np.allclose(surv.mean(), km.survival_function_at_times(times), atol=0.05)
    risk = model.predict(df)
    hi, lo = np.argmax(risk), np.argmin(risk)
    assert (surv.iloc[hi] <= surv.iloc[lo]).all()
    assert abs(np.mean(model.predict(df))) < 1.0  # risk is centred on the training tumours


def test_aft_survival_median_is_predicted_time(cohort):
    df, _ = cohort
    model = RadiosensitivityModel(
        "recurrence", features=["rsi", "site"], objective="survival:aft", **FAST
    ).fit(df)
    margin = model.predict_margin(df.head(5))
    for i, m in enumerate(margin):
        s = model.predict_survival(df.iloc[[i]], [np.exp(m)]).to_numpy()[0, 0]
        assert s == pytest.approx(0.5)


def test_uncertainty_and_training_percentile(cohort):
    df, _ = cohort
    model = RadiosensitivityModel(
        "recurrence", features=["rsi", "site"], horizon=2.0, **{**FAST, "n_bootstrap": 6}
    ).fit(df)
    out = model.predict_uncertainty(df)
    assert list(out.columns) == [
        "prediction",
        "sd",
        "lower",
        "upper",
        "percentile",
        "event_probability",
        "event_probability_sd",
        "event_probability_lower",
        "event_probability_upper",
    ]
    assert (out.sd > 0).all()
    assert (out.lower <= out.upper).all()
    assert out.percentile.between(0, 100).all()
    assert out.percentile.median() == pytest.approx(50, abs=5)
    assert out.event_probability.between(0, 1).all()
    assert np.array_equal(out.prediction, model.predict(df))
    # percentile is the mid-rank among training predictions (here: the same tumours)
    pred = model.predict(df)
    above, tied = pred[:, None] > pred[None, :], pred[:, None] == pred[None, :]
    rank = (above.mean(axis=1) + 0.5 * tied.mean(axis=1)) * 100
    assert np.allclose(out.percentile, rank, atol=2)
    no_boot = RadiosensitivityModel("recurrence", features=["rsi"], **FAST).fit(df)
    assert no_boot.predict_uncertainty(df).sd.isna().all()


def test_early_stopping_chooses_rounds_within_fit(cohort):
    df, _ = cohort
    model = RadiosensitivityModel(
        "recurrence",
        features=["rsi", "site"],
        **{**FAST, "n_estimators": 400, "learning_rate": 0.3},
        early_stopping_rounds=5,
    ).fit(df)
    assert 1 <= model.n_estimators_ < 400
    assert model.booster_.num_boosted_rounds() == model.n_estimators_


def test_id_register_is_keyed_hash(cohort, monkeypatch):
    df, _ = cohort
    model = RadiosensitivityModel("recurrence", features=["rsi"], id_salt="s3", **FAST).fit(df)
    expected = hmac.new(b"s3", b"T000", hashlib.sha256).hexdigest()
    assert model.id_register_["hashes"][0] == expected
    assert model.id_register_["salt"] == "s3"
    monkeypatch.setenv("RTPREDICT_ID_SECRET", "k")
    secret = clone(model).fit(df).id_register_
    assert secret["salt"] is None
    assert secret["hashes"][0] == hmac.new(b"k", b"T000", hashlib.sha256).hexdigest()


def test_fit_is_deterministic(cohort):
    df, _ = cohort
    kwargs = {"features": ["rsi", "site"], **FAST, "subsample": 0.7, "n_bootstrap": 2}
    a = RadiosensitivityModel("recurrence", **kwargs).fit(df)
    b = RadiosensitivityModel("recurrence", **kwargs).fit(df)
    assert a.booster_.save_raw("json") == b.booster_.save_raw("json")
    assert a.predict_uncertainty(df).equals(b.predict_uncertainty(df))
