"""Memory and run time of a job from its input size, the genome's size and its batch's tumours.

The returned functions take Snakemake's ``wildcards``, ``input`` and ``attempt`` (by name) and
grow on each retry.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable

#: Snakemake's own processes take ~360 MB of a job: no job asks for less than this
MIN_MEM_MB = 1000


def file_gb(path: str | None) -> float:
    """Size (GB) of a file, 0 when it is not given or not there."""
    return os.stat(path).st_size / 2**30 if path and os.path.exists(path) else 0.0


def input_gb(input: Iterable[str]) -> float:
    """Size (GB) of a job's existing input files. A plain stat: Snakemake's ``input.size_mb``
    runs an event loop per call, a large share of planning time for tens of thousands of jobs.
    """
    total = 0
    for path in input:
        with contextlib.suppress(OSError):  # not made yet (planning), or a folder's contents
            total += os.stat(path).st_size
    return total / 2**30


def memory_mb(
    base: float,
    per_gb: float = 0,
    *,
    per_genome_gb: float = 0,
    per_tumour: float = 0,
    genome_gb: float = 0.0,
    tumours: Callable[[object], int] = lambda wildcards: 0,
) -> Callable[..., int]:
    """Memory (MB) = base + per_gb x input size (GB) + per_genome_gb x genome size (GB) +
    per_tumour x the job's tumours (``tumours(wildcards)``), at least :data:`MIN_MEM_MB`,
    doubled on each retry. An index is a directory, which Snakemake counts as a few kB:
    ``per_genome_gb`` accounts for it.
    """

    def mem_mb(wildcards, input, attempt) -> int:
        need = base + per_gb * input_gb(input) + per_genome_gb * genome_gb
        need += per_tumour * tumours(wildcards)
        return int(max(need, MIN_MEM_MB) * 2 ** (attempt - 1))

    return mem_mb


def runtime_min(
    base: float,
    per_gb: float = 0,
    *,
    per_tumour: float = 0,
    tumours: Callable[[object], int] = lambda wildcards: 0,
) -> Callable[..., int]:
    """Run time (min) = base + per_gb x input size (GB) + per_tumour x the job's tumours,
    multiplied by the attempt."""

    def runtime(wildcards, input, attempt) -> int:
        need = base + per_gb * input_gb(input) + per_tumour * tumours(wildcards)
        return int(need * attempt)

    return runtime
