"""The Snakemake workflow's helpers: per-job paths, inputs, resources and command options.

Pure functions of the configuration and the sample sheet, tested without running Snakemake;
``rules/common.smk`` builds one :class:`WorkflowPlan` and the rules call it. Not public API.
"""

from __future__ import annotations

from rtpredict._workflow._options import command_options
from rtpredict._workflow._plan import (
    BATCH_INPUTS,
    FASTQ_CHECK,
    WorkflowPlan,
    check_references,
    star_sa_index_nbases,
)

__all__ = [
    "BATCH_INPUTS",
    "FASTQ_CHECK",
    "WorkflowPlan",
    "check_references",
    "command_options",
    "star_sa_index_nbases",
]
