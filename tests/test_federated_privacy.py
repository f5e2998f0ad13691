"""The federation's privacy policy, and a curious coordinator trying to get round it.

The coordinator sees exactly what a site's ClientApp puts in its replies: the site-side
functions of `rtpredict.federated._site` (summary, training step, final statistics) run here on
small simulated sites, with the policy off and on, and each attack works on their output only
(plus what the plan makes public: seeds, learning rate, the base score). Each attack succeeds
with the policy off and fails with it on:

* a leaf of a tree covering one tumour gives away that tumour's outcome (regression);
* the hold-out's bootstrap resamples, whose weights follow from the plan's seed, solve for
  every hold-out tumour's outcome;
* a histogram or hazard-grid cell of one tumour dates one relapse / places one tumour;
* knowing every other tumour's record, the event count gives away the last one's outcome
  (only differential privacy stops this one; a minimum cell count does not claim to);
* and a site too small for the policy does not join at all.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
import xgboost as xgb

from rtpredict.errors import InputError
from rtpredict.federated import FederationPlan, _counts, load_plan
from rtpredict.federated._policy import DifferentialPrivacy, PrivacyPolicy, dp_releases
from rtpredict.federated._privacy import Release, allowed, node_counts, prune_tree
from rtpredict.federated._site import holdout_mask, load_site, summary, train_step
from rtpredict.federated._site_final import final_statistics
from rtpredict.federated._site_records import check_unspent, record_sent
from rtpredict.federated._validation import validation

PLAN = """
name: small
target: {target}
kind: {kind}
features: [rsi, gard, dose_per_fraction, received_rt]
strategy: bagging
rounds: 1
params: {{learning_rate: 0.3, max_depth: 4}}
sites: [S, T]
seed: 2
n_ci_bootstrap: 60
min_site_size: 10
holdout_fraction: 0.5
{privacy}
"""
OFF = "privacy: {min_cell_count: 1}"
ON = "privacy: {min_cell_count: 5}"
DP = "privacy: {min_cell_count: 5, dp: {epsilon: 1.0, delta: 1.0e-5}}"
SURVIVAL = {"target": "recurrence", "kind": "survival"}
REGRESSION = {"target": "os_years", "kind": "regression"}


def _plan(tmp_path, privacy: str, target: dict) -> FederationPlan:
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN.format(privacy=privacy, **target))
    return load_plan(path)


def _cohort(tmp_path, n: int, seed: int):
    """Write a simulated site of ``n`` tumours with RSI and GARD; return its path."""
    from rtpredict import tl
    from rtpredict.simulate import simulate_anndata

    adata = simulate_anndata(n, seed=seed, n_background_genes=20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tl.score_rsi(adata)
        tl.gard(adata)
    del adata.obsm["truth"]
    path = tmp_path / f"site-{n}-{seed}.h5ad"
    adata.write_h5ad(path)
    return path


@pytest.fixture(scope="module")
def small_site(tmp_path_factory):
    """20 tumours: 10 to train on, 10 held out."""
    return _cohort(tmp_path_factory.mktemp("small"), 20, seed=4)


@pytest.fixture(scope="module")
def survival_site(tmp_path_factory):
    """40 tumours, enough events on both sides to join under a minimum cell count of 5."""
    return _cohort(tmp_path_factory.mktemp("survival"), 40, seed=8)


# ------------------------------------------------------------------ the plan
def test_the_policy_is_part_of_the_plan_and_of_its_digest(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN.format(privacy="", **SURVIVAL))
    default = load_plan(path)
    assert default.privacy == {"min_cell_count": 5, "dp": None}  # safe by default
    assert default.policy == PrivacyPolicy(5, None)
    plans = [_plan(tmp_path, p, SURVIVAL) for p in (OFF, ON, DP)]
    assert plans[1].sha256 == default.sha256  # the default, written out, is the same plan
    assert len({p.sha256 for p in plans}) == 3
    again = FederationPlan.from_json(plans[2].to_json())
    assert again == plans[2]
    assert again.sha256 == plans[2].sha256
    assert again.policy.dp == DifferentialPrivacy(1.0, 1.0e-5)


@pytest.mark.parametrize(
    ("privacy", "target", "message"),
    [
        ("privacy: {min_cell_count: 0}", SURVIVAL, "privacy.min_cell_count"),
        ("privacy: {min_cell_count: 2.5}", SURVIVAL, "privacy.min_cell_count"),
        ("privacy: {minimum: 5}", SURVIVAL, "unknown key"),
        ("privacy: {dp: {epsilon: 1}}", SURVIVAL, r"privacy.dp.delta is required"),
        ("privacy: {dp: {epsilon: 0, delta: 1.0e-5}}", SURVIVAL, "privacy.dp.epsilon"),
        ("privacy: {dp: {epsilon: 1, delta: 1}}", SURVIVAL, "privacy.dp.delta"),
        ("privacy: {dp: {epsilon: 1, delta: 0.1, noise: 2}}", SURVIVAL, "unknown key"),
        ("privacy: {dp: {epsilon: 1, delta: 0.1}}", REGRESSION, "privacy.dp.outcome_range"),
        (
            "privacy: {dp: {epsilon: 1, delta: 0.1, hazard_block_years: 0.3}}",
            SURVIVAL,
            "privacy.dp.hazard_block_years",
        ),
        ("privacy: {secure_aggregation: true}", SURVIVAL, "SecAgg"),
        (
            "privacy: {dp: {epsilon: 1, delta: 0.1, outcome_range: [0, x]}}",
            REGRESSION,
            r"privacy.dp.outcome_range must be \[low, high\] numbers",
        ),
    ],
)
def test_policy_errors_name_the_field(tmp_path, privacy, target, message):
    with pytest.raises(InputError, match=message):
        _plan(tmp_path, privacy, target)


def test_a_minimum_cell_count_refuses_subsampled_trees(tmp_path):
    """A tree fitted on a random subsample could hold a leaf of fewer than k sampled tumours."""
    path = tmp_path / "plan.yaml"
    text = PLAN.format(privacy=ON, **REGRESSION)
    path.write_text(text.replace("max_depth: 4", "max_depth: 4, subsample: 0.5"))
    with pytest.raises(InputError, match=r"params.subsample must be 1 .*privacy.min_cell_count"):
        load_plan(path)
    path.write_text(
        PLAN.format(privacy=OFF, **REGRESSION).replace(
            "max_depth: 4", "max_depth: 4, subsample: 0.5"
        )
    )
    assert load_plan(path).params["subsample"] == 0.5  # the policy off: as before


def test_the_zcdp_budget_converts_back_to_the_plans_epsilon():
    for epsilon, delta in [(0.5, 1e-6), (1.0, 1e-5), (8.0, 1e-3)]:
        rho = DifferentialPrivacy(epsilon, delta).rho
        assert rho + 2 * math.sqrt(rho * math.log(1 / delta)) == pytest.approx(epsilon)


# ------------------------------------------------------------------ the mechanisms
def test_merged_cells_hold_no_tumour_or_at_least_k():
    rng = np.random.default_rng(0)
    for k in (1, 2, 5, 11):
        for _ in range(40):
            counts = rng.poisson(rng.uniform(0, 3, size=200)) * (rng.random(200) < 0.3)
            counts[0] += k  # the whole range holds >= k, as a joining site's does
            starts, totals = Release(PrivacyPolicy(k), "survival:cox").histogram("h", counts)
            assert all(allowed(t, k) for t in totals)
            assert sum(totals) == counts.sum()
            assert starts[0] == 0
            assert np.all(np.diff(starts) > 0)
            if k == 1:
                assert totals == counts.tolist()  # the policy off changes nothing


def test_merged_hazard_blocks_have_k_events_and_k_at_risk():
    rng = np.random.default_rng(1)
    time = rng.exponential(3.0, size=60)
    event = rng.random(60) < 0.5
    grid = np.arange(0, 15.25, 0.25)
    events = np.histogram(time[event], bins=grid)[0].astype(float)
    exposure = np.ones(grid.size - 1)
    at_risk = (time[:, None] > grid[:-1]).sum(axis=0)
    release = Release(PrivacyPolicy(5), "survival:cox")
    starts, block_events, block_exposure = release.hazard(events, exposure, at_risk, grid, 1.0)
    assert all(allowed(e, 5) for e in block_events)
    assert all(allowed(at_risk[int(s)], 5) for s in starts)
    assert sum(block_events) == events.sum()
    assert sum(block_exposure) == exposure.sum()
    assert release.report["merged"]["hazard-grid"]["blocks"] == len(starts) < grid.size - 1


def test_a_collapsed_split_gives_the_leaf_xgboost_would_have_made():
    import pandas as pd

    rng = np.random.default_rng(2)
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=200),
            "kind": pd.Categorical(rng.choice(["a", "b", "c"], size=200)),
        }
    )
    y = (frame.x > 0) * 2.0 + (frame.kind == "b") * (frame.x > 0) * 3 + rng.normal(size=200)
    matrix = xgb.DMatrix(frame, label=y, enable_categorical=True)
    params = {"eta": 0.3, "max_depth": 2, "base_score": 0.0, "max_cat_to_onehot": 1}
    booster = xgb.train(params, matrix, num_boost_round=1)
    model = json.loads(bytes(booster.save_raw("json")))
    tree = model["learner"]["gradient_booster"]["model"]["trees"][0]
    assert tree["categories_nodes"]  # a categorical split to renumber
    counts = node_counts(tree, booster.predict(matrix, pred_leaf=True))
    assert counts[0] == 200
    # collapse the left child of the root only (its children fall below k)
    left = tree["left_children"][0]
    small = counts.copy()
    small[[tree["left_children"][left], tree["right_children"][left]]] = 0
    expected = booster.predict(matrix)
    went_left = np.isin(
        booster.predict(matrix, pred_leaf=True),
        [tree["left_children"][left], tree["right_children"][left]],
    )
    expected[went_left] = 0.3 * tree["base_weights"][left]
    assert prune_tree(tree, small, 5, learning_rate=0.3) == 1
    pruned = xgb.Booster()
    pruned.load_model(bytearray(json.dumps(model).encode()))
    assert np.allclose(pruned.predict(matrix), expected, atol=1e-6)
    # collapsing the root too leaves one leaf: exactly the stump XGBoost makes at depth 0
    tree = model["learner"]["gradient_booster"]["model"]["trees"][0]
    assert prune_tree(tree, np.zeros(len(tree["parents"])), 5, learning_rate=0.3) == 1
    stump = xgb.Booster()
    stump.load_model(bytearray(json.dumps(model).encode()))
    assert np.allclose(stump.predict(matrix), 0.3 * y.sum() / (200 + 1), atol=1e-6)


def test_train_step_sends_no_node_under_k(small_site, tmp_path):
    for privacy, k in ((OFF, 1), (ON, 5)):
        plan = _plan(tmp_path, privacy, REGRESSION)
        site = load_site(small_site, plan, "S")
        trees, _, report = train_step(site, plan, b"", base_score=1.0, n_total=20.0, server_round=1)
        (tree,) = _trees(trees)
        if k == 1:
            assert min(tree["sum_hessian"]) < 5  # regression: hessian = tumours per node
            assert report["collapsed_splits_per_tree"] == []
        else:
            assert min(tree["sum_hessian"]) >= 5
            assert report["collapsed_splits_per_tree"][0] >= 1


# ------------------------------------------------------------------ the curious coordinator
def _trees(raw: bytes) -> list[dict]:
    return json.loads(raw)["learner"]["gradient_booster"]["model"]["trees"]


def leaf_attack(trees: bytes, base: float, rate: float, reg_lambda: float) -> list[tuple]:
    """What each leaf of a first-round regression tree says: (tumours, their mean outcome).

    With squared error each tumour has gradient (base - y) and hessian 1, so a leaf holding c
    tumours (its hessian sum, which the tree itself reports) has value
    rate * sum(y - base) / (c + lambda): for c = 1, one tumour's outcome.
    """
    found = []
    for tree in _trees(trees):
        for node, left in enumerate(tree["left_children"]):
            if left == -1:
                c = tree["sum_hessian"][node]
                value = tree["base_weights"][node]
                found.append((c, base + value * (c + reg_lambda) / (rate * c)))
    return found


def bootstrap_attack(stats: dict, n_test: int, n_boot: int, seed: int) -> np.ndarray | None:
    """Every hold-out outcome, solved from the sums of the site's bootstrap resamples.

    The resamples are stratified by quintile of the outcome, drawn with seed plan.seed + the
    site's index: with 10 distinct values each quintile holds 2 tumours (a, b), whose
    multiplicities w and 2 - w the coordinator draws itself. Regressing the resampled sums of
    y and of y^2 on w gives y_a - y_b and y_a^2 - y_b^2 per quintile, hence y_a and y_b.
    Returns None when the site sent no resamples.
    """
    if "boot-sum_y" not in stats:
        return None
    strata = np.repeat(np.arange(n_test // 2), 2)
    weights = _counts.bootstrap_weights(strata, n_boot, seed)[:, ::2]  # w_a per quintile
    design = np.column_stack([np.ones(n_boot), weights])
    d1 = np.linalg.lstsq(design, np.asarray(stats["boot-sum_y"]), rcond=None)[0][1:]
    d2 = np.linalg.lstsq(design, np.asarray(stats["boot-sum_y2"]), rcond=None)[0][1:]
    pair_sum = d2 / d1
    return np.sort(np.concatenate([(pair_sum + d1) / 2, (pair_sum - d1) / 2]))


def small_cells(stats: dict, k: int) -> dict[str, list[float]]:
    """Released counts (histogram, hazard grid, missing values) of 1..k-1 tumours."""
    names = ("margin-histogram", "grid-events", "missing")
    return {
        name: [c for c in stats[name] if 0 < c < k]
        for name in names
        if name in stats and any(0 < c < k for c in stats[name])
    }


def test_a_site_with_a_training_part_below_the_threshold_does_not_join(tmp_path, small_site):
    # 10 training tumours, 5 with a relapse and 5 without: below k = 6, and no merging of
    # cells can lift the training event count (or the hazard grid's total) to 6
    plan = _plan(tmp_path, "privacy: {min_cell_count: 6}", SURVIVAL)
    with pytest.raises(
        InputError,
        match=r"site S does not join.*privacy.min_cell_count.*fewer training events, "
        r"training tumours without event\. Every training count",
    ):
        load_site(small_site, plan, "S")
    load_site(small_site, _plan(tmp_path, OFF, SURVIVAL), "S")  # policy off: it joins


def test_a_site_with_a_small_hold_out_joins_and_sends_nothing_about_it(tmp_path, small_site):
    """10 held out with 4 relapses: the site trains, but releases no hold-out statistic."""
    plan = _plan(tmp_path, ON, SURVIVAL)
    site = load_site(small_site, plan, "S")
    assert site.withheld == ("hold-out events",)
    counts, first = summary(site, plan)
    assert counts["n-train"] == counts["n-test"] == 10
    assert counts["events-train"] == 5
    assert math.isnan(counts["events-test"])  # 4: not released
    trees, _, _ = train_step(site, plan, b"", base_score=1.0, n_total=20.0, server_round=1)
    stats, second = final_statistics(site, plan, trees)
    held = {key: value for key, value in stats.items() if key.startswith("test")}
    assert set(held) == {"test-numerator", "test-denominator"}  # no covariance either
    assert all(math.isnan(v) for values in held.values() for v in values)
    withheld = ("hold-out events",)
    assert {"field": "events-test", "parts": withheld} in first["suppressed"]
    assert {"field": "test", "parts": withheld} in second["suppressed"]


def test_the_card_says_which_site_withheld_its_hold_out_and_pools_the_others(tmp_path):
    plan = _plan(tmp_path, ON, SURVIVAL)
    summaries = {
        "S": {"n-train": 30.0, "n-test": 10.0, "events-test": 6.0},
        "T": {"n-train": 30.0, "n-test": 10.0, "events-test": math.nan},
    }
    finals = {
        "S": {"test-numerator": [30.0], "test-denominator": [40.0], "test-cov": [4, 1, 1, 9]},
        "T": {"test-numerator": [math.nan], "test-denominator": [math.nan]},
    }
    card = validation(plan, summaries, finals)
    first, second = card["per_site"]
    assert first["released"]
    assert first["estimate"] == pytest.approx(0.75)
    assert not second["released"]
    assert second["estimate"] is None
    assert second["events_test"] is None
    assert "privacy.min_cell_count" in second["withheld"]
    pooled = card["pooled"]
    assert pooled["sites"] == ["S"]
    assert pooled["estimate"] == pytest.approx(0.75)  # S alone, not NaN
    assert pooled["lower"] < 0.75 < pooled["upper"]
    assert pooled["n_test"] == card["scheme"]["n_tumours"] == 10
    assert card["scheme"]["n_events"] == 6


@pytest.mark.parametrize("privacy", [OFF, ON])
def test_coordinator_reads_an_outcome_off_a_leaf_only_with_the_policy_off(
    tmp_path, small_site, privacy
):
    plan = _plan(tmp_path, privacy, REGRESSION)
    site = load_site(small_site, plan, "S")
    base, n_total = 2.0, 20.0  # the coordinator chose both (base score, all training tumours)
    trees, _, _ = train_step(site, plan, b"", base_score=base, n_total=n_total, server_round=1)
    rate = plan.params["learning_rate"] * site.train.sum() / n_total
    leaves = leaf_attack(trees, base, rate, plan.params["reg_lambda"])
    truth = site.values[site.train]
    single = [y for c, y in leaves if c == 1]
    matches = [y for _, y in leaves if np.isclose(truth, y, atol=1e-4).any()]
    if privacy == OFF:
        assert single, "the attack should find a leaf of one tumour"
        assert all(np.isclose(truth, y, atol=1e-4).any() for y in single)  # read exactly
    else:
        assert min(c for c, _ in leaves) >= 5  # every leaf: the mean of >= 5 outcomes
        assert single == matches == []  # none of which is any one tumour's outcome


@pytest.mark.parametrize("privacy", [OFF, ON])
def test_coordinator_solves_the_bootstrap_only_with_the_policy_off(tmp_path, small_site, privacy):
    plan = _plan(tmp_path, privacy, REGRESSION)
    site = load_site(small_site, plan, "S")
    trees, _, _ = train_step(site, plan, b"", base_score=2.0, n_total=20.0, server_round=1)
    stats, _ = final_statistics(site, plan, trees)
    n_test = int(stats["test-n"][0])
    assert n_test == 10
    found = bootstrap_attack(stats, n_test, plan.n_ci_bootstrap, plan.seed + site.index)
    truth = np.sort(site.values[site.test])
    if privacy == OFF:
        assert np.allclose(found, truth, atol=1e-6)  # every held-out outcome, exactly
    else:
        assert found is None
        assert not any(key.startswith("boot-") for key in stats)
        assert len(stats["test-cov"]) == 16  # only the covariance of the resampled sums


@pytest.mark.parametrize("privacy", [OFF, ON])
def test_coordinator_finds_cells_of_one_tumour_only_with_the_policy_off(
    tmp_path, survival_site, privacy
):
    plan = _plan(tmp_path, privacy, SURVIVAL)
    site = load_site(survival_site, plan, "S")
    trees, _, _ = train_step(site, plan, b"", base_score=1.0, n_total=40.0, server_round=1)
    stats, report = final_statistics(site, plan, trees)
    found = small_cells(stats, 5)
    if privacy == OFF:
        assert 1.0 in found["grid-events"]  # a 3-month interval holding one relapse
        assert found["margin-histogram"]  # bins of 1-4 tumours: their model output
    else:
        assert found == {}
        assert "hazard-grid" in report["merged"]
        assert len(stats["grid-starts"]) == len(stats["grid-events"]) < 60


def _flip_one_event(site):
    """The neighbouring site: one training tumour's event flag changed, all else equal."""
    from dataclasses import replace

    row = int(np.flatnonzero(site.train)[0])
    values = site.values.copy()
    values[row, 0] = 1 - values[row, 0]
    return replace(site, values=values), row


@pytest.mark.parametrize("privacy", [OFF, ON, DP])
def test_differencing_with_side_information_is_stopped_by_dp_only(tmp_path, survival_site, privacy):
    """The coordinator knows every training tumour's record but one's, and wants its outcome."""
    plan = _plan(tmp_path, privacy, SURVIVAL)
    site = load_site(survival_site, plan, "S")
    twin, row = _flip_one_event(site)
    worlds = {int(site.values[row, 0]): site, int(twin.values[row, 0]): twin}
    others = site.values[site.train, 0].sum() - site.values[row, 0]  # the side information
    trials = 1 if plan.policy.dp is None else 400
    correct = 0
    for truth, world in worlds.items():
        rng = np.random.default_rng(100 + truth)
        for _ in range(trials):
            released, _ = summary(world, plan, rng)
            guess = int(released["events-train"] - others > 0.5)
            correct += guess == truth
    accuracy = correct / (2 * trials)
    if plan.policy.dp is None:
        assert accuracy == 1.0  # the event count, minus the others', is the target's outcome
    else:
        # (epsilon, delta)-DP caps any test's accuracy at e^eps / (1 + e^eps) + delta;
        # 3 standard errors of slack for the finite number of seeded trials
        dp = plan.policy.dp
        cap = math.exp(dp.epsilon) / (1 + math.exp(dp.epsilon)) + dp.delta
        assert accuracy <= cap + 3 * math.sqrt(0.25 / (2 * trials))
        assert abs(accuracy - 0.5) < 0.1  # this release's share of the budget: near a coin


def test_dp_noise_follows_the_budget_split(tmp_path, survival_site):
    plan = _plan(tmp_path, DP, SURVIVAL)
    site = load_site(survival_site, plan, "S")
    ids_only = holdout_mask(site.frame.index, np.zeros(len(site.frame)), 0.5, plan.seed)
    assert np.array_equal(site.test, ids_only)  # the split ignores outcomes under DP
    trees, metrics, _ = train_step(site, plan, b"", base_score=1.0, n_total=40.0, server_round=1)
    assert "train-loss" not in metrics  # not among the noised releases
    counts, first = summary(site, plan, np.random.default_rng(0))
    stats, second = final_statistics(site, plan, trees, np.random.default_rng(1))
    noise = {**first["dp"], **second["dp"]}
    releases = dp_releases("survival:cox")
    assert set(noise) == set(releases)
    rho = plan.policy.dp.rho / len(releases)
    for _name, entry in noise.items():
        assert entry["noise_sd"] == pytest.approx(entry["sensitivity"] / math.sqrt(2 * rho))
    assert noise["events-train"]["sensitivity"] == 1.0
    n_test = counts["n-test"]
    assert noise["test"]["sensitivity"] == pytest.approx(math.sqrt(2) * (n_test - 1))
    assert math.isnan(counts["n-unseen-categories"])  # not released under DP
    assert "test-cov" not in stats
    assert not any(k.startswith("boot-") for k in stats)
    assert len(stats["margin-histogram"]) == 20  # fixed blocks, not merged on the data


def test_under_dp_a_site_answers_each_step_of_a_plan_once(tmp_path):
    """Fresh noise on a repeated question could be averaged away, and spends the budget twice."""
    plan = _plan(tmp_path, DP, SURVIVAL)
    check_unspent(tmp_path, plan, "finalise")  # nothing sent yet
    record_sent(tmp_path, plan, "7", "finalise", {"stats": {}})
    with pytest.raises(InputError, match="answers once per plan"):
        check_unspent(tmp_path, plan, "finalise")  # in this run or any other
    check_unspent(tmp_path, plan, "summary")
    check_unspent(tmp_path, _plan(tmp_path, ON, SURVIVAL), "finalise")  # no noise to average


def test_a_noisy_index_is_in_range_with_the_noise_on_the_card_or_withheld(tmp_path):
    """Under DP the card's index is taken from noisy pair counts (exact: C = 0.7 at both sites).

    With little noise it is released in [0, 1] with the noise's sd and 95% interval, which
    covers the exact index about 95% of the time. When the noise dominates (a rehearsal's card
    once read 0.007 for a model of 0.68) it is withheld with the reason, never printed as if
    it were a C-index.
    """
    plan = _plan(tmp_path, DP, SURVIVAL)
    exact = {"S": (700.0, 1000.0), "T": (1400.0, 2000.0)}
    summaries = {c: {"n-train": 100.0, "n-test": 50.0, "events-test": 20.0} for c in exact}
    rng = np.random.default_rng(0)
    for sd in (10.0, 400.0):
        noise = {c: {"test": {"sensitivity": 1.0, "noise_sd": sd}} for c in exact}
        covered = 0
        for _ in range(200):
            finals = {
                c: {
                    "test-numerator": [num + rng.normal(0, sd)],
                    "test-denominator": [den + rng.normal(0, sd)],
                }
                for c, (num, den) in exact.items()
            }
            card = validation(plan, summaries, finals, noise)
            pooled = card["pooled"]
            assert pooled["lower"] is None  # no sampling CI
            assert pooled["upper"] is None
            for row in [pooled, *card["per_site"]]:
                if row["estimate"] is None:
                    assert row["withheld"].startswith("noise dominates")
                else:
                    assert 0.0 <= row["noise_lower"] <= row["estimate"] <= row["noise_upper"] <= 1
                    assert row["noise_sd"] <= 0.1
            if sd == 10.0:  # pooled noise sd ~0.006: released, its interval honest
                covered += pooled["noise_lower"] <= 0.7 <= pooled["noise_upper"]
            else:  # pooled noise sd ~0.23
                assert pooled["estimate"] is None
                assert pooled["noise_sd"] > 0.1
        if sd == 10.0:
            assert covered / 200 >= 0.9
    # counts the noise made impossible (numerator above the denominator, or negative)
    noise = {c: {"test": {"sensitivity": 1.0, "noise_sd": 5.0}} for c in exact}
    for numerator, denominator, index in ((1010.0, 990.0, 1.0), (-8.0, 1000.0, 0.0)):
        finals = {
            c: {"test-numerator": [numerator], "test-denominator": [denominator]} for c in exact
        }
        pooled = validation(plan, summaries, finals, noise)["pooled"]
        assert pooled["estimate"] == index
        assert pooled["noise_sd"] < 0.01
