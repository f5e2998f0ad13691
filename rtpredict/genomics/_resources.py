"""Locate the genomics tables shipped in ``rtpredict/data/genomics/``."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

GENOMES = ("GRCh37", "GRCh38")


def data_file(name: str) -> Traversable:
    """Return the shipped genomics data file ``name``."""
    return files("rtpredict").joinpath("data", "genomics", name)
