"""Simulate the demo cohort (once) and run the whole workflow on it."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from rtpredict.errors import RtpredictError

ROOT = Path(__file__).resolve().parents[2]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``rtpredict demo``."""
    parser.add_argument(
        "snakemake_args",
        nargs=argparse.REMAINDER,
        help="extra arguments for snakemake (e.g. --cores 4, -n)",
    )


def run(args: argparse.Namespace) -> int:
    """Simulate ``demo/`` if needed, then run Snakemake with the default profile."""
    from rtpredict.simulate import SimulationParams, write_cohort

    snakefile = ROOT / "Snakefile"
    if not snakefile.exists():
        raise RtpredictError(
            "the demo runs the workflow of a source checkout: clone rtpredict and run "
            "scripts/run-demo.sh there"
        )
    write_cohort(ROOT / "demo", SimulationParams(), threads=2, overwrite=True)
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(snakefile),
        "--directory",
        str(ROOT),
        "--workflow-profile",
        str(ROOT / "profiles" / "default"),
        *args.snakemake_args,
    ]
    return subprocess.run(cmd, env=env, check=False).returncode
