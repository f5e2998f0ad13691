"""Validation: no leakage, baselines on the same folds, random gene sets, CIs, result format."""

from __future__ import annotations

import json

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from rtpredict.errors import InputError
from rtpredict.models import RadiosensitivityModel
from rtpredict.models._metrics import harrell_c
from rtpredict.models._splits import stratified_kfold
from rtpredict.models.validation import (
    GLMBaseline,
    ScoreBaseline,
    cross_validate,
    mean_log_expression,
)

FAST = {"n_estimators": 30, "max_depth": 2, "learning_rate": 0.2}


def _cohort(n=240, n_genes=120, seed=0, effect=5.0):
    """AnnData whose recurrence and response depend on the mean of 10 'signal' genes."""
    rng = np.random.default_rng(seed)
    genes = [f"RTPSIMG{i:06d}" for i in range(n_genes)]
    x = rng.normal(5, 1, size=(n, n_genes))
    signal = genes[:10]
    obs = pd.DataFrame(index=[f"T{i:03d}" for i in range(n)])
    obs["cohort"] = rng.choice(["A", "B", "C"], n)
    obs["site"] = obs.cohort.map({"A": "breast", "B": "head_and_neck", "C": "glioma"})
    obs["signal_score"] = x[:, :10].mean(axis=1)
    obs["rsi"] = rng.uniform(0.1, 0.8, n)
    obs["gard"] = rng.normal(30, 8, n)
    obs["received_rt"] = 1
    lp = effect * (obs.signal_score - 5)
    t = rng.exponential(np.exp(-lp) * 2)
    c = rng.uniform(0.5, 6, n)
    obs["recurrence_event"] = (t <= c).astype(int)
    obs["recurrence_years"] = np.minimum(t, c)
    obs["response"] = (rng.uniform(size=n) < 1 / (1 + np.exp(-lp))).astype(int)
    adata = ad.AnnData(X=x.astype(np.float32), obs=obs, var=pd.DataFrame(index=genes))
    return adata, signal


@pytest.fixture(scope="module")
def cohort():
    return _cohort()


def _shuffled(adata, columns, seed=1):
    out = adata.copy()
    order = np.random.default_rng(seed).permutation(out.n_obs)
    for column in columns:
        out.obs[column] = out.obs[column].to_numpy()[order]
    return out


def test_shuffled_labels_give_chance_level_metrics(cohort):
    adata, _ = cohort
    model = RadiosensitivityModel("recurrence", features=["signal_score", "rsi", "site"], **FAST)
    options = {"n_random_sets": 0, "n_ci_bootstrap": 0, "baselines": None}
    real = cross_validate(model, adata, **options)
    assert real.estimate("model", "c_index")[0] > 0.7  # the signal is learnable...
    survival = [
        cross_validate(
            model, _shuffled(adata, ["recurrence_event", "recurrence_years"], seed), **options
        ).estimate("model", "c_index")[0]
        for seed in range(1, 9)
    ]
    binary_model = RadiosensitivityModel("response", features=["signal_score", "rsi"], **FAST)
    binary = [
        cross_validate(binary_model, _shuffled(adata, ["response"], seed), **options).estimate(
            "model", "auroc"
        )[0]
        for seed in range(1, 9)
    ]
    # ...but nothing leaks from the test folds: chance level over independent shuffles
    for values in (survival, binary):
        assert abs(np.mean(values) - 0.5) < 0.04
        assert max(abs(v - 0.5) for v in values) < 0.12


def test_early_stopping_never_sees_the_test_fold(cohort, monkeypatch):
    adata, _ = cohort
    seen = []
    original = RadiosensitivityModel._rounds_by_early_stopping

    def spy(self, frame, values, params):
        seen.append(set(frame.index))
        return original(self, frame, values, params)

    monkeypatch.setattr(RadiosensitivityModel, "_rounds_by_early_stopping", spy)
    model = RadiosensitivityModel(
        "recurrence", features=["signal_score"], early_stopping_rounds=3, **FAST
    )
    result = cross_validate(
        model, adata, n_splits=4, n_random_sets=0, n_ci_bootstrap=0, baselines=None
    )
    splits = stratified_kfold(
        adata.obs.recurrence_event.to_numpy(), n_splits=4, n_repeats=1, random_state=0
    )
    assert len(seen) == len(splits) == 4
    for rows, split in zip(seen, splits, strict=True):
        assert rows == set(adata.obs_names[split.train])
        assert not rows & set(adata.obs_names[split.test])
    assert (result.folds.n_estimators <= 30).all()


def test_leave_one_cohort_out_reports_cohorts_and_unseen_sites(cohort):
    adata, _ = cohort
    model = RadiosensitivityModel("recurrence", features=["signal_score", "site"], **FAST)
    result = cross_validate(model, adata, cv="cohort", n_random_sets=0, n_ci_bootstrap=100)
    assert list(result.folds.name) == ["A", "B", "C"]
    assert list(result.folds.unseen_categories) == [
        "site: breast",
        "site: head_and_neck",
        "site: glioma",
    ]
    assert result.primary_metric == "c_index_within_cohort"
    per = result.per_cohort[result.per_cohort.predictor == "model"].set_index("cohort")
    assert list(per.index) == ["A", "B", "C"]
    # each cohort's C-index is that of its own out-of-fold predictions
    oof = result.oof["model"].to_numpy()
    obs = adata.obs
    for label in "ABC":
        m = (obs.cohort == label).to_numpy()
        expected = harrell_c(obs.recurrence_years[m], obs.recurrence_event[m], oof[m])
        assert per.loc[label, "estimate"] == pytest.approx(expected)
    assert {"c_index", "c_index_within_cohort", "ibs"} <= set(result.metrics.metric)


def test_fixed_direction_score_baseline_is_the_raw_score(cohort):
    adata, _ = cohort
    model = RadiosensitivityModel("recurrence", features=["signal_score"], **FAST)
    baselines = {"gard_alone": ScoreBaseline("gard", sign=-1)}
    result = cross_validate(
        model, adata, cv="cohort", baselines=baselines, n_random_sets=0, n_ci_bootstrap=50
    )
    obs = adata.obs
    expected = harrell_c(obs.recurrence_years, obs.recurrence_event, -obs.gard, strata=obs.cohort)
    assert result.estimate("gard_alone", "c_index_within_cohort")[0] == pytest.approx(expected)


def test_default_baselines_run_on_the_same_folds(cohort):
    adata, _ = cohort
    model = RadiosensitivityModel("recurrence", features=["signal_score"], **FAST)
    result = cross_validate(model, adata, n_random_sets=0, n_ci_bootstrap=100)
    assert list(result.metrics.predictor.unique()) == [
        "model",
        "rsi",
        "gard",
        "gard_glm",
        "clinical",
    ]
    assert "Cox model on GARD" in result.baselines["gard_glm"]
    rows = result.metrics.dropna()
    assert ((rows.lower <= rows.estimate + 1e-9) & (rows.estimate <= rows.upper + 1e-9)).all()
    model_c = result.estimate("model", "c_index")[0]
    assert all(model_c > result.estimate(b, "c_index")[0] for b in ("rsi", "gard", "clinical"))
    ibs = result.metrics.query("metric == 'ibs'").set_index("predictor").estimate
    assert ibs["model"] < ibs["gard_glm"]  # scores without probabilities have no IBS
    assert "rsi" not in ibs.dropna().index


def test_planted_signal_beats_random_gene_sets(cohort):
    adata, signal = cohort
    as_signature = RadiosensitivityModel("recurrence", features=["signal_score", "rsi"], **FAST)
    result = cross_validate(
        as_signature,
        adata,
        n_splits=3,
        n_random_sets=12,
        signature_genes={"signal_score": signal},
        n_ci_bootstrap=50,
        baselines=None,
    )
    rs = result.random_sets
    assert rs["status"] == "done"
    assert rs["replaced"] == {"genes": 0, "signatures": {"signal_score": 10}}
    assert rs["model_percentile"] == 100.0
    assert rs["model"] - rs["quantiles"][0.975] > 0.1
    as_genes = RadiosensitivityModel("recurrence", features=["rsi"], genes=signal, **FAST)
    result = cross_validate(
        as_genes, adata, n_splits=3, n_random_sets=12, n_ci_bootstrap=0, baselines=None
    )
    assert result.random_sets["replaced"]["genes"] == 10
    assert result.random_sets["model_percentile"] == 100.0


def test_score_fn_is_injectable(cohort):
    adata, signal = cohort
    calls = []

    def score_fn(data, gene_sets):
        calls.append({k: list(v) for k, v in gene_sets.items()})
        return mean_log_expression(data, gene_sets)

    model = RadiosensitivityModel("response", features=["signal_score"], **FAST)
    result = cross_validate(
        model,
        adata,
        n_splits=3,
        n_random_sets=3,
        signature_genes={"signal_score": signal},
        score_fn=score_fn,
        n_ci_bootstrap=0,
        baselines=None,
    )
    assert len(calls) == 3
    for call in calls:
        assert list(call) == ["signal_score"]
        assert len(call["signal_score"]) == 10
        assert not set(call["signal_score"]) & set(signal)
    assert result.random_sets["metric"] == "auroc"


def test_mean_log_expression_is_the_mean_of_x(cohort):
    adata, signal = cohort
    scores = mean_log_expression(adata, {"s": signal})
    assert np.allclose(scores["s"], adata.obs.signal_score, atol=1e-5)


def test_binary_and_regression_metrics(cohort):
    adata, _ = cohort
    binary = cross_validate(
        RadiosensitivityModel("response", features=["signal_score"], **FAST),
        adata,
        n_repeats=2,
        n_random_sets=0,
        n_ci_bootstrap=50,
    )
    metrics = set(binary.metrics.query("predictor == 'model'").metric)
    assert metrics == {"auroc", "auprc", "brier", "calibration_slope", "calibration_intercept"}
    assert binary.scheme["n_repeats"] == 2
    assert len(binary.oof) == 2 * adata.n_obs
    adata = adata.copy()
    adata.obs["sf2"] = 0.4 + 0.1 * (adata.obs.signal_score - 5)
    regression = cross_validate(
        RadiosensitivityModel("sf2", features=["signal_score"], **FAST),
        adata,
        n_random_sets=0,
        n_ci_bootstrap=50,
    )
    assert regression.kind == "regression"
    assert regression.estimate("model", "r2")[0] > 0.8
    assert set(regression.per_cohort.metric) == {"spearman"}


def test_result_serialises_to_strict_json(cohort):
    adata, _ = cohort
    model = RadiosensitivityModel("recurrence", features=["signal_score"], **FAST)
    result = cross_validate(model, adata, cv="cohort", n_random_sets=0, n_ci_bootstrap=20)
    text = json.dumps(result.to_dict(), allow_nan=False)
    assert "T000" not in text  # no per-tumour data in the card's validation block
    assert result.summary().loc["model", "c_index_within_cohort"].startswith("0.")


def test_without_an_expression_matrix_the_null_permutes_outcomes(cohort):
    adata, signal = cohort
    table = adata.obs.copy()
    model = RadiosensitivityModel("recurrence", features=["signal_score"], **FAST)
    result = cross_validate(
        model, table, n_random_sets=5, signature_genes={"signal_score": signal}, n_ci_bootstrap=0
    )
    sets = result.random_sets
    assert sets["status"] == "done"  # before: "not applicable"
    assert sets["null"] == "permuted_outcomes"
    assert sets["permuted_within"] == "cohort"
    assert "random gene sets do not apply: needs an AnnData" in sets["reason"]
    assert len(sets["values"]) == 5


def test_bad_cv_requests_are_refused(cohort):
    adata, _ = cohort
    model = RadiosensitivityModel("recurrence", features=["signal_score"], **FAST)
    with pytest.raises(InputError, match="exactly once"):
        cross_validate(model, adata, cv=[(np.arange(100), np.arange(100, 200))])
    with pytest.raises(InputError, match="needs a 'centre' column"):
        cross_validate(model, adata, cv="cohort", cohort_key="centre")
    with pytest.raises(InputError, match="fewer than n_splits"):
        cross_validate(model, adata[:12], n_splits=10, n_random_sets=0)


def test_stratified_cox_baseline_learns_within_cohort_effects():
    """Between cohorts GARD and risk rise together; within each cohort higher GARD protects."""
    rng = np.random.default_rng(5)
    n = 300
    cohort = np.repeat(["A", "B", "C"], n // 3)
    shift = pd.Series(cohort).map({"A": 0.0, "B": 15.0, "C": 30.0}).to_numpy()
    gard = shift + rng.normal(0, 5, n)
    lp = 0.1 * shift - 0.15 * (gard - shift)
    t = rng.exponential(np.exp(-lp))
    table = pd.DataFrame(
        {"gard": gard, "cohort": cohort, "recurrence_event": 1, "recurrence_years": t},
        index=[f"T{i}" for i in range(n)],
    )
    model = RadiosensitivityModel("recurrence", features=["gard"], **FAST)
    result = cross_validate(
        model,
        table,
        cv="cohort",
        baselines={
            "pooled": GLMBaseline(("gard",)),
            "by_cohort": GLMBaseline(("gard",), strata="cohort"),
        },
        n_random_sets=0,
        n_ci_bootstrap=0,
    )
    assert result.estimate("pooled", "c_index_within_cohort")[0] < 0.4
    assert result.estimate("by_cohort", "c_index_within_cohort")[0] > 0.6
    # a stratified model has no baseline hazard for a new cohort: no survival probabilities
    assert "ibs" not in set(result.metrics.query("predictor == 'by_cohort'").metric)
    assert "ibs" in set(result.metrics.query("predictor == 'pooled'").metric)


def test_paired_comparisons_are_differences_of_the_primary_metric(cohort):
    adata, _ = cohort
    model = RadiosensitivityModel("recurrence", features=["signal_score"], **FAST)
    result = cross_validate(model, adata, cv="cohort", n_random_sets=0, n_ci_bootstrap=100)
    comparisons = result.comparisons.set_index("predictor")
    assert list(comparisons.index) == ["rsi", "gard", "gard_glm", "clinical"]
    primary = result.primary_metric
    for name, row in comparisons.iterrows():
        expected = result.estimate("model", primary)[0] - result.estimate(name, primary)[0]
        assert row.difference == pytest.approx(expected)
        assert row.lower <= row.difference <= row.upper
    assert (comparisons.lower > 0).all()  # the planted signal beats every baseline, paired
