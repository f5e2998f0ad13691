"""Flower ServerApp run by the SuperLink: coordinates the rounds and writes the model.

Run config keys (``rtpredict federated run`` writes them into the app's pyproject.toml):
``plan`` (the federation plan, canonical JSON), ``output-dir`` (where the model goes, on the
SuperLink's machine), ``timeout`` (seconds to wait for the sites' replies in a step) and
``connect-timeout`` (seconds to wait for every site to connect).

Steps: wait for the plan's sites; ``query.summary`` (each site checks its cohort and returns
counts); the rounds of Flower's ``FedXgbBagging`` or ``FedXgbCyclic``; ``query.finalise`` (sums
for the model's state and hold-out metrics); build and save an ordinary rtpredict model whose
card names the sites (codes, counts, events), the strategy, rounds and timings, the privacy
policy the sites applied (with the differential-privacy budget and each site's noise), and the
per-site and pooled validation metrics. Any site's failure stops the run.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable, Mapping
from importlib.metadata import version
from logging import INFO
from pathlib import Path

import numpy as np
from flwr.app import ArrayRecord, ConfigRecord, Context, Message, RecordDict
from flwr.common.logger import log
from flwr.serverapp import Grid, ServerApp
from flwr.serverapp.strategy import FedXgbBagging, FedXgbCyclic

from rtpredict.federated import _aggregate, _site_final, _validation
from rtpredict.federated._plan import FederationPlan
from rtpredict.federated._policy import accounting
from rtpredict.models import save_model

app = ServerApp()


class SiteFailure(RuntimeError):
    """A site replied with an error or did not reply in time."""


class _Checked:
    """Strategy mixin: fail on any missing or failed reply; time each training round."""

    expected_replies: int = 1

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.round_seconds: list[float] = []
        self._started = 0.0

    def configure_train(self, server_round, arrays, config, grid):
        self._started = time.perf_counter()
        return super().configure_train(server_round, arrays, config, grid)

    def configure_evaluate(self, server_round, arrays, config, grid):
        # FedXgbCyclic samples a node for evaluation even at fraction_evaluate=0; the final
        # model is evaluated once by query.finalise instead.
        return []

    def aggregate_train(self, server_round, replies: Iterable[Message]):
        replies = list(replies)
        _raise_on_failures(replies, self.expected_replies, f"training round {server_round}")
        out = super().aggregate_train(server_round, replies)
        self.round_seconds.append(time.perf_counter() - self._started)
        return out


class CheckedBagging(_Checked, FedXgbBagging):
    """Flower's FedXgbBagging that stops on a site failure and times rounds."""


class CheckedCyclic(_Checked, FedXgbCyclic):
    """Flower's FedXgbCyclic that stops on a site failure and times rounds."""


def make_strategy(plan: FederationPlan) -> _Checked:
    """Return the plan's strategy, waiting for all of its sites every round."""
    n = len(plan.sites)
    if plan.strategy == "bagging":
        strategy = CheckedBagging(
            fraction_train=1.0,
            fraction_evaluate=0.0,
            min_train_nodes=n,
            min_available_nodes=n,
        )
        strategy.expected_replies = n
    else:
        strategy = CheckedCyclic(fraction_train=1.0, fraction_evaluate=0.0, min_available_nodes=n)
        strategy.expected_replies = 1
    return strategy


@app.main()
def main(grid: Grid, context: Context) -> None:
    """Run the federation described by the run config and save the model."""
    config = context.run_config
    plan = FederationPlan.from_json(str(config["plan"]))
    out_dir = Path(str(config["output-dir"]))
    timeout = float(config.get("timeout", 600))
    nodes = _wait_for_sites(grid, len(plan.sites), float(config.get("connect-timeout", 300)))
    plan_record = {"plan": plan.to_json()}

    replies = _ask(
        grid, nodes, "query.summary", RecordDict({"config": ConfigRecord(plan_record)}), timeout
    )
    codes = {n: str(r.content["site"]["site-code"]) for n, r in replies.items()}
    summaries = {codes[n]: dict(r.content["summary"]) for n, r in replies.items()}
    registers = {codes[n]: str(r.content["site"]["register-sha256"]) for n, r in replies.items()}
    noise = {codes[n]: json.loads(str(r.content["privacy"]["noise"])) for n, r in replies.items()}
    _aggregate.check_sites(plan, summaries)
    base = _aggregate.base_score(plan, summaries)
    n_total = sum(s["n-train"] for s in summaries.values())
    log(INFO, "sites %s; %d training tumours; base score %.6g", sorted(summaries), n_total, base)

    strategy = make_strategy(plan)
    started = time.perf_counter()
    result = strategy.start(
        grid=grid,
        initial_arrays=ArrayRecord([np.frombuffer(b"", dtype=np.uint8)]),
        num_rounds=plan.rounds,
        timeout=timeout,
        train_config=ConfigRecord({**plan_record, "base-score": base, "n-total": n_total}),
    )
    training_seconds = time.perf_counter() - started
    model = result.arrays["0"].numpy().tobytes()

    edges = _site_final.margin_edges(model)
    content = RecordDict(
        {
            "arrays": ArrayRecord([np.frombuffer(model, dtype=np.uint8)]),
            "config": ConfigRecord(plan_record),
        }
    )
    replies = _ask(grid, nodes, "query.finalise", content, timeout)
    finals = {codes[n]: dict(r.content["stats"]) for n, r in replies.items()}
    for n, r in replies.items():
        noise[codes[n]].update(json.loads(str(r.content["privacy"]["noise"])))

    federation = _federation_record(plan, summaries, registers, strategy, training_seconds)
    federation["privacy"] = _privacy_record(plan, noise)
    estimator = _aggregate.build_model(plan, model, summaries, finals, edges, federation)
    metrics = _validation.validation(plan, summaries, finals, noise)
    card = save_model(
        estimator,
        out_dir / f"{plan.name}.json",
        info=_card_info(plan, federation),
        validation=metrics,
    )
    log(INFO, "federated model written: %s", card)


def _wait_for_sites(grid: Grid, n: int, timeout: float) -> list[int]:
    """Wait until ``n`` SuperNodes are connected; return their node IDs."""
    deadline = time.monotonic() + timeout
    while len(nodes := sorted(grid.get_node_ids())) < n:
        if time.monotonic() > deadline:
            raise SiteFailure(f"{len(nodes)} of the plan's {n} sites connected within {timeout} s.")
        time.sleep(1)
    if len(nodes) > n:
        raise SiteFailure(f"{len(nodes)} SuperNodes connected but the plan has {n} sites.")
    return nodes


def _ask(grid: Grid, nodes: list[int], message_type: str, content: RecordDict, timeout: float):
    """Send one message to every node; return node ID -> reply, or raise on any failure."""
    messages = [Message(content, dst_node_id=n, message_type=message_type) for n in nodes]
    replies = list(grid.send_and_receive(messages, timeout=timeout))
    _raise_on_failures(replies, len(nodes), message_type)
    return {r.metadata.src_node_id: r for r in replies}


def _raise_on_failures(replies: list[Message], expected: int, step: str) -> None:
    """Raise SiteFailure naming each failed site, or when replies are missing."""
    failed = [r for r in replies if r.has_error()]
    if failed:
        reasons = "; ".join(f"node {r.metadata.src_node_id}: {r.error.reason}" for r in failed)
        raise SiteFailure(f"{step}: {len(failed)} site(s) failed: {reasons}")
    if len(replies) < expected:
        raise SiteFailure(f"{step}: {len(replies)} of {expected} sites replied in time.")


def _federation_record(plan, summaries, registers, strategy, training_seconds) -> dict:
    """Describe the federation for the model card (aggregates and timings only)."""
    sites = []
    for code in plan.sites:
        s = summaries[code]
        sites.append(
            {
                "site": code,
                "n_train": int(s["n-train"]),
                "events_train": _aggregate.count(s.get("events-train", 0)),
                "n_test": int(s["n-test"]),
                "events_test": _aggregate.count(s.get("events-test", 0)),
                "unseen_category_values": (
                    None if math.isnan(s["n-unseen-categories"]) else int(s["n-unseen-categories"])
                ),
            }
        )
    return {
        "framework": f"Flower {version('flwr')} (deployment engine)",
        "strategy": type(strategy).__mro__[2].__name__,
        "rounds": plan.rounds,
        "local_rounds": plan.local_rounds,
        "learning_rate_per_site": (
            "learning_rate x site training share (size-weighted bagging)"
            if plan.strategy == "bagging"
            else "learning_rate"
        ),
        "sites": sites,
        "site_registers": registers,
        "plan_sha256": plan.sha256,
        "training_seconds": round(training_seconds, 3),
        "round_seconds": [round(s, 3) for s in strategy.round_seconds],
        "baseline_hazard": (
            f"piecewise-exponential on a {plan.hazard_grid_years}-year grid to "
            f"{plan.hazard_max_years} years (site sums of events and risk-weighted exposure)"
            if plan.target["objective"] == "survival:cox"
            else None
        ),
        "training_quantiles": f"pooled histogram of training margins ({_site_final.N_BINS} bins)",
    }


def _privacy_record(plan: FederationPlan, noise: Mapping[str, dict]) -> dict:
    """Describe the privacy policy the sites applied, for the model card.

    ``noise`` maps each site to its releases' sensitivity and noise sd (empty without DP).
    """
    policy = plan.policy
    k = policy.min_cell_count
    record = {
        "policy": plan.privacy,
        "enforced_by": "each site, before sending (rtpredict.federated._privacy)",
        "min_cell_count": (
            f"every released count, histogram cell and tree node covers 0 or >= {k} tumours; "
            f"a site with a training part under {k} tumours (or events, or tumours without one) "
            f"does not join, and one with such a hold-out part sends no hold-out statistics"
            if k > 1
            else "off (1): cells of any size are released"
        ),
        "differential_privacy": None,
        "secure_aggregation": "not used: Flower's SecAgg+ masks only summable arrays of 'train' "
        "replies, which these messages are not (docs/federated.md)",
    }
    if policy.dp is not None:
        dp = accounting(policy.dp, plan.target["objective"])
        record["differential_privacy"] = {**dp, "noise_by_site": dict(noise)}
    return record


def _card_info(plan: FederationPlan, federation: dict) -> dict:
    """Return the model card's descriptive fields."""
    n = sum(s["n_train"] for s in federation["sites"])
    events = sum(s["events_train"] for s in federation["sites"])
    codes = ", ".join(plan.sites)
    return {
        "name": plan.name,
        "title": plan.title or f"Federated {plan.target['name']} model ({plan.strategy})",
        "description": plan.description
        or (
            f"XGBoost {plan.target['objective']} model trained across {len(plan.sites)} sites "
            f"with Flower's {federation['strategy']} for {plan.rounds} rounds; each site kept "
            "its data and sent only trees and aggregate sums, under the privacy policy in "
            "training.federation.privacy."
        ),
        "trained_on": (
            f"federated: {n} training tumours ({events} events) at sites {codes}; "
            f"{plan.holdout_fraction:.0%} of each site held out for validation"
        ),
        "data_source": f"site cohorts (never pooled); federation plan sha256 {plan.sha256}",
        "data_handling": {
            "federation": federation,
            "per_patient_register": "written and kept at each site; sha256 of each site's "
            "register in sample_id_register",
        },
        "licence": plan.licence,
    }
