# Helpers shared by the rules: configuration and sample-sheet validation, input functions,
# resource functions. Everything here runs when the workflow is parsed, before any job.
import json
import math
import os
import re
import shlex
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.settings.types import DeploymentMethod
from snakemake.utils import validate

from rtpredict.errors import InputError
from rtpredict.io import (
    batch_digest,
    check_config,
    read_clinical,
    read_sample_sheet,
    tumour_batches,
)
from rtpredict.io._batches import BATCH_PATTERN
from rtpredict.privacy._pseudonym import SAMPLE_ID

try:
    check_config(config, files=workflow.configfiles)
except InputError as err:
    raise WorkflowError(f"invalid config: {err}") from None
validate(config, "../schemas/config.schema.yaml")  # fills in the schema's defaults

ALLOW = config["privacy"]["allow_columns"]
try:
    SHEET = read_sample_sheet(config["samples"], allow_columns=ALLOW)
    CLINICAL = (
        read_clinical(config["clinical"], allow_columns=ALLOW)
        if config.get("clinical")
        else None
    )
    BATCHES = tumour_batches(SHEET, config["cohort"]["batch_size"])
except InputError as err:
    raise WorkflowError(f"invalid input: {err}") from None

SAMPLES = list(dict.fromkeys(SHEET["sample_id"]))
REF = config["reference"]
if config["quantifier"] == "star" and not REF.get("genome_fasta"):
    raise WorkflowError(
        "invalid config: reference.genome_fasta is needed by quantifier: star"
    )
if not (REF.get("genome_fasta") or REF.get("transcriptome_fasta")):
    raise WorkflowError(
        "invalid config: give reference.transcriptome_fasta, or reference.genome_fasta to "
        "derive it from the genome and the GTF"
    )
FEATURES = config["features"]
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


# ----- resources -------------------------------------------------------------------------------
def _reference_gb(key):
    """Size (GB) of a configured reference file, 0 when absent (aligners load its index)."""
    path = REF.get(key)
    return Path(path).stat().st_size / 2**30 if path and Path(path).exists() else 0.0


def _input_gb(input):
    """Size (GB) of a job's existing input files. A plain stat: Snakemake's `input.size_mb`
    runs an event loop per call, a large share of planning time for tens of thousands of jobs.
    """
    total = 0
    for path in input:
        try:
            total += os.stat(path).st_size
        except OSError:  # not made yet (planning), or a directory's contents
            pass
    return total / 2**30


def _batch_tumours(wildcards):
    """Tumours in the job's batch (0 for a job of no batch)."""
    batch = getattr(wildcards, "batch", None)
    return len(BATCHES[batch]) if batch else 0


def mem_mb(base, per_gb=0, *, per_genome_gb=0, per_tumour=0):
    """Memory (MB) = base + per_gb x input size (GB) + per_genome_gb x genome FASTA size (GB)
    + per_tumour x the batch's tumours, doubled on each retry. At least 1,000 MB: Snakemake's
    own processes take ~360 MB of a job. An index is a directory, which Snakemake counts as a
    few kB: per_genome_gb accounts for it.
    """
    genome_gb = _reference_gb("genome_fasta")

    def mem(wildcards, input, attempt):
        need = base + per_gb * _input_gb(input) + per_genome_gb * genome_gb
        need += per_tumour * _batch_tumours(wildcards)
        return int(max(need, 1000) * 2 ** (attempt - 1))

    return mem


def runtime(base, per_gb=0, *, per_tumour=0):
    """Run time (min) = base + per_gb x input size (GB) + per_tumour x the batch's tumours,
    grown on each retry."""

    def minutes(wildcards, input, attempt):
        need = base + per_gb * _input_gb(input) + per_tumour * _batch_tumours(wildcards)
        return int(need * attempt)

    return minutes


# ----- inputs ----------------------------------------------------------------------------------
FASTQ_CHECK = "results/qc/fastq_check/{sample}.json"
# per tumour, its lanes' FASTQ files and its VCF as plain lists: input functions run for every
# job at planning time, where a pandas lookup per call adds up over tens of thousands of jobs
LANES = {
    sample: {
        "r1": list(rows["fastq_1"]),
        "r2": list(rows["fastq_2"]),
        "vcf": rows["vcf"].iloc[0],
    }
    for sample, rows in SHEET.groupby("sample_id", sort=False)
}


def lane_fastqs(wildcards):
    """All lanes of a tumour, once checked (for merging)."""
    lanes = LANES[wildcards.sample]
    checked = FASTQ_CHECK.format(sample=wildcards.sample)
    return {"r1": lanes["r1"], "r2": lanes["r2"], "checked": checked}


def lane_fastqs_unchecked(wildcards):
    """All FASTQ files of a tumour, as given."""
    lanes = LANES[wildcards.sample]
    return {"r1": lanes["r1"], "r2": lanes["r2"]}


def fastq_pairs(wildcards):
    """`--pair R1 R2` arguments of `rtpredict check-fastq` for every lane of a tumour."""
    lanes = LANES[wildcards.sample]
    return " ".join(
        f"--pair {shlex.quote(r1)} {shlex.quote(r2)}"
        for r1, r2 in zip(lanes["r1"], lanes["r2"])
    )


def raw_fastqs(wildcards):
    """A tumour's reads, once checked: its only FASTQ pair, or its lanes merged."""
    lanes = LANES[wildcards.sample]
    checked = FASTQ_CHECK.format(sample=wildcards.sample)
    if len(lanes["r1"]) == 1:
        return {"r1": lanes["r1"][0], "r2": lanes["r2"][0], "checked": checked}
    merged = f"results/merged/{wildcards.sample}"
    return {
        "r1": f"{merged}_R1.fastq.gz",
        "r2": f"{merged}_R2.fastq.gz",
        "checked": checked,
    }


def trimmed_fastqs(wildcards):
    """A tumour's reads after fastp."""
    return {
        "r1": f"results/trimmed/{wildcards.sample}_R1.fastq.gz",
        "r2": f"results/trimmed/{wildcards.sample}_R2.fastq.gz",
    }


def transcriptome_fasta():
    """The transcript FASTA: configured, or derived from genome + GTF."""
    return REF.get("transcriptome_fasta") or "resources/transcriptome.fa"


def reference_files(wildcards):
    """The configured reference files (the derived transcriptome is consistent by making)."""
    files = {"gtf": REF["gtf"]}
    files |= {"genome": REF["genome_fasta"]} if REF.get("genome_fasta") else {}
    if REF.get("transcriptome_fasta"):
        files["transcriptome"] = REF["transcriptome_fasta"]
    return files


def reference_check_args():
    return " ".join(
        f"--{role} {shlex.quote(path)}" for role, path in reference_files(None).items()
    )


def salmon_index_inputs(wildcards):
    inputs = {
        "transcriptome": transcriptome_fasta(),
        "checked": "results/qc/reference_check.json",
    }
    if salmon_decoys():
        inputs["genome"] = REF["genome_fasta"]
    return inputs


def salmon_decoys():
    return bool(config["salmon"]["decoys"] and REF.get("genome_fasta"))


def star_sa_index_nbases(fasta):
    """STAR's --genomeSAindexNbases: min(14, log2(genome length)/2 - 1), per the STAR manual."""
    size = Path(fasta).stat().st_size if Path(fasta).exists() else 3e9
    return min(14, int(math.log2(size) / 2 - 1))


def _per_sample(pattern, samples=None):
    return [pattern.format(sample=s) for s in (SAMPLES if samples is None else samples)]


def _sample_pattern(pattern):
    """One path pattern for every tumour: SAMPLE=PATH pairs for a cohort of thousands would
    overflow the shell's 128 KiB command-line limit. (Params holding a pattern are functions:
    Snakemake would take the braces of a string param for wildcards.)"""
    return shlex.quote(pattern)


QUANT_PATTERN = {
    "salmon": "results/salmon/{sample}",
    "star": "results/featurecounts/{sample}.tsv",
}[QUANTIFIER]
BATCH_DIR = "results/batches/{batch}"
# A batch step's per-tumour inputs, listed by the batch_inputs step: a batch job then has a few
# inputs, not thousands (Snakemake stats each ready job's inputs on each scheduling round).
BATCH_INPUTS = "results/batches/{batch}/inputs/{step}.txt"
GENE_TABLES = config["cohort"]["gene_tables"]
BATCH_TABLES = (["gene_counts.tsv", "gene_tpm.tsv"] if GENE_TABLES else []) + [
    "samples.tsv"
]


def _batch_digests():
    """Per batch, a digest of its tumours' rows of the sample sheet and clinical table (not the
    line numbers, nor the batch name, which is the wildcard: naming automatic batches in the
    sheet, as `rtpredict new-tumour` does, re-runs nothing)."""
    batch_of = {
        tumour: batch for batch, tumours in BATCHES.items() for tumour in tumours
    }
    rows = SHEET.drop(columns=["line", "batch"])
    by_batch = dict(tuple(rows.groupby(rows["sample_id"].map(batch_of), sort=False)))
    return {
        batch: batch_digest(
            by_batch[batch],
            *([CLINICAL.reindex(tumours)] if CLINICAL is not None else []),
        )
        for batch, tumours in BATCHES.items()
    }


# Each batch's jobs read the sample sheet and clinical table as `ancient` inputs (their dates
# are ignored: appending tumours must not re-run earlier batches) and take this digest of the
# batch's own rows as a parameter, so that a batch re-runs when its own rows change.
BATCH_DIGEST = _batch_digests()


def batch_digest_param(wildcards):
    return BATCH_DIGEST[wildcards.batch]


def _sheet_inputs():
    inputs = {"samples": ancient(config["samples"])}
    if config.get("clinical"):
        inputs["clinical"] = ancient(config["clinical"])
    return inputs


def batch_step_inputs(wildcards):
    """The per-tumour outputs one batch step reads (step: aggregate or features)."""
    tumours = BATCHES[wildcards.batch]
    if wildcards.step == "features":
        dna = [s for s in tumours if s in DNA_SAMPLES]
        files = _per_sample("results/variants/{sample}.tsv", dna)
        if QUANTIFIER == "star":
            files += _per_sample("results/star/{sample}/hotspot_pileup.tsv", tumours)
        return files
    patterns = ["results/qc/fastp/{sample}.fastp.json"]
    if QUANTIFIER == "salmon":
        patterns.append("results/salmon/{sample}/quant.sf")
    else:
        patterns += [
            QUANT_PATTERN,
            "results/star/{sample}/Log.final.out",
            "results/star/{sample}/bam_qc.json",
        ]
    return [f for pattern in patterns for f in _per_sample(pattern, tumours)]


def aggregate_inputs(wildcards):
    """The list of the batch's per-tumour outputs, the annotation, the sheet and clinical
    table."""
    return {
        "tumours": BATCH_INPUTS.format(batch=wildcards.batch, step="aggregate"),
        "gtf": REF["gtf"],
        "tx2gene": "resources/tx2gene.tsv",
        **_sheet_inputs(),
    }


def aggregate_args(wildcards):
    """Options of `rtpredict aggregate`: the batch, per-tumour path patterns, clinical table,
    allow-list."""
    fastp = _sample_pattern("results/qc/fastp/{sample}.fastp.json")
    args = f"--batch {wildcards.batch} --batch-size {config['cohort']['batch_size']} "
    args += f"--quant {_sample_pattern(QUANT_PATTERN)} --fastp {fastp}"
    if QUANTIFIER == "star":
        args += f" --star-log {_sample_pattern('results/star/{sample}/Log.final.out')}"
        args += f" --bam-qc {_sample_pattern('results/star/{sample}/bam_qc.json')}"
    if config.get("clinical"):
        args += f" --clinical {shlex.quote(config['clinical'])}"
    if not GENE_TABLES:
        args += " --no-gene-tables"
    for column, reason in ALLOW.items():
        args += f" --allow-column {shlex.quote(f'{column}={reason}')}"
    return args


def tumour_vcf(wildcards):
    """The tumour's somatic VCF from the sample sheet."""
    return LANES[wildcards.sample]["vcf"]


def vaf_field_args():
    return " ".join(
        f"--vaf-field {shlex.quote(f)}" for f in config["dna"]["vaf_fields"]
    )


DNA_SAMPLES = set(SHEET.loc[SHEET["vcf"] != "", "sample_id"])
FIRST_BATCH = next(iter(BATCHES), None)


def _features_reference():
    """The configured reference statistics, else the first batch's expression (frozen while
    that batch is)."""
    if FEATURES["reference"]:
        return FEATURES["reference"]
    return f"{BATCH_DIR.format(batch=FIRST_BATCH)}/expression.h5ad"


def features_inputs(wildcards):
    """A batch's expression, the list of its tumours' variants tables (and pileups), the
    reference and signature files."""
    inputs = {
        "cohort": f"{BATCH_DIR}/expression.h5ad",
        "tumours": BATCH_INPUTS.format(batch=wildcards.batch, step="features"),
        "signatures": FEATURES["signatures"],
    }
    if not _features_reference().startswith("default:"):
        inputs["reference"] = _features_reference()
    if config["dna"]["panel"]:
        inputs["panel"] = config["dna"]["panel"]
    return inputs


def features_args(wildcards):
    """Options of `rtpredict features` from the config."""
    args = [f"--method {FEATURES['method']}", "--no-expression"]
    args.append(f"--reference {shlex.quote(_features_reference())}")
    if FEATURES["target_gard"] is not None:
        args.append(f"--target-gard {FEATURES['target_gard']}")
    args += [f"--signatures {shlex.quote(p)}" for p in FEATURES["signatures"]]
    dna = [s for s in BATCHES[wildcards.batch] if s in DNA_SAMPLES]
    if dna:
        args.append(
            "--variants " + " ".join(f"{s}=results/variants/{s}.tsv" for s in dna)
        )
    if config["dna"]["callable_mb"] is not None:
        args.append(f"--callable-mb {config['dna']['callable_mb']}")
    if config["dna"]["panel"]:
        args.append(f"--panel {shlex.quote(config['dna']['panel'])}")
    if QUANTIFIER == "star":
        args.append(
            f"--rna-pileup {_sample_pattern('results/star/{sample}/hotspot_pileup.tsv')}"
        )
    return " ".join(args)


def predict_inputs(wildcards):
    """A batch's features and every model file that is not a shipped one."""
    files = [m for m in config["predict"]["models"] if not m.startswith("default:")]
    return {"features": f"{BATCH_DIR}/features.h5ad", "models": files}


def predict_args():
    """Options of `rtpredict predict` from the config."""
    args = [f"--model {shlex.quote(m)}" for m in config["predict"]["models"]]
    if config["predict"]["horizon"] is not None:
        args.append(f"--horizon {config['predict']['horizon']}")
    return " ".join(args)


def join_inputs(wildcards):
    """Every batch's predictions and tables, and the run's provenance."""
    files = {"provenance": "results/provenance.json"}
    for name in ("predictions.h5ad", "samples.tsv", "features.tsv", "predictions.tsv"):
        files[name] = [f"{BATCH_DIR.format(batch=b)}/{name}" for b in BATCHES]
    return files


def join_args(wildcards):
    return " ".join(shlex.quote(BATCH_DIR.format(batch=b)) for b in BATCHES)


def train_args():
    """Options of `rtpredict train` from the config's train section."""
    train = config["train"]
    args = [
        f"--target {shlex.quote(train['target'])}",
        "--features " + " ".join(shlex.quote(f) for f in train["features"]),
        f"--validate {train['validate']}",
        f"--n-random-sets {train['n_random_sets']}",
        f"--seed {train['seed']}",
        f"--name {shlex.quote(train['name'])}",
        f"--trained-on {shlex.quote(train['trained_on'])}",
    ]
    if train["horizon"] is not None:
        args.append(f"--horizon {train['horizon']}")
    return " ".join(a for a in args if a)


def _input_files():
    """Every input file of the run, by role."""
    files = {
        "sample_sheet": [config["samples"]],
        "vcf": [v for v in dict.fromkeys(SHEET["vcf"]) if v],
        "gtf": [REF["gtf"]],
    }
    for role in ("clinical",):
        if config.get(role):
            files[role] = [config[role]]
    for key in ("genome_fasta", "transcriptome_fasta"):
        if REF.get(key):
            files[key] = [REF[key]]
    for key, path in (
        ("panel", config["dna"]["panel"]),
        ("reference", FEATURES["reference"]),
    ):
        if path and not path.startswith("default:"):
            files[key] = [path]
    files["signatures"] = list(FEATURES["signatures"])
    files["models"] = [
        m for m in config["predict"]["models"] if not m.startswith("default:")
    ]
    return {role: paths for role, paths in files.items() if paths}


def provenance_inputs(wildcards):
    """The run's input files, and the FASTQ checks that hold the FASTQ files' sha256."""
    return {**_input_files(), "fastq_checks": _per_sample(FASTQ_CHECK)}


def provenance_args(wildcards):
    """Options of `rtpredict provenance`: the sample sheet (the command takes the FASTQ and VCF
    files from it, and the FASTQ checksums from the checks), then the other inputs by role.
    """
    pairs = [
        f"{role}={shlex.quote(p)}"
        for role, paths in _input_files().items()
        if role not in ("sample_sheet", "vcf")
        for p in paths
    ]
    return (
        f"--samples {shlex.quote(config['samples'])} "
        f"--fastq-checks {_sample_pattern(FASTQ_CHECK)} --input " + " ".join(pairs)
    )


def _model_cards():
    """Model cards of the configured models that are files (shipped ones need none)."""
    return [
        re.sub(r"(\.card)?\.json$", ".card.json", m)
        for m in config["predict"]["models"]
        if not m.startswith("default:")
    ]


def report_inputs(wildcards):
    return {"h5ad": f"{BATCH_DIR}/predictions.h5ad", "cards": _model_cards()}


def cohort_report_inputs(wildcards):
    return {"h5ad": "results/cohort.h5ad", "cards": _model_cards()}


def report_card_args():
    cards = _model_cards()
    return "--model-card " + " ".join(shlex.quote(c) for c in cards) if cards else ""


def final_outputs():
    return [
        "results/cohort.h5ad",
        "results/reports/cohort.html",
        *(f"results/reports/{batch}" for batch in BATCHES),
    ]
