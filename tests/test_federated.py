"""Federated training: sufficient statistics, site checks, the Flower apps run in one process.

The Flower apps are driven by an in-process grid that hands each message to the ClientApp with
that site's node config, so the ServerApp and ClientApp code paths run as in a deployment
(minus the network; the deployment itself is in ``test_federated_deploy.py``).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from lifelines.utils import concordance_index
from sklearn.metrics import r2_score, roc_auc_score

from rtpredict.errors import InputError
from rtpredict.federated import FederationPlan, _counts, load_plan
from rtpredict.federated._site import holdout_mask, load_site, site_holdout
from rtpredict.federated._site_final import hazard_grid_sums
from rtpredict.models import RadiosensitivityModel, load_model
from rtpredict.models._metrics import concordance_counts, harrell_c

PLAN = """
name: test-model
target: recurrence
kind: survival
objective: survival:cox
horizon: 3
features:
  - rsi
  - gard
  - dose_per_fraction
  - received_rt
  - {name: site, categories: [breast, glioma, head_and_neck, lung]}
strategy: bagging
rounds: 6
params: {learning_rate: 0.3, max_depth: 2}
sites: [A, B, C]
seed: 3
n_ci_bootstrap: 50
"""


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def cohort():
    """A simulated cohort with RSI and GARD, split into three sites by a hash of the ID."""
    from rtpredict import tl
    from rtpredict.simulate import simulate_anndata

    adata = simulate_anndata(300, seed=5, n_background_genes=20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tl.score_rsi(adata)
        tl.gard(adata)
    del adata.obsm["truth"]
    codes = np.array(["A", "B", "C"])
    adata.obs["fed_site"] = codes[
        [int(hashlib.sha256(s.encode()).hexdigest(), 16) % 3 for s in adata.obs_names]
    ]
    return adata


@pytest.fixture
def sites(cohort, tmp_path):
    """Write each site's cohort.features.h5ad into its own folder; return code -> folder."""
    out = {}
    for code in ("A", "B", "C"):
        folder = tmp_path / f"site-{code}"
        folder.mkdir()
        part = cohort[cohort.obs["fed_site"] == code].copy()
        del part.obs["fed_site"]
        part.write_h5ad(folder / "cohort.features.h5ad")
        out[code] = folder
    return out


@pytest.fixture
def plan_path(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN)
    return path


# ------------------------------------------------------------------ counts vs oracles
def test_concordance_counts_match_harrell_c_and_lifelines():
    rng = np.random.default_rng(0)
    time = np.round(rng.exponential(size=80), 1)  # ties in time
    event = rng.random(80) < 0.6
    risk = np.round(rng.normal(size=80), 1)  # ties in risk
    num, den = concordance_counts(time, event, risk)
    assert num[0] / den[0] == pytest.approx(harrell_c(time, event, risk), abs=1e-12)
    assert num[0] / den[0] == pytest.approx(concordance_index(time, -risk, event), abs=1e-12)


def test_bootstrap_counts_equal_counts_of_the_resampled_rows():
    rng = np.random.default_rng(1)
    time, event, risk = rng.exponential(size=40), rng.random(40) < 0.5, rng.normal(size=40)
    weights = _counts.bootstrap_weights(event.astype(int), 5, seed=2)
    assert np.all(weights.sum(axis=1) == 40)
    for b in range(5):
        assert weights[b][event].sum() == event.sum()  # stratified: events stay events
        rows = np.repeat(np.arange(40), weights[b].astype(int))
        num, den = concordance_counts(time, event, risk, weights[b])
        twin = concordance_counts(time[rows], event[rows], risk[rows])
        assert num[0] == pytest.approx(twin[0][0])
        assert den[0] == pytest.approx(twin[1][0])


def test_auc_and_regression_sums_match_scikit_learn():
    rng = np.random.default_rng(3)
    y = rng.random(60) < 0.4
    score = np.round(rng.normal(size=60), 1)
    num, den = _counts.auc_counts(y, score)
    assert num[0] / den[0] == pytest.approx(roc_auc_score(y, score))
    target, pred = rng.normal(size=60), rng.normal(size=60)
    sums = _counts.regression_sums(target, pred)
    assert _counts.r2_from_sums(**sums)[0] == pytest.approx(r2_score(target, pred))


def test_pooled_counts_equal_the_within_site_index():
    rng = np.random.default_rng(4)
    time, event, risk = rng.exponential(size=90), rng.random(90) < 0.5, rng.normal(size=90)
    site = np.repeat([0, 1, 2], 30)
    parts = [
        concordance_counts(time[site == s], event[site == s], risk[site == s]) for s in range(3)
    ]
    pooled = sum(p[0][0] for p in parts) / sum(p[1][0] for p in parts)
    assert pooled == pytest.approx(harrell_c(time, event, risk, strata=site))


# ------------------------------------------------------------------ site pieces
def test_holdout_is_stratified_and_independent_of_row_order():
    ids = np.array([f"T{i:03d}" for i in range(101)])
    strata = np.arange(101) % 2
    mask = holdout_mask(ids, strata, 0.25, seed=7)
    assert mask[strata == 0].sum() == round(0.25 * 51)
    assert mask[strata == 1].sum() == round(12.5)
    order = np.random.default_rng(0).permutation(101)
    shuffled = holdout_mask(ids[order], strata[order], 0.25, seed=7)
    assert np.array_equal(shuffled, mask[order])
    assert not np.array_equal(holdout_mask(ids, strata, 0.25, seed=8), mask)


def test_hazard_grid_sums_match_a_loop_and_recover_a_constant_hazard():
    rng = np.random.default_rng(5)
    time = rng.exponential(scale=2.0, size=400)
    event = rng.random(400) < 0.8
    margin = rng.normal(scale=0.3, size=400)
    grid = np.arange(0, 6.5, 0.5)
    events, exposure = hazard_grid_sums(time, event, margin, grid)
    for g in range(grid.size - 1):
        lo, hi = grid[g], grid[g + 1]
        twin_events = sum(1 for t, e in zip(time, event, strict=True) if e and lo < t <= hi)
        twin_exposure = sum(
            np.exp(m) * max(0.0, min(t, hi) - lo) for t, m in zip(time, margin, strict=True)
        )
        assert events[g] == twin_events
        assert exposure[g] == pytest.approx(twin_exposure)
    # one interval, margin 0, no censoring before the end: the MLE events / total time
    t = rng.exponential(scale=2.0, size=5000)
    e, x = hazard_grid_sums(t, np.ones(5000, bool), np.zeros(5000), np.array([0.0, 1e9]))
    assert e[0] / x[0] == pytest.approx(0.5, rel=0.05)


def test_site_refuses_missing_features_and_small_cohorts(cohort, tmp_path, plan_path):
    plan = load_plan(plan_path)
    part = cohort[cohort.obs["fed_site"] == "A"].copy()
    del part.obs["gard"]
    path = tmp_path / "bad.h5ad"
    part.write_h5ad(path)
    with pytest.raises(InputError, match="gard"):
        load_site(path, plan, "A")
    small = cohort[:15].copy()
    small.write_h5ad(path)
    with pytest.raises(InputError, match="at least 20"):
        load_site(path, plan, "A")
    with pytest.raises(InputError, match="not among the plan's sites"):
        load_site(path, plan, "Z")


# ------------------------------------------------------------------ the plan
def test_plan_digest_is_stable_and_round_trips(plan_path):
    plan = load_plan(plan_path)
    again = FederationPlan.from_json(plan.to_json())
    assert again == plan
    assert again.sha256 == plan.sha256
    assert plan.target["columns"] == ["recurrence_event", "recurrence_years"]
    assert plan.schema.xgboost_types == ["float"] * 4 + ["c"]
    changed = FederationPlan.from_json(plan.to_json().replace('"rounds":6', '"rounds":7'))
    assert changed.sha256 != plan.sha256


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("sites: [A, B, C]", "sites: [A, A]"),
        ("sites: [A, B, C]", "sites: [Hospital Nord, B]"),
        ("strategy: bagging", "strategy: bagging\nlocal_rounds: 3"),
        ("seed: 3", "seed: 3\nbatch: 2"),
    ],
)
def test_plan_errors_are_clear(plan_path, old, new):
    plan_path.write_text(PLAN.replace(old, new))
    with pytest.raises(InputError):
        load_plan(plan_path)


# ------------------------------------------------------------------ the apps, in one process
@pytest.fixture
def flower():
    """Skip unless the optional extra (flwr>=1.42) is installed (fail instead in CI)."""
    if os.environ.get("RTPREDICT_REQUIRE_FEDERATED") == "1":
        import flwr

        return flwr
    return pytest.importorskip("flwr", reason="the Flower apps need the extra flwr>=1.42")


class InProcessGrid:
    """A Flower Grid that hands each message to the ClientApp with its site's node config."""

    def __init__(self, contexts):
        self.contexts = contexts

    def get_node_ids(self):
        return list(self.contexts)

    def send_and_receive(self, messages, *, timeout=None):
        from flwr.app import Error, Message

        from rtpredict.federated import client_app

        replies = []
        for message in messages:
            context = self.contexts[message.metadata.dst_node_id]
            try:
                replies.append(client_app.app(message, context))
            except Exception as err:
                replies.append(Message(Error(code=0, reason=repr(err)), reply_to=message))
        return replies


@pytest.fixture
def run_federation(sites, tmp_path, flower):
    """Run the ServerApp against the sites in-process; return the card path."""
    from flwr.app import Context, RecordDict
    from flwr.supercore.task_identity import TaskIdentity

    from rtpredict.federated import server_app

    TaskIdentity.run_id, TaskIdentity.node_id, TaskIdentity.task_id = 7, 0, 0

    def run(plan: FederationPlan, *, agreed: dict | None = None):
        contexts = {}
        for i, (code, folder) in enumerate(sites.items(), start=100):
            node_config = {
                "cohort": str(folder / "cohort.features.h5ad"),
                "site-code": code,
                "plan-sha256": (agreed or {}).get(code, plan.sha256),
                "workdir": str(folder),
            }
            contexts[i] = Context(7, i, node_config, RecordDict(), {})
        run_config = {"plan": plan.to_json(), "output-dir": str(tmp_path / "out")}
        server_app.main(InProcessGrid(contexts), Context(7, 0, {}, RecordDict(), run_config))
        return tmp_path / "out" / f"{plan.name}.card.json"

    return run


def _holdout(cohort, plan):
    """Return the pooled hold-out rows of the three sites, as the sites split them."""
    parts = []
    for code in plan.sites:
        obs = cohort.obs[cohort.obs["fed_site"] == code]
        values = plan.resolved_target.values(obs)
        known = np.all(np.isfinite(np.atleast_2d(values.T)), axis=0)
        obs, values = obs[known], values[known]
        parts.append(obs.index[site_holdout(obs.index, values, plan)])
    return np.concatenate(parts)


def test_bagging_survival_model_loads_and_its_card_metrics_are_exact(
    cohort, sites, plan_path, run_federation
):
    plan = load_plan(plan_path)
    card_path = run_federation(plan)
    model = load_model(card_path)  # checksums and schema verified
    card = json.loads(card_path.read_text())
    federation = card["training"]["federation"]
    assert federation["strategy"] == "FedXgbBagging"
    assert federation["rounds"] == 6
    assert len(federation["round_seconds"]) == 6
    assert model.booster_.num_boosted_rounds() == 6 * 3  # one tree per site and round
    counts = cohort.obs.groupby("fed_site", observed=True)["recurrence_event"].agg(["size", "sum"])
    for row in federation["sites"]:
        total = counts.loc[row["site"]]
        assert row["n_train"] + row["n_test"] == total["size"]
        assert row["events_train"] + row["events_test"] == total["sum"]
    # metrics recomputed from pooled predictions equal the card's (sites sent counts only)
    held = _holdout(cohort, plan)
    obs = cohort.obs.loc[held]
    risk = model.predict(cohort[held])
    pooled = harrell_c(obs.recurrence_years, obs.recurrence_event, risk, strata=obs.fed_site)
    assert card["validation"]["pooled"]["estimate"] == pytest.approx(pooled, abs=1e-12)
    (row,) = card["validation"]["metrics"]  # the layout reports read for any model
    assert (row["predictor"], row["metric"]) == ("model", "c_index")
    assert row["estimate"] == card["validation"]["pooled"]["estimate"]
    assert [r["cohort"] for r in card["validation"]["per_cohort"]] == ["A", "B", "C"]
    for row in card["validation"]["per_site"]:
        part = obs.fed_site == row["site"]
        expected = harrell_c(obs.recurrence_years[part], obs.recurrence_event[part], risk[part])
        assert row["estimate"] == pytest.approx(expected, abs=1e-12)
        assert row["lower"] <= row["estimate"] <= row["upper"]
    # risk is centred on the training tumours; survival falls with time
    surv = model.predict_survival(cohort[held], [1.0, 3.0, 6.0])
    assert np.all(np.diff(surv.to_numpy(), axis=1) <= 0)
    assert surv.to_numpy().max() < 1
    # each site's register stays at the site; the card holds only its digest
    for code, folder in sites.items():
        (register,) = folder.glob("register-*.json")
        digest = hashlib.sha256(register.read_bytes()).hexdigest()
        assert card["sample_id_register"]["sites"][code]["register_sha256"] == digest
    assert not any(str(i) in card_path.read_text() for i in cohort.obs_names)
    # each site keeps a copy of what it sent (counts and sums; the trees' digest each round)
    # and of what the privacy policy did, without any sample ID
    for folder in sites.values():
        sent = [p.read_text() for p in sorted(folder.glob("sent-test-model-7-*.json"))]
        assert len(sent) == 2 + 6  # finalise, summary, train-1..6
        assert not any(str(i) in text for text in sent for i in cohort.obs_names)
        final, summary, *rounds = map(json.loads, sent)
        assert final["stats"]["n-train"][0] > 0
        assert final["privacy"]["min_cell_count"] == summary["privacy"]["min_cell_count"] == 5
        assert all(len(r["trees-sha256"]) == 64 for r in rounds)
        assert all(r["privacy"]["collapsed_splits_per_tree"] for r in rounds)


@pytest.mark.parametrize(
    ("head", "target"),
    [
        ("target: recurrence\nkind: survival\nobjective: survival:cox", "recurrence"),
        ("target: response\nkind: binary", "response"),
        ("target: os_years\nkind: regression", "os_years"),
    ],
)
def test_central_and_federated_cards_share_the_training_summary_schema(
    cohort, sites, plan_path, run_federation, head, target
):
    text = PLAN.replace("target: recurrence\nkind: survival\nobjective: survival:cox", head)
    plan_path.write_text(text.replace("rounds: 6", "rounds: 1"))
    plan = load_plan(plan_path)
    federated = json.loads(run_federation(plan).read_text())["training"]
    features = ["rsi", "gard", "dose_per_fraction", "received_rt", "site"]
    central = RadiosensitivityModel(target, features=features, n_estimators=5, n_bootstrap=0)
    central = central.fit(cohort).training_summary_
    assert list(federated) == list(central)
    assert central["federation"] is None
    assert federated["federation"]["strategy"] == "FedXgbBagging"
    # each hospital is a cohort (as in the card's per-cohort validation), with its training
    # tumours; tumour sites are counted centrally only
    n_train = {row["site"]: row["n_train"] for row in federated["federation"]["sites"]}
    assert federated["cohorts"] == n_train
    assert federated["n"] == sum(n_train.values())
    assert federated["sites"] is None
    assert sum(central["sites"].values()) == central["n"] == cohort.n_obs


def test_cyclic_binary_model(cohort, sites, plan_path, run_federation):
    text = PLAN.replace("target: recurrence\nkind: survival\nobjective: survival:cox", "")
    text = text.replace("strategy: bagging", "strategy: cyclic\nlocal_rounds: 2")
    text += "privacy: {min_cell_count: 1}\n"  # the policy off: bootstrap resamples are sent
    plan_path.write_text(
        "target: response\nkind: binary\n" + text.replace("rounds: 6", "rounds: 3")
    )
    plan = load_plan(plan_path)
    card_path = run_federation(plan)
    model = load_model(card_path)
    card = json.loads(card_path.read_text())
    assert card["training"]["federation"]["strategy"] == "FedXgbCyclic"
    assert model.booster_.num_boosted_rounds() == 3 * 2
    held = _holdout(cohort, plan)
    obs = cohort.obs.loc[held]
    prob = model.predict(cohort[held])
    assert np.all((prob > 0) & (prob < 1))
    num = den = 0.0
    for code in plan.sites:
        part = (obs.fed_site == code).to_numpy()
        n, d = _counts.auc_counts(obs.response[part].to_numpy(), prob[part])
        num, den = num + n[0], den + d[0]
    assert card["validation"]["pooled"]["estimate"] == pytest.approx(num / den, abs=1e-12)
    expected = roc_auc_score(obs.response[obs.fed_site == "A"], prob[obs.fed_site == "A"])
    assert card["validation"]["per_site"][0]["estimate"] == pytest.approx(expected)
    assert card["validation"]["scheme"]["ci"].startswith("bootstrap percentile")
    assert card["training"]["federation"]["privacy"]["differential_privacy"] is None


def test_a_site_with_a_mismatched_schema_stops_the_run(cohort, sites, plan_path, run_federation):
    from rtpredict.federated.server_app import SiteFailure

    part = cohort[cohort.obs["fed_site"] == "B"].copy()
    part.obs["site"] = part.obs["site"].astype(str).map(len).astype(float)  # numeric, not text
    part.write_h5ad(sites["B"] / "cohort.features.h5ad")
    with pytest.raises(SiteFailure, match="categorical in training"):
        run_federation(load_plan(plan_path))


def test_a_site_refuses_a_plan_it_did_not_agree_to(sites, plan_path, run_federation, monkeypatch):
    from rtpredict.federated import _site
    from rtpredict.federated.server_app import SiteFailure

    def never(*_args, **_kwargs):
        raise AssertionError("the cohort was read")

    monkeypatch.setattr(_site, "read_cohort", never)
    plan = load_plan(plan_path)
    with pytest.raises(SiteFailure, match="not the plan this site agreed to"):
        run_federation(plan, agreed={"C": "0" * 64})


# ------------------------------------------------------------------ deployment settings
def test_flower_processes_get_a_hospitals_settings(tmp_path):
    from rtpredict.federated import _deploy

    env = _deploy.flower_env(tmp_path / "home", base={"PATH": "/usr/bin"})
    assert env["FLWR_TELEMETRY_ENABLED"] == "0"
    assert env["FLWR_DISABLE_UPDATE_CHECK"] == "1"
    assert env["FLWR_HOME"] == str((tmp_path / "home").resolve())
    tls = _deploy.Tls(Path("ca.crt"), Path("server.crt"), Path("server.key"))
    link = _deploy.superlink_command(Path("db"), host="0.0.0.0", port=9092, tls=tls)
    assert "--enable-supernode-auth" in link
    assert "--insecure" not in link
    assert "--disable-runtime-dependency-installation" in link
    node = _deploy.supernode_command(
        "h:9092", Path("n.toml"), runtime_port=9094, ca=Path("ca.crt"), key=Path("k")
    )
    assert "--insecure" not in node
    assert "--allow-runtime-dependency-installation" not in node
    with pytest.raises(InputError):
        _deploy.supernode_command("h:1", Path("n.toml"), runtime_port=1, ca=Path("ca"), key=None)


def test_secure_mode_is_the_default_of_the_commands(tmp_path, plan_path, sites):
    from rtpredict.cli import main

    # no certificates, no --insecure
    assert main(["federated", "superlink", str(tmp_path / "run")]) == 2
    cohort = str(sites["A"] / "cohort.features.h5ad")
    args = ["federated", "site", str(tmp_path / "s"), "--cohort", cohort, "--site-code", "A"]
    assert main([*args, "--plan", str(plan_path), "--superlink", "127.0.0.1:1"]) == 2


def test_certificates_and_site_keys_load_as_flower_expects(tmp_path):
    pytest.importorskip("cryptography", reason="comes with the federated extra")
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import (
        load_ssh_private_key,
        load_ssh_public_key,
    )

    from rtpredict.federated._certificates import make_certificates, make_site_keys

    paths = make_certificates(tmp_path, ["127.0.0.1", "superlink.example.org"])
    server = x509.load_pem_x509_certificate(paths["server_crt"].read_bytes())
    ca = x509.load_pem_x509_certificate(paths["ca_crt"].read_bytes())
    server.verify_directly_issued_by(ca)
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "superlink.example.org" in names.get_values_for_type(x509.DNSName)
    assert paths["server_key"].stat().st_mode & 0o077 == 0
    private, public = make_site_keys(tmp_path, "H01")
    key = load_ssh_private_key(private.read_bytes(), None)
    assert load_ssh_public_key(public.read_bytes()) == key.public_key()
    assert private.stat().st_mode & 0o077 == 0


def test_importing_rtpredict_federated_needs_no_flower():
    code = (
        "import sys, rtpredict.federated, rtpredict.commands.federated; "
        "assert 'flwr' not in sys.modules and 'cryptography' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    ("head", "metric"),
    [
        ("target: recurrence\nkind: survival\nobjective: survival:aft", "c_index"),
        ("target: os_years\nkind: regression", "r2"),
    ],
)
def test_aft_and_regression_models(cohort, sites, plan_path, run_federation, head, metric):
    text = PLAN.replace("target: recurrence\nkind: survival\nobjective: survival:cox", head)
    plan_path.write_text(text.replace("rounds: 6", "rounds: 3"))
    plan = load_plan(plan_path)
    card_path = run_federation(plan)
    model = load_model(card_path)
    card = json.loads(card_path.read_text())
    assert card["validation"]["primary_metric"] == metric
    held = _holdout(cohort, plan)
    obs = cohort.obs.loc[held]
    pred = model.predict(cohort[held])
    if metric == "r2":
        site = obs.fed_site.to_numpy()
        sse = sum(((obs.os_years - pred)[site == s] ** 2).sum() for s in plan.sites)
        r2 = 1 - sse / ((obs.os_years - obs.os_years.mean()) ** 2).sum()
        assert card["validation"]["pooled"]["estimate"] == pytest.approx(r2)
        assert card["training"]["mean"] == pytest.approx(cohort.obs.os_years.drop(held).mean())
    else:  # AFT risk: higher = earlier event, centred on the training tumours
        expected = harrell_c(obs.recurrence_years, obs.recurrence_event, pred, strata=obs.fed_site)
        assert card["validation"]["pooled"]["estimate"] == pytest.approx(expected)
        surv = model.predict_survival(cohort[held], [1.0, 4.0]).to_numpy()
        assert np.all(surv[:, 1] <= surv[:, 0])


@pytest.mark.parametrize(
    ("head", "dp"),
    [
        ("target: recurrence\nkind: survival\nobjective: survival:cox", ""),
        (
            "target: recurrence\nkind: survival\nobjective: survival:aft",
            ", outcome_range: [0.1, 15]",
        ),
        ("target: response\nkind: binary", ""),
        ("target: os_years\nkind: regression", ", outcome_range: [0, 20]"),
    ],
)
def test_dp_models_load_and_record_the_budget_on_the_card(
    cohort, sites, plan_path, run_federation, head, dp
):
    text = PLAN.replace("target: recurrence\nkind: survival\nobjective: survival:cox", head)
    text = text.replace("rounds: 6", "rounds: 2")
    privacy = f"privacy: {{min_cell_count: 3, dp: {{epsilon: 4, delta: 1.0e-5{dp}}}}}\n"
    plan_path.write_text(text + privacy)
    plan = load_plan(plan_path)
    card_path = run_federation(plan)
    model = load_model(card_path)
    card = json.loads(card_path.read_text())
    privacy = card["training"]["federation"]["privacy"]
    assert privacy["policy"] == plan.privacy
    budget = privacy["differential_privacy"]
    assert (budget["epsilon"], budget["delta"]) == (4, 1.0e-5)
    rho = budget["rho"]
    assert rho + 2 * np.sqrt(rho * np.log(1e5)) == pytest.approx(4)
    assert "trees" in budget["not_covered"]
    releases = set(budget["releases_per_site"])
    assert set(budget["noise_by_site"]) == {"A", "B", "C"}
    assert all(set(noise) == releases for noise in budget["noise_by_site"].values())
    pooled = card["validation"]["pooled"]
    assert pooled["lower"] is None  # no sampling CI from noisy point counts
    for row in [pooled, *card["validation"]["per_site"]]:  # the noise's interval, or why not
        if row["estimate"] is None:
            assert row["withheld"].startswith("noise dominates")
        else:
            assert row["noise_lower"] <= row["estimate"] <= row["noise_upper"] <= 1
    assert card["validation"]["scheme"]["n_ci_bootstrap"] is None
    held = _holdout(cohort, plan)
    assert np.isfinite(model.predict(cohort[held])).all()
    assert all(s["unseen_category_values"] is None for s in card["training"]["federation"]["sites"])
