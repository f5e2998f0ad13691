"""Time the workflow on one simulated cohort run locally and on SLURM, and list the SLURM jobs.

Usage, with SLURM up (``scripts/slurm/up.sh`` here, or on a cluster's login node) and the SLURM
executor plugin installed::

    python benchmarks/slurm_vs_local.py [--tumours 3] [--read-pairs 40000] [--route star]
        [--partition local] [--account rtpredict] [--workdir DIR]

Prints a Markdown table (run, wall time, jobs) and the ``sacct`` listing of the SLURM run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from rtpredict.simulate import SimulationParams, write_cohort

ROOT = Path(__file__).resolve().parents[1]
SACCT_FIELDS = "JobID,Comment%40,Account,Partition,AllocCPUS,ReqMem,Elapsed,State,ExitCode"


def snakemake(workdir: Path, *args: str) -> tuple[str, float]:
    """Run the workflow in ``workdir``; return its log (stderr) and wall time (s)."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"  # rules call python
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile")]
    cmd += ["--directory", str(workdir), "--configfile", str(workdir / "config.yaml"), *args]
    start = time.monotonic()
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - start
    if result.returncode != 0:
        sys.exit(f"snakemake failed in {workdir}:\n{result.stderr[-3000:]}")
    return result.stderr, seconds


def main(argv: list[str] | None = None) -> int:
    """Simulate, run locally and on SLURM, print the timings and the job listing."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tumours", type=int, default=3)
    parser.add_argument("--read-pairs", type=int, default=40_000)
    parser.add_argument("--background-genes", type=int, default=150)
    parser.add_argument("--route", choices=["star", "salmon"], default="star")
    parser.add_argument("--partition", default="local", help="SLURM partition")
    parser.add_argument("--account", default="rtpredict", help="SLURM account")
    parser.add_argument("--cores", type=int, default=os.cpu_count(), help="local cores")
    parser.add_argument("--max-threads", type=int, default=os.cpu_count(), help="per SLURM job")
    parser.add_argument("--workdir", type=Path, help="keep the runs here (default: temporary)")
    args = parser.parse_args(argv)

    base = args.workdir or Path(tempfile.mkdtemp(prefix="rtpredict-slurm-bench-"))
    cohort = base / "cohort"
    # by default the cohort of the end-to-end tests (tests/conftest.py)
    params = SimulationParams(
        n_tumours=args.tumours,
        read_pairs=args.read_pairs,
        n_background_genes=args.background_genes,
        seed=7,
        two_lanes_every=3,
    )
    write_cohort(cohort, params, threads=args.cores, overwrite=True)
    reference = {"gtf": str(cohort / "reference" / "annotation.gtf")}
    if args.route == "star":
        reference["genome_fasta"] = str(cohort / "reference" / "genome.fa")
    else:
        reference["transcriptome_fasta"] = str(cohort / "reference" / "transcripts.fa")
    config = {
        "samples": str(cohort / "samples.tsv"),
        "clinical": str(cohort / "clinical.tsv"),
        "quantifier": args.route,
        "reference": reference,
    }
    profile = yaml.safe_load((ROOT / "profiles" / "slurm" / "config.yaml").read_text())
    profile["default-resources"].update(slurm_partition=args.partition, slurm_account=args.account)
    (base / "profile").mkdir(parents=True, exist_ok=True)
    (base / "profile" / "config.yaml").write_text(yaml.safe_dump(profile))
    for run in ("local", "slurm"):
        (base / run).mkdir(parents=True, exist_ok=True)
        (base / run / "config.yaml").write_text(yaml.safe_dump(config))

    _, local_s = snakemake(base / "local", "--cores", str(args.cores), "--forceall")
    log, slurm_s = snakemake(
        base / "slurm", "--forceall", "--executor", "slurm",
        "--workflow-profile", str(base / "profile"), "--max-threads", str(args.max_threads),
        "--slurm-init-seconds-before-status-checks", "2",
    )  # fmt: skip
    run_id = log.split("SLURM run ID: ", 1)[1].split()[0]
    listing = subprocess.run(
        ["sacct", "-X", "-S", "now-1days", "--name", run_id, "-o", SACCT_FIELDS],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    jobs = log.count("has been submitted with SLURM jobid")

    print(f"{args.route} route, {args.tumours} tumours x {args.read_pairs} read pairs ({base})\n")
    print("| run | wall time (s) | SLURM jobs |\n|---|---:|---:|")
    print(f"| local, {args.cores} cores | {local_s:.0f} | - |")
    print(f"| SLURM (executor plugin) | {slurm_s:.0f} | {jobs} |\n")
    print(f"sacct -X --name {run_id}\n{listing}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
