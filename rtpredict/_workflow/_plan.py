"""The workflow's per-job paths, inputs and command options, from the config and sample sheet."""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd

from rtpredict._shipped import shipped_name
from rtpredict._workflow._options import command_options
from rtpredict._workflow._resources import file_gb, memory_mb, runtime_min
from rtpredict.errors import InputError
from rtpredict.io import batch_digest, tumour_batches

FASTQ_CHECK = "results/qc/fastq_check/{sample}.json"
FASTP_JSON = "results/qc/fastp/{sample}.fastp.json"
VARIANTS = "results/variants/{sample}.tsv"
STAR_LOG = "results/star/{sample}/Log.final.out"
BAM_QC = "results/star/{sample}/bam_qc.json"
PILEUP = "results/star/{sample}/hotspot_pileup.tsv"
#: per quantifier, the per-tumour output `rtpredict aggregate --quant` reads
QUANT = {"salmon": "results/salmon/{sample}", "star": "results/featurecounts/{sample}.tsv"}
BATCH_DIR = "results/batches/{batch}"
#: a batch step's per-tumour inputs, listed by the batch_inputs step: a batch job then has a few
#: inputs, not thousands (Snakemake stats each ready job's inputs on each scheduling round)
BATCH_INPUTS = "results/batches/{batch}/inputs/{step}.txt"
DERIVED_TRANSCRIPTOME = "resources/transcriptome.fa"
#: config train keys whose `rtpredict train` option stores under another name
TRAIN_DEST = {"seed": "random_state"}


def check_references(config: Mapping) -> None:
    """Refuse a reference section the chosen route cannot run with (:class:`InputError`)."""
    ref = config["reference"]
    if config["quantifier"] == "star" and not ref.get("genome_fasta"):
        raise InputError("reference.genome_fasta is needed by quantifier: star")
    if not (ref.get("genome_fasta") or ref.get("transcriptome_fasta")):
        raise InputError(
            "give reference.transcriptome_fasta, or reference.genome_fasta to derive it from "
            "the genome and the GTF"
        )


def star_sa_index_nbases(fasta: str) -> int:
    """STAR's --genomeSAindexNbases: min(14, log2(genome length)/2 - 1), per the STAR manual."""
    size = Path(fasta).stat().st_size if fasta and Path(fasta).exists() else 3e9
    return min(14, int(math.log2(size) / 2 - 1))


def _per_sample(pattern: str, samples: list[str]) -> list[str]:
    return [pattern.format(sample=s) for s in samples]


class WorkflowPlan:
    """What each job of the workflow reads and runs, for one config and sample sheet.

    Everything is worked out once, when the workflow is parsed; the methods taking
    ``wildcards`` (any object with the job's ``sample``, ``batch`` or ``step``) are Snakemake
    input and parameter functions, run for every job at planning time, so they only look up
    plain lists and dicts. Command options are rendered from each command's own argparse
    declaration (:func:`~rtpredict._workflow.command_options`); per-tumour files are passed as
    one ``{sample}`` pattern, so that no command line grows with the cohort.

    Parameters
    ----------
    config
        The configuration, validated against the schema (defaults filled in) and by
        :func:`check_references`.
    sheet
        The sample sheet (:func:`rtpredict.io.read_sample_sheet`).
    clinical
        The clinical table (:func:`rtpredict.io.read_clinical`), if any.
    ancient
        Marks an input whose date is to be ignored (Snakemake's ``ancient``): the sample sheet
        and clinical table, which grow without re-running earlier batches.
    """

    def __init__(
        self,
        config: Mapping,
        sheet: pd.DataFrame,
        clinical: pd.DataFrame | None = None,
        *,
        ancient: Callable[[str], object] = str,
    ) -> None:
        self.config, self.sheet, self.clinical, self._ancient = config, sheet, clinical, ancient
        self.ref = config["reference"]
        self.quantifier = config["quantifier"]
        self.batches = tumour_batches(sheet, config["cohort"]["batch_size"])
        self.samples = list(dict.fromkeys(sheet["sample_id"]))
        # per tumour, its lanes' FASTQ files and VCF as plain lists (no pandas lookup per job)
        self.lanes = {
            sample: {
                "r1": list(rows["fastq_1"]),
                "r2": list(rows["fastq_2"]),
                "vcf": rows["vcf"].iloc[0],
            }
            for sample, rows in sheet.groupby("sample_id", sort=False)
        }
        self.dna_samples = set(sheet.loc[sheet["vcf"] != "", "sample_id"])
        self.batch_tables = ["samples.tsv"]
        if config["cohort"]["gene_tables"]:
            self.batch_tables[:0] = ["gene_counts.tsv", "gene_tpm.tsv"]
        self.digests = self._batch_digests()
        self.genome_gb = file_gb(self.ref.get("genome_fasta"))

    # ----- resources ---------------------------------------------------------------------------
    def batch_tumours(self, wildcards) -> int:
        """Tumours in the job's batch (0 for a job of no batch)."""
        batch = getattr(wildcards, "batch", None)
        return len(self.batches[batch]) if batch else 0

    def mem_mb(self, base: float, per_gb: float = 0, **kwargs) -> Callable[..., int]:
        """Memory of a job (:func:`~rtpredict._workflow._resources.memory_mb`)."""
        return memory_mb(
            base, per_gb, genome_gb=self.genome_gb, tumours=self.batch_tumours, **kwargs
        )

    def runtime(self, base: float, per_gb: float = 0, **kwargs) -> Callable[..., int]:
        """Run time of a job (:func:`~rtpredict._workflow._resources.runtime_min`)."""
        return runtime_min(base, per_gb, tumours=self.batch_tumours, **kwargs)

    # ----- reads -------------------------------------------------------------------------------
    def lane_fastqs_unchecked(self, wildcards) -> dict[str, list[str]]:
        """All FASTQ files of a tumour, as given."""
        lanes = self.lanes[wildcards.sample]
        return {"r1": lanes["r1"], "r2": lanes["r2"]}

    def lane_fastqs(self, wildcards) -> dict[str, object]:
        """All lanes of a tumour, once checked (for merging)."""
        checked = FASTQ_CHECK.format(sample=wildcards.sample)
        return {**self.lane_fastqs_unchecked(wildcards), "checked": checked}

    def fastq_pairs(self, wildcards) -> str:
        """Options of ``rtpredict check-fastq``: every lane of a tumour."""
        lanes = self.lanes[wildcards.sample]
        return command_options(
            "check-fastq", {"pair": list(zip(lanes["r1"], lanes["r2"], strict=True))}
        )

    def raw_fastqs(self, wildcards) -> dict[str, str]:
        """A tumour's reads, once checked: its only FASTQ pair, or its lanes merged."""
        lanes = self.lanes[wildcards.sample]
        checked = FASTQ_CHECK.format(sample=wildcards.sample)
        if len(lanes["r1"]) == 1:
            return {"r1": lanes["r1"][0], "r2": lanes["r2"][0], "checked": checked}
        merged = f"results/merged/{wildcards.sample}"
        return {"r1": f"{merged}_R1.fastq.gz", "r2": f"{merged}_R2.fastq.gz", "checked": checked}

    @staticmethod
    def trimmed_fastqs(wildcards) -> dict[str, str]:
        """A tumour's reads after fastp."""
        trimmed = f"results/trimmed/{wildcards.sample}"
        return {"r1": f"{trimmed}_R1.fastq.gz", "r2": f"{trimmed}_R2.fastq.gz"}

    def tumour_vcf(self, wildcards) -> str:
        """The tumour's somatic VCF from the sample sheet."""
        return self.lanes[wildcards.sample]["vcf"]

    def variants_args(self) -> str:
        """Options of ``rtpredict variants`` from the config."""
        return command_options("variants", {"vaf_fields": self.config["dna"]["vaf_fields"]})

    # ----- reference ---------------------------------------------------------------------------
    def transcriptome_fasta(self) -> str:
        """The transcript FASTA: configured, or derived from genome + GTF."""
        return self.ref.get("transcriptome_fasta") or DERIVED_TRANSCRIPTOME

    def reference_files(self, wildcards=None) -> dict[str, str]:
        """The configured reference files by the role `rtpredict check-reference` names."""
        files = {"gtf": self.ref["gtf"], "genome": self.ref.get("genome_fasta")}
        files["transcriptome"] = self.ref.get("transcriptome_fasta")
        return {role: path for role, path in files.items() if path}

    def reference_check_args(self) -> str:
        """Options of ``rtpredict check-reference``."""
        return command_options("check-reference", self.reference_files())

    @property
    def salmon_decoys(self) -> bool:
        """Whether salmon's index holds the genome as decoys."""
        return bool(self.config["salmon"]["decoys"] and self.ref.get("genome_fasta"))

    def salmon_index_inputs(self, wildcards) -> dict[str, str]:
        """The transcriptome (and the decoy genome) once the references are checked."""
        inputs = {"transcriptome": self.transcriptome_fasta()}
        inputs["checked"] = "results/qc/reference_check.json"
        return inputs | ({"genome": self.ref["genome_fasta"]} if self.salmon_decoys else {})

    # ----- batches -----------------------------------------------------------------------------
    def _batch_digests(self) -> dict[str, str]:
        """Per batch, a digest of its tumours' rows of the sample sheet and clinical table (not
        the line numbers, nor the batch name, which is the wildcard: naming automatic batches in
        the sheet, as `rtpredict new-tumour` does, re-runs nothing)."""
        batch_of = {tumour: b for b, tumours in self.batches.items() for tumour in tumours}
        rows = self.sheet.drop(columns=["line", "batch"])
        by_batch = dict(tuple(rows.groupby(rows["sample_id"].map(batch_of), sort=False)))
        clinical = self.clinical
        return {
            batch: batch_digest(
                by_batch[batch], *([clinical.reindex(tumours)] if clinical is not None else [])
            )
            for batch, tumours in self.batches.items()
        }

    def batch_digest(self, wildcards) -> str:
        """The digest of the batch's rows: a batch re-runs when its own rows change, and only
        then (its jobs read the sheet and clinical table as ``ancient`` inputs)."""
        return self.digests[wildcards.batch]

    def sheet_inputs(self) -> dict[str, object]:
        """The sample sheet and clinical table, their dates ignored."""
        inputs = {"samples": self._ancient(self.config["samples"])}
        if self.config.get("clinical"):
            inputs["clinical"] = self._ancient(self.config["clinical"])
        return inputs

    def batch_step_inputs(self, wildcards) -> list[str]:
        """The per-tumour outputs one batch step reads (step: aggregate or features)."""
        tumours = self.batches[wildcards.batch]
        if wildcards.step == "features":
            files = _per_sample(VARIANTS, [s for s in tumours if s in self.dna_samples])
            if self.quantifier == "star":
                files += _per_sample(PILEUP, tumours)
            return files
        patterns = [FASTP_JSON]
        if self.quantifier == "salmon":
            patterns.append("results/salmon/{sample}/quant.sf")
        else:
            patterns += [QUANT["star"], STAR_LOG, BAM_QC]
        return [f for pattern in patterns for f in _per_sample(pattern, tumours)]

    def aggregate_inputs(self, wildcards) -> dict[str, object]:
        """The list of the batch's per-tumour outputs, the annotation, the sheet and clinical
        table."""
        tumours = BATCH_INPUTS.format(batch=wildcards.batch, step="aggregate")
        inputs = {"tumours": tumours, "gtf": self.ref["gtf"], "tx2gene": "resources/tx2gene.tsv"}
        return inputs | self.sheet_inputs()

    def aggregate_args(self, wildcards) -> str:
        """Options of ``rtpredict aggregate``: the batch, per-tumour path patterns, clinical
        table, allow-list."""
        star = self.quantifier == "star"
        allow = self.config["privacy"]["allow_columns"]
        return command_options(
            "aggregate",
            {
                "batch": wildcards.batch,
                "batch_size": self.config["cohort"]["batch_size"],
                "quant": [QUANT[self.quantifier]],
                "fastp": [FASTP_JSON],
                "star_log": [STAR_LOG] if star else [],
                "bam_qc": [BAM_QC] if star else [],
                "clinical": self.config.get("clinical"),
                "no_gene_tables": not self.config["cohort"]["gene_tables"],
                "allow_column": [f"{column}={reason}" for column, reason in allow.items()],
            },
        )

    # ----- features and predictions ------------------------------------------------------------
    def features_reference(self) -> str:
        """The configured reference statistics, else the first batch's expression (frozen
        while that batch is)."""
        first = next(iter(self.batches), None)
        return (
            self.config["features"]["reference"]
            or f"{BATCH_DIR.format(batch=first)}/expression.h5ad"
        )

    def features_inputs(self, wildcards) -> dict[str, object]:
        """A batch's expression, the list of its tumours' variants tables (and pileups), the
        reference and signature files."""
        features = self.config["features"]
        inputs = {
            "cohort": f"{BATCH_DIR.format(batch=wildcards.batch)}/expression.h5ad",
            "tumours": BATCH_INPUTS.format(batch=wildcards.batch, step="features"),
            "signatures": features["signatures"],
        }
        if shipped_name(self.features_reference()) is None:
            inputs["reference"] = self.features_reference()
        if self.config["dna"]["panel"]:
            inputs["panel"] = self.config["dna"]["panel"]
        return inputs

    def features_args(self, wildcards) -> str:
        """Options of ``rtpredict features``: one ``{sample}`` pattern for the variants tables
        of the batch's tumours with DNA, however many."""
        features, dna = self.config["features"], self.config["dna"]
        has_dna = any(s in self.dna_samples for s in self.batches[wildcards.batch])
        return command_options(
            "features",
            {
                "method": features["method"],
                "no_expression": True,
                "reference": self.features_reference(),
                "target_gard": features["target_gard"],
                "signatures": features["signatures"],
                "variants": [VARIANTS] if has_dna else [],
                "callable_mb": dna["callable_mb"],
                "panel": dna["panel"],
                "rna_pileup": [PILEUP] if self.quantifier == "star" else [],
            },
        )

    def model_files(self) -> list[str]:
        """The configured models that are files (not shipped ones)."""
        return [m for m in self.config["predict"]["models"] if shipped_name(m) is None]

    def predict_inputs(self, wildcards) -> dict[str, object]:
        """A batch's features and every model file that is not a shipped one."""
        features = f"{BATCH_DIR.format(batch=wildcards.batch)}/features.h5ad"
        return {"features": features, "models": self.model_files()}

    def predict_args(self) -> str:
        """Options of ``rtpredict predict`` from the config."""
        predict = self.config["predict"]
        return command_options(
            "predict", {"models": predict["models"], "horizon": predict["horizon"]}
        )

    def train_args(self) -> str:
        """Options of ``rtpredict train``: the config's train section, key by key."""
        train = sorted(self.config["train"].items())
        return command_options("train", {TRAIN_DEST.get(key, key): value for key, value in train})

    # ----- the cohort --------------------------------------------------------------------------
    def join_inputs(self, wildcards) -> dict[str, object]:
        """Every batch's predictions and tables, and the run's provenance."""
        files = {"provenance": "results/provenance.json"}
        for name in ("predictions.h5ad", "samples.tsv", "features.tsv", "predictions.tsv"):
            files[name] = [f"{BATCH_DIR.format(batch=b)}/{name}" for b in self.batches]
        return files

    def join_args(self, wildcards) -> str:
        """The batch folders, in order (the positional arguments of ``rtpredict join``)."""
        return " ".join(shlex.quote(BATCH_DIR.format(batch=b)) for b in self.batches)

    def input_files(self) -> dict[str, list[str]]:
        """Every input file of the run, by role."""
        config = self.config
        files = {
            "sample_sheet": [config["samples"]],
            "vcf": [v for v in dict.fromkeys(self.sheet["vcf"]) if v],
            "gtf": [self.ref["gtf"]],
            "clinical": [config["clinical"]] if config.get("clinical") else [],
        }
        for key in ("genome_fasta", "transcriptome_fasta"):
            files[key] = [self.ref[key]] if self.ref.get(key) else []
        for key, path in (
            ("panel", config["dna"]["panel"]),
            ("reference", config["features"]["reference"]),
        ):
            files[key] = [path] if path and shipped_name(path) is None else []
        files["signatures"] = list(config["features"]["signatures"])
        files["models"] = self.model_files()
        return {role: paths for role, paths in files.items() if paths}

    def provenance_inputs(self, wildcards) -> dict[str, list[str]]:
        """The run's input files, and the FASTQ checks that hold the FASTQ files' sha256."""
        return {**self.input_files(), "fastq_checks": _per_sample(FASTQ_CHECK, self.samples)}

    def provenance_args(self, wildcards) -> str:
        """Options of ``rtpredict provenance``: the sample sheet (the command takes the FASTQ
        and VCF files from it, and their checksums from the checks), the other inputs by role."""
        pairs = [
            f"{role}={path}"
            for role, paths in self.input_files().items()
            if role not in ("sample_sheet", "vcf")
            for path in paths
        ]
        values = {"samples": self.config["samples"], "fastq_checks": [FASTQ_CHECK], "input": pairs}
        return command_options("provenance", values)

    def model_cards(self) -> list[str]:
        """Model cards of the configured models that are files (shipped ones need none)."""
        return [re.sub(r"(\.card)?\.json$", ".card.json", m) for m in self.model_files()]

    def report_inputs(self, wildcards) -> dict[str, object]:
        """A batch's predictions and the model cards."""
        h5ad = f"{BATCH_DIR.format(batch=wildcards.batch)}/predictions.h5ad"
        return {"h5ad": h5ad, "cards": self.model_cards()}

    def cohort_report_inputs(self, wildcards) -> dict[str, object]:
        """The joined cohort and the model cards."""
        return {"h5ad": "results/cohort.h5ad", "cards": self.model_cards()}

    def report_card_args(self) -> str:
        """Options of ``rtpredict report``: the model cards."""
        return command_options("report", {"model_card": self.model_cards()})

    def final_outputs(self) -> list[str]:
        """The default target: the cohort, its report and every batch's reports."""
        reports = [f"results/reports/{batch}" for batch in self.batches]
        return ["results/cohort.h5ad", "results/reports/cohort.html", *reports]
