# The configuration and sample sheet, validated, and the plan of every job: its paths, inputs,
# resources and command options come from rtpredict._workflow (tested without Snakemake).
# Everything here runs when the workflow is parsed, before any job.
import json
import shlex
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.settings.types import DeploymentMethod
from snakemake.utils import validate

from rtpredict._workflow import (
    BATCH_INPUTS,
    WorkflowPlan,
    check_references,
    star_sa_index_nbases,
)
from rtpredict.errors import InputError
from rtpredict.io import check_config, read_clinical, read_sample_sheet
from rtpredict.io._batches import BATCH_PATTERN
from rtpredict.privacy._pseudonym import SAMPLE_ID

try:
    check_config(config, files=workflow.configfiles)
except InputError as err:
    raise WorkflowError(f"invalid config: {err}") from None
validate(config, "../schemas/config.schema.yaml")  # fills in the schema's defaults
try:
    check_references(config)
except InputError as err:
    raise WorkflowError(f"invalid config: {err}") from None

ALLOW = config["privacy"]["allow_columns"]
try:
    PLAN = WorkflowPlan(
        config,
        read_sample_sheet(config["samples"], allow_columns=ALLOW),
        (
            read_clinical(config["clinical"], allow_columns=ALLOW)
            if config.get("clinical")
            else None
        ),
        ancient=ancient,
    )
except InputError as err:
    raise WorkflowError(f"invalid input: {err}") from None
REF = config["reference"]
QUANTIFIER = config["quantifier"]

# The rtpredict command: this checkout's code, run by the conda environment's python with
# --sdm conda, else by the python running Snakemake (activated or not); Numba caches its
# compiled kernels in the job's temporary directory (a per-job one on a cluster).
_PYTHON = (
    "python"
    if DeploymentMethod.CONDA in workflow.deployment_settings.deployment_method
    else shlex.quote(sys.executable)
)
RTPREDICT = (
    f"PYTHONPATH={shlex.quote(workflow.basedir)}${{PYTHONPATH:+:$PYTHONPATH}} "
    "NUMBA_CACHE_DIR=${NUMBA_CACHE_DIR:-${TMPDIR:-/tmp}/rtpredict-numba} "
    f"{_PYTHON} -m rtpredict"
)


# Patterns, not lists of names: a regex alternation of every ID makes each wildcard match cost
# O(cohort), and planning O(cohort^2).
wildcard_constraints:
    sample=SAMPLE_ID.pattern,
    batch=BATCH_PATTERN,
