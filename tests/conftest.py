"""Shared fixtures: small simulated cohorts (written once per session)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rtpredict.simulate import SimulationParams, write_cohort

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("RTPREDICT_SHARED", ROOT.parent / "shared"))

#: the cohort the end-to-end workflow tests run on: 3 tumours (one over two lanes, one poor)
SMALL = SimulationParams(
    n_tumours=3, read_pairs=40_000, n_background_genes=150, seed=7, two_lanes_every=3
)


@pytest.fixture(scope="session")
def small_cohort(tmp_path_factory) -> Path:
    """A simulated cohort with reads and VCFs (see ``SMALL``)."""
    outdir = tmp_path_factory.mktemp("cohort") / "data"
    write_cohort(outdir, SMALL, threads=2)
    return outdir
