"""Flower ClientApp run by each site's SuperNode: reads only its own cohort, sends only aggregates.

The site's node config (set by ``rtpredict federated site``) names its cohort file, its
pseudonymous site code, the SHA-256 of the federation plan it agreed to and its own folder for
the data-use register. Every message carries the plan; a plan whose digest differs from the
agreed one is refused before the cohort is read.

Messages handled: ``query.summary`` (check the cohort, write the register, return counts),
``train`` (boost from the global model; return trees and the loss) and ``query.finalise``
(return the sums that make the model's state and its hold-out metrics). Everything passes
through the plan's privacy policy in `rtpredict.federated._site` before it is put in a reply;
replies also carry the noise's standard deviation per release under differential privacy (a
function of the plan and of public counts), for the model card. The site keeps a copy of what
each step sent and of what the policy suppressed, merged, collapsed or noised
(``sent-<plan>-<run>-<step>.json``; for training rounds the trees' SHA-256, not the trees).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
from flwr.app import ArrayRecord, ConfigRecord, Context, Message, MetricRecord, RecordDict
from flwr.clientapp import ClientApp

from rtpredict.errors import InputError
from rtpredict.federated import _site, _site_final, _site_records
from rtpredict.federated._plan import FederationPlan

app = ClientApp()

#: node config keys a site sets (``rtpredict federated site`` writes them)
NODE_KEYS = ("cohort", "site-code", "plan-sha256", "workdir")


def _site_and_plan(msg: Message, context: Context) -> tuple[_site.SiteData, FederationPlan]:
    """Check the plan against the site's agreement and load the site's cohort."""
    missing = [k for k in NODE_KEYS if k not in context.node_config]
    if missing:
        raise InputError(
            f"SuperNode node config lacks {missing}; start it with `rtpredict federated site`."
        )
    plan = FederationPlan.from_json(str(msg.content["config"]["plan"]))
    agreed = str(context.node_config["plan-sha256"])
    if plan.sha256 != agreed:
        raise InputError(
            f"the run's federation plan (sha256 {plan.sha256}) is not the plan this site agreed "
            f"to ({agreed}); refusing to read the cohort."
        )
    code = str(context.node_config["site-code"])
    return _site.load_site(Path(str(context.node_config["cohort"])), plan, code), plan


@app.query("summary")
def summary(msg: Message, context: Context) -> Message:
    """Check the cohort against the plan, write the register locally, return counts."""
    site, plan = _site_and_plan(msg, context)
    folder, run_id = Path(str(context.node_config["workdir"])), str(context.run_id)
    _site_records.check_unspent(folder, plan, "summary")
    digest = _site_records.write_register(site, plan, folder, run_id)
    counts, report = _site.summary(site, plan)
    sent = {"summary": counts, "site-code": site.code, "register-sha256": digest}
    _site_records.record_sent(folder, plan, run_id, "summary", {**sent, "privacy": report})
    content = RecordDict(
        {
            "summary": MetricRecord(counts),
            "site": ConfigRecord({"site-code": site.code, "register-sha256": digest}),
            "privacy": _noise_record(report),
        }
    )
    return Message(content, reply_to=msg)


def _noise_record(report: dict) -> ConfigRecord:
    """The DP part of a step's privacy report (sensitivity and noise sd per release)."""
    return ConfigRecord({"noise": json.dumps(report["dp"], sort_keys=True)})


@app.train()
def train(msg: Message, context: Context) -> Message:
    """Boost on the site's training rows from the global model; reply with trees only."""
    site, plan = _site_and_plan(msg, context)
    config = msg.content["config"]
    global_model = msg.content["arrays"]["0"].numpy().tobytes()
    server_round = int(config["server-round"])
    trees, metrics, report = _site.train_step(
        site,
        plan,
        global_model,
        base_score=float(config["base-score"]),
        n_total=float(config["n-total"]),
        server_round=server_round,
    )
    sent = {"trees-sha256": hashlib.sha256(trees).hexdigest(), "metrics": metrics}
    folder, run_id = Path(str(context.node_config["workdir"])), str(context.run_id)
    _site_records.record_sent(
        folder, plan, run_id, f"train-{server_round}", {**sent, "privacy": report}
    )
    content = RecordDict(
        {
            "arrays": ArrayRecord([np.frombuffer(trees, dtype=np.uint8)]),
            "metrics": MetricRecord(metrics),
        }
    )
    return Message(content, reply_to=msg)


@app.query("finalise")
def finalise(msg: Message, context: Context) -> Message:
    """Return the sums for the model's state and the hold-out metrics of the final model."""
    site, plan = _site_and_plan(msg, context)
    model = msg.content["arrays"]["0"].numpy().tobytes()
    folder = Path(str(context.node_config["workdir"]))
    _site_records.check_unspent(folder, plan, "finalise")
    stats, report = _site_final.final_statistics(site, plan, model)
    sent = {"stats": stats, "privacy": report}
    _site_records.record_sent(folder, plan, str(context.run_id), "finalise", sent)
    content = RecordDict({"stats": MetricRecord(stats), "privacy": _noise_record(report)})
    return Message(content, reply_to=msg)
