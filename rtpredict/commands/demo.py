"""Simulate the demo cohort (once) and run the whole workflow on it."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from rtpredict.errors import RtpredictError

ROOT = Path(__file__).resolve().parents[2]


#: arguments rtpredict does not know go to Snakemake (e.g. -n, --cores 4)
PASS_THROUGH = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``rtpredict demo`` has no options of its own: any argument is passed to snakemake."""


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
        *args.extra,
    ]
    return subprocess.run(cmd, env=env, check=False).returncode
