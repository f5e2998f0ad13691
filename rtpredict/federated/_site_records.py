"""What a site keeps in its own folder: its data-use register and a copy of what each step sent.

The register (hashes of the sample IDs used) never leaves the site; only its SHA-256 goes into
the model card. The ``sent-*`` copies are the audit trail of what left the site, and under
differential privacy they stop a site from answering a step of a plan twice.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

from rtpredict._files import write_bytes_atomic
from rtpredict.errors import InputError
from rtpredict.federated._plan import FederationPlan
from rtpredict.federated._site import SiteData
from rtpredict.models.interface import ID_SECRET_ENV, hash_sample_ids, jsonable

REGISTER_FORMAT = "rtpredict-site-register"


def write_register(site: SiteData, plan: FederationPlan, folder: Path, run_id: str) -> str:
    """Write the site's data-use register into ``folder``; return the file's SHA-256.

    The register lists HMAC-SHA256 hashes of the training and hold-out sample IDs, keyed with
    ``$RTPREDICT_ID_SECRET`` when set (the key is never written) or a random salt kept in the
    file. It never leaves the site; its digest goes into the model card so the site can later
    show which register belongs to which model.
    """
    secret = os.environ.get(ID_SECRET_ENV)
    key = secret or secrets.token_hex(16)
    ids = site.frame.index
    register = {
        "format": REGISTER_FORMAT,
        "format_version": 1,
        "site": site.code,
        "run_id": run_id,
        "plan": plan.name,
        "plan_sha256": plan.sha256,
        "created": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "scheme": "hmac-sha256(key, sample_id)",
        "key": f"secret from ${ID_SECRET_ENV}, not stored" if secret else key,
        "training": hash_sample_ids(ids[site.train], key=key),
        "holdout": hash_sample_ids(ids[site.test], key=key),
    }
    data = (json.dumps(register, indent=1) + "\n").encode()
    write_bytes_atomic(Path(folder) / f"register-{plan.name}-{run_id}.json", data)
    return hashlib.sha256(data).hexdigest()


def check_unspent(folder: Path, plan: FederationPlan, step: str) -> None:
    """Under DP, refuse to answer a step of a plan this site has answered before.

    Each answer spends the step's share of the budget again, and repeated answers with fresh
    noise could be averaged; the site's ``sent-*`` copies show which steps of which plan (by
    digest) it answered, in any run.
    """
    if plan.policy.dp is None:
        return
    for path in Path(folder).glob(f"sent-{glob.escape(plan.name)}-*-{step}.json"):
        if json.loads(path.read_text()).get("plan_sha256") == plan.sha256:
            raise InputError(
                f"this site already answered the {step} step of plan {plan.name!r} "
                f"({path.name}); under differential privacy it answers once per plan, since "
                "every answer spends the privacy budget again. Agree to a new plan to rerun."
            )


def record_sent(folder: Path, plan: FederationPlan, run_id: str, step: str, sent: dict) -> Path:
    """Keep at the site a copy of the aggregates one step sent (an audit trail of what left).

    Written as ``sent-<plan>-<run>-<step>.json`` in the site's folder before the reply goes;
    ``sent`` holds the released values and the privacy policy's report of what it suppressed,
    merged, collapsed or noised. Values not released (NaN) are written as null.
    """
    path = Path(folder) / f"sent-{plan.name}-{run_id}-{step}.json"
    record = {"run_id": run_id, "plan_sha256": plan.sha256, "step": step}
    record.update(sent)
    write_bytes_atomic(path, (json.dumps(jsonable(record), indent=1) + "\n").encode())
    return path
