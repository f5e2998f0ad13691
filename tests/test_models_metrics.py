"""Metrics against independent references: lifelines, scikit-learn, SciPy and hand computation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.utils import concordance_index
from scipy.optimize import minimize_scalar
from scipy.special import expit
from scipy.stats import spearmanr
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    mean_squared_error,
    r2_score,
    roc_auc_score,
)

from rtpredict.models import _metrics
from rtpredict.models._survival import breslow_cumulative_hazard, kaplan_meier, step_value


def _survival_data(n=120, seed=0, ties=True):
    rng = np.random.default_rng(seed)
    risk = rng.normal(size=n)
    t = rng.exponential(np.exp(-risk))
    c = rng.exponential(1.2, size=n)
    time = np.minimum(t, c)
    if ties:
        time = np.round(time, 1) + 0.1  # many tied times, events and censorings at the same time
        risk = np.round(risk + rng.normal(scale=0.5, size=n), 1)  # tied risks too
    return time, (t <= c).astype(int), risk


def _slow_harrell(time, event, risk):
    """Obvious double loop with lifelines' pair conventions."""
    num = den = 0.0
    for i in range(len(time)):
        for j in range(len(time)):
            comparable = event[i] and (time[i] < time[j] or (time[i] == time[j] and not event[j]))
            if comparable:
                den += 1
                num += 1.0 if risk[i] > risk[j] else 0.5 if risk[i] == risk[j] else 0.0
    return num, den


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_harrell_c_matches_lifelines(seed):
    time, event, risk = _survival_data(seed=seed)
    expected = concordance_index(time, -risk, event)
    assert _metrics.harrell_c(time, event, risk) == pytest.approx(expected, abs=1e-12)


def test_harrell_c_hand_computed():
    time = np.array([1.0, 2.0, 3.0, 4.0])
    event = np.array([1, 0, 1, 0])
    risk = np.array([0.5, 0.1, 0.2, 0.2])
    # comparable pairs (earlier member had the event): (0,1) (0,2) (0,3) (2,3);
    # concordant: the first three (0.5 > 0.1, 0.2, 0.2); (2,3) tie in risk counts 0.5
    assert _metrics.harrell_c(time, event, risk) == pytest.approx(3.5 / 4)
    # tied times: two events at the same time are not comparable, event vs censored is
    time_tied = np.array([1.0, 1.0, 1.0])
    assert _metrics.harrell_c(time_tied, np.array([1, 1, 0]), np.array([3.0, 2.0, 1.0])) == 1.0


def test_within_cohort_c_pools_pairs_within_strata_only():
    time, event, risk = _survival_data(n=90, seed=3)
    strata = np.repeat(["a", "b", "c"], 30)
    num = den = 0.0
    for s in np.unique(strata):
        m = strata == s
        a, b = _slow_harrell(time[m], event[m], risk[m])
        num, den = num + a, den + b
    assert _metrics.harrell_c(time, event, risk, strata=strata) == pytest.approx(num / den)


def test_weighted_c_equals_c_of_resampled_rows():
    time, event, risk = _survival_data(n=60, seed=4)
    rng = np.random.default_rng(0)
    idx = rng.choice(60, size=(5, 60), replace=True)
    weights = np.stack([np.bincount(i, minlength=60) for i in idx])
    weighted = _metrics.harrell_c(time, event, risk, weights=weights)
    for b in range(5):
        i = idx[b]
        num, den = _slow_harrell(time[i], event[i], risk[i])
        assert weighted[b] == pytest.approx(num / den)


def test_kaplan_meier_matches_lifelines():
    time, event, _ = _survival_data(seed=5)
    knots, surv = kaplan_meier(time, event)
    km = KaplanMeierFitter().fit(time, event)
    at = np.linspace(0, time.max(), 50)
    expected = km.survival_function_at_times(at).to_numpy()
    assert np.allclose(step_value(knots, surv, at, initial=1.0), expected)


def test_breslow_matches_lifelines_cox_survival():
    rng = np.random.default_rng(6)
    df = pd.DataFrame({"x": rng.normal(size=150), "z": rng.normal(size=150)})
    t = rng.exponential(np.exp(-df.x))
    c = rng.exponential(1.5, size=150)
    df["T"], df["E"] = np.round(np.minimum(t, c), 2) + 0.01, (t <= c).astype(int)
    cph = CoxPHFitter().fit(df, "T", "E")
    risk = cph.predict_log_partial_hazard(df).to_numpy()
    knots, hazard = breslow_cumulative_hazard(df["T"], df["E"], risk)
    times = np.unique(df["T"])[[5, 30, 60, 88]]  # observed times: lifelines interpolates between
    mine = np.exp(-np.outer(np.exp(risk), step_value(knots, hazard, times, initial=0.0)))
    theirs = cph.predict_survival_function(df, times=times).to_numpy().T
    assert np.allclose(mine, theirs, atol=1e-8)


def _slow_td_auc(time, event, risk, t):
    km = KaplanMeierFitter().fit(time, 1 - event)
    num = den = 0.0
    for i in range(len(time)):
        if not (event[i] and time[i] <= t):
            continue
        g = km.predict(time[i] - 1e-9)  # G(T_i-)
        for j in range(len(time)):
            if time[j] > t:
                den += 1 / g
                num += (1.0 if risk[i] > risk[j] else 0.5 if risk[i] == risk[j] else 0.0) / g
    return num / den


def test_time_dependent_auc_without_censoring_is_roc_auc():
    rng = np.random.default_rng(7)
    time = rng.exponential(size=80)
    risk = -time + rng.normal(size=80)
    t = np.median(time)
    expected = roc_auc_score(time <= t, risk)
    got = _metrics.time_dependent_auc(time, np.ones(80), risk, [t])[0]
    assert got == pytest.approx(expected)


def test_time_dependent_auc_with_censoring_matches_slow_twin():
    time, event, risk = _survival_data(n=80, seed=8)
    times = np.quantile(time[event == 1], [0.3, 0.6])
    got = _metrics.time_dependent_auc(time, event, risk, times)
    expected = [_slow_td_auc(time, event, risk, t) for t in times]
    assert np.allclose(got, expected)


def test_brier_hand_computed():
    # 3 tumours: event at 1, censored at 2, event at 3; evaluate at t = 2.5
    time = np.array([1.0, 2.0, 3.0])
    event = np.array([1, 0, 1])
    surv = np.array([[0.2], [0.6], [0.7]])
    # censoring KM: drop at 2 (1 censoring among 2 at risk) -> G(2) = 0.5; G(1-) = 1, G(2.5) = 0.5
    # tumour 0: event by 2.5 -> 0.2^2 / 1; tumour 1: censored before t -> 0;
    # tumour 2: alive at 2.5 -> (1 - 0.7)^2 / 0.5
    expected = (0.04 + 0.09 / 0.5) / 3
    assert _metrics.brier_curve(time, event, surv, [2.5])[0] == pytest.approx(expected)


def test_integrated_brier_matches_slow_twin():
    time, event, risk = _survival_data(n=70, seed=9, ties=False)
    times = np.linspace(0.1, np.quantile(time, 0.8), 7)
    surv = np.exp(-np.outer(np.exp(risk), times))
    km = KaplanMeierFitter().fit(time, 1 - event)
    curve = []
    for k, t in enumerate(times):
        total = 0.0
        for i in range(len(time)):
            if event[i] and time[i] <= t:
                total += surv[i, k] ** 2 / km.predict(time[i] - 1e-9)
            elif time[i] > t:
                total += (1 - surv[i, k]) ** 2 / km.predict(t)
        curve.append(total / len(time))
    expected = np.trapezoid(curve, times) / (times[-1] - times[0])
    got = _metrics.integrated_brier_score(time, event, surv, times)
    assert got == pytest.approx(expected)


def test_binary_metrics_match_sklearn():
    rng = np.random.default_rng(10)
    p = rng.uniform(size=200)
    y = (rng.uniform(size=200) < p).astype(int)
    p_tied = np.round(p, 1)
    assert _metrics.auroc(y, p_tied) == pytest.approx(roc_auc_score(y, p_tied))
    assert _metrics.auprc(y, p_tied) == pytest.approx(average_precision_score(y, p_tied))
    assert _metrics.auprc(y, p) == pytest.approx(average_precision_score(y, p))
    assert _metrics.brier(y, p) == pytest.approx(brier_score_loss(y, p))


def test_calibration_against_sklearn_and_scipy():
    rng = np.random.default_rng(11)
    lp = rng.normal(size=400)
    y = (rng.uniform(size=400) < expit(0.4 + 0.6 * lp)).astype(int)
    p = expit(lp)
    slope, intercept = _metrics.calibration(y, p)
    reference = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10000).fit(lp[:, None], y)
    assert slope == pytest.approx(reference.coef_[0, 0], rel=1e-5)

    def nll(a):
        q = expit(a + lp)
        return -np.sum(y * np.log(q) + (1 - y) * np.log(1 - q))

    assert intercept == pytest.approx(minimize_scalar(nll).x, abs=1e-5)


def test_continuous_metrics_match_references():
    rng = np.random.default_rng(12)
    y = rng.normal(size=100)
    pred = y + rng.normal(size=100)
    assert _metrics.r2(y, pred) == pytest.approx(r2_score(y, pred))
    assert _metrics.rmse(y, pred) == pytest.approx(np.sqrt(mean_squared_error(y, pred)))
    assert _metrics.spearman(y, np.round(pred)) == pytest.approx(
        spearmanr(y, np.round(pred)).statistic
    )


def test_nan_predictions_are_left_out():
    time, event, risk = _survival_data(n=50, seed=13)
    with_nan = risk.copy()
    with_nan[:5] = np.nan
    expected = concordance_index(time[5:], -risk[5:], event[5:])
    assert _metrics.harrell_c(time, event, with_nan) == pytest.approx(expected)
