"""On a real single-node SLURM: the workflow through the executor plugin equals a local run.

scripts/slurm/up.sh brings up munge, MariaDB + slurmdbd, slurmctld and slurmd on localhost (root,
Debian's packages); the small simulated cohort then runs once locally and once with
``--executor slurm --workflow-profile`` (profiles/slurm with the partition and account filled in,
as docs/cluster.md tells users to). Every job must have gone through sbatch and completed
(sacct), and the results must equal the local run's.

The STAR route is the one compared: it is deterministic end to end (two local runs give
byte-identical tables), whereas salmon 1.10 is not reproducible run to run even with one thread
(its online phase depends on read order; COMBINE-lab/salmon#102, #613), so a salmon comparison
could only be statistical.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SLURM_SCRIPTS = ROOT / "scripts" / "slurm"
PARTITION, ACCOUNT = "local", "rtpredict"  # as configured by scripts/slurm/up.sh
#: floats may differ by summation order only (the STAR route is otherwise bit-reproducible)
RTOL = 1e-9
#: all that may differ between the two runs: the creation time of a batch's expression.h5ad,
#: and so the checksums of the files recorded downstream
VOLATILE_UNS = {
    "uns.rtpredict.created_utc",
    "uns.rtpredict.features.input_sha256",
    "uns.rtpredict.features.reference.sha256",
    "uns.rtpredict.batches",
}

pytestmark = [pytest.mark.slurm, pytest.mark.workflow]


@pytest.fixture(scope="module")
def slurm():
    """A running single-node SLURM with accounting; shut down afterwards if started here."""
    pytest.importorskip(
        "snakemake_executor_plugin_slurm",
        reason="needs the SLURM executor plugin (pip install snakemake-executor-plugin-slurm)",
    )
    up = subprocess.run(
        [SLURM_SCRIPTS / "up.sh"], capture_output=True, text=True, check=False, timeout=600
    )
    if up.returncode == 3:
        reason = up.stderr.strip().splitlines()[-1]
        if os.environ.get("RTPREDICT_REQUIRE_SLURM") == "1":
            pytest.fail(f"SLURM cannot be brought up here: {reason}")
        pytest.skip(reason)
    assert up.returncode == 0, up.stdout + up.stderr
    yield
    if "was already up" not in up.stdout:
        down = subprocess.run(
            [SLURM_SCRIPTS / "down.sh"], capture_output=True, text=True, check=False, timeout=300
        )
        assert down.returncode == 0, down.stdout + down.stderr


def snakemake(workdir: Path, *args: str) -> tuple[subprocess.CompletedProcess, float]:
    """Run the workflow in ``workdir``; return the process and its wall time (s)."""
    env = dict(os.environ)
    # the rules call `python`: the environment running the tests, on the nodes too (--export=ALL)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile")]
    cmd += ["--directory", str(workdir), "--configfile", str(workdir / "config.yaml"), *args]
    start = time.monotonic()
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1200)
    return result, time.monotonic() - start


def cluster_profile(directory: Path) -> Path:
    """profiles/slurm with the partition and account filled in."""
    profile = yaml.safe_load((ROOT / "profiles" / "slurm" / "config.yaml").read_text())
    profile["default-resources"].update(slurm_partition=PARTITION, slurm_account=ACCOUNT)
    directory.mkdir(parents=True)
    (directory / "config.yaml").write_text(yaml.safe_dump(profile))
    return directory


@pytest.fixture(scope="module")
def runs(slurm, small_cohort, tmp_path_factory):
    """The STAR route run locally and on SLURM: (local dir, cluster dir, cluster output)."""
    base = tmp_path_factory.mktemp("slurm")
    config = {
        "samples": str(small_cohort / "samples.tsv"),
        "clinical": str(small_cohort / "clinical.tsv"),
        "quantifier": "star",
        "reference": {
            "gtf": str(small_cohort / "reference" / "annotation.gtf"),
            "genome_fasta": str(small_cohort / "reference" / "genome.fa"),
        },
    }
    local, cluster = base / "local", base / "cluster"
    for workdir in (local, cluster):
        workdir.mkdir()
        (workdir / "config.yaml").write_text(yaml.safe_dump(config))

    result, local_s = snakemake(local, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    result, cluster_s = snakemake(
        cluster, "--executor", "slurm", "--workflow-profile", str(cluster_profile(base / "prof")),
        # this node has 2 CPUs (the profile asks for up to 8); jobs take seconds here, so
        # check their state every few seconds rather than after the plugin's default 40 s
        "--max-threads", "2", "--slurm-init-seconds-before-status-checks", "2",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    print(f"\nwall time, STAR route, 3 tumours: local {local_s:.0f} s, SLURM {cluster_s:.0f} s")
    yield local, cluster, result.stderr
    for job in submitted_jobs(result.stderr):
        shutil.rmtree(job_tmpdir(job), ignore_errors=True)


def submitted_jobs(output: str) -> list[str]:
    """SLURM job IDs the executor plugin reported submitting."""
    return re.findall(r"has been submitted with SLURM jobid (\d+)", output)


def job_tmpdir(job: str) -> Path:
    """The per-job temporary directory the slurm profile asks for."""
    return Path(tempfile.gettempdir()) / f"rtpredict-job-{job}"


#: rules Snakemake runs on the submit host: the target rule and the batches' input lists
LOCAL_RULES = {"all", "batch_inputs"}


def planned_jobs(output: str) -> Counter:
    """Jobs per rule from Snakemake's "Job stats" table, without the local rules."""
    table = output.split("Job stats:", 1)[1].split("\ntotal", 1)[0]
    rows = re.findall(r"^(\w+)\s+(\d+)$", table, flags=re.MULTILINE)
    return Counter({rule: int(n) for rule, n in rows if rule not in LOCAL_RULES})


def sacct(run_id: str) -> pd.DataFrame:
    """The accounting records of one workflow run's jobs (allocations only, no steps)."""
    since = (datetime.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    fields = "JobID,JobName,Comment,Account,Partition,AllocCPUS,ReqMem,State,ExitCode"
    listing = subprocess.run(
        ["sacct", "-X", "-P", "-n", "-S", since, "--name", run_id, "-o", fields],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    rows = [line.split("|") for line in listing.stdout.splitlines() if line]
    return pd.DataFrame(rows, columns=fields.split(","))


def test_every_job_went_through_sbatch_and_completed(runs):
    _, cluster, output = runs
    run_id = re.search(r"SLURM run ID: (\S+)", output).group(1)
    jobs = sacct(run_id)
    assert sorted(jobs["JobID"]) == sorted(submitted_jobs(output))
    rules = jobs["Comment"].str.extract(r"^rule_(\w+?)(?:_wildcards_.*)?$")[0]
    assert Counter(rules) == planned_jobs(output)
    assert (jobs["State"] == "COMPLETED").all(), jobs
    assert (jobs["ExitCode"] == "0:0").all(), jobs
    assert set(jobs["Account"]) == {ACCOUNT}
    assert set(jobs["Partition"]) == {PARTITION}
    # one SLURM log per job, kept (slurm-keep-successful-logs)
    logs = {path.stem for path in (cluster / "results" / "logs" / "slurm").rglob("*.log")}
    assert logs == set(jobs["JobID"])


def test_every_job_had_its_own_tmpdir(runs):
    _, _, output = runs
    assert all(job_tmpdir(job).is_dir() for job in submitted_jobs(output))


def features_job(output: str) -> str:
    """The SLURM job ID of the features step."""
    return re.search(r"SLURM jobid (\d+) \(log: \S+/rule_features/", output).group(1)


def test_numba_cache_was_per_job(runs):
    _, _, output = runs
    assert list((job_tmpdir(features_job(output)) / "rtpredict-numba").rglob("*.nbi"))


def test_tables_are_byte_identical(runs):
    local, cluster, _ = runs

    def tables_of(root):
        results = root / "results"
        found = [*(results / "tables").glob("*.tsv"), *(results / "batches").glob("*/*.tsv")]
        return sorted(p.relative_to(root) for p in found)

    tables = tables_of(local)
    assert len(tables) == 8  # the joined three, and five of the one batch
    assert tables == tables_of(cluster)
    for table in tables:
        assert (local / table).read_bytes() == (cluster / table).read_bytes(), table


def assert_same(a, b, where: str) -> None:
    """Recursively compare ``uns`` contents: floats to RTOL, everything else exactly."""
    if where in VOLATILE_UNS:
        return
    if where == "uns.rtpredict.provenance":  # JSON text; its creation time differs
        a, b = json.loads(a), json.loads(b)
        a.pop("created_utc"), b.pop("created_utc")
    if isinstance(a, dict):
        assert isinstance(b, dict), where
        assert set(a) == set(b), where
        for key in a:
            assert_same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, np.ndarray) and a.dtype.kind == "f":
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=0, err_msg=where)
    elif isinstance(a, float):
        assert math.isclose(a, b, rel_tol=RTOL) or (math.isnan(a) and math.isnan(b)), where
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b, err_msg=where)
    else:
        assert a == b, where


@pytest.mark.parametrize(
    "name",
    ["batches/b0001/expression", "batches/b0001/features", "batches/b0001/predictions", "cohort"],
)
def test_anndata_equal_numerically(runs, name):
    local, cluster, _ = runs
    a = ad.read_h5ad(local / "results" / f"{name}.h5ad")
    b = ad.read_h5ad(cluster / "results" / f"{name}.h5ad")
    pd.testing.assert_frame_equal(a.obs, b.obs, check_exact=False, rtol=RTOL, atol=0)
    pd.testing.assert_frame_equal(a.var, b.var)
    if a.X is None:  # features, predictions and the joined cohort hold no expression
        assert b.X is None
    else:
        np.testing.assert_allclose(a.X, b.X, rtol=RTOL, atol=0)
    assert set(a.layers) == set(b.layers)
    for layer in a.layers:
        np.testing.assert_allclose(a.layers[layer], b.layers[layer], rtol=RTOL, atol=0)
    assert set(a.obsm) == set(b.obsm)
    for key in a.obsm:
        np.testing.assert_allclose(np.asarray(a.obsm[key]), np.asarray(b.obsm[key]), rtol=RTOL)
    assert_same(dict(a.uns), dict(b.uns), "uns")
