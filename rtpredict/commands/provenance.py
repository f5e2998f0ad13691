"""Write the run's provenance manifest: sha256 of every input, the config, software versions."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from pathlib import Path

from rtpredict.commands._args import add_output, sample_paths


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``rtpredict provenance``."""
    parser.add_argument(
        "--samples", help="sample sheet: it and the FASTQ and VCF files it lists are inputs"
    )
    parser.add_argument(
        "--input", nargs="+", default=[], metavar="ROLE=PATH",
        help="input files by role (a role may repeat: fastq=a.gz fastq=b.gz)",
    )  # fmt: skip
    parser.add_argument(
        "--fastq-checks", nargs="+", default=[], metavar="SAMPLE=JSON",
        help="reports of `rtpredict check-fastq` (one pattern with {sample} for all): their "
        "sha256 are used instead of reading the FASTQ files again",
    )  # fmt: skip
    parser.add_argument("--config-json", default="{}", help="the run's configuration as JSON")
    add_output(parser, "manifest JSON to write")


def run(args: argparse.Namespace) -> int:
    """Checksum the inputs and write the manifest atomically."""
    from rtpredict._files import write_text_atomic
    from rtpredict.io import read_sample_sheet
    from rtpredict.provenance import input_manifest

    config = json.loads(args.config_json)
    allowed = config.get("privacy", {}).get("allow_columns", {})
    inputs: dict[str, list[str]] = {}
    checksums = {}
    if args.samples:
        sheet = read_sample_sheet(args.samples, allow_columns=allowed)
        inputs["sample_sheet"] = [args.samples]
        inputs["fastq"] = [*sheet["fastq_1"], *sheet["fastq_2"]]
        samples = list(dict.fromkeys(sheet["sample_id"]))
        checksums = _fastq_checksums(sample_paths(args.fastq_checks, samples).values())
        vcfs = [v for v in dict.fromkeys(sheet["vcf"]) if v]
        if vcfs:
            inputs["vcf"] = vcfs
    for item in args.input:
        role, path = next(iter(sample_paths([item]).items()))
        inputs.setdefault(role, []).append(path)
    manifest = input_manifest(inputs, config=config, allowed_columns=allowed, checksums=checksums)
    write_text_atomic(args.output, json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return 0


def _fastq_checksums(reports: Iterable[str]) -> dict[str, dict]:
    """FASTQ path → ``{"sha256", "bytes"}`` from `rtpredict check-fastq` reports."""
    out = {}
    for report in reports:
        for lane in json.loads(Path(report).read_text())["lanes"]:
            for i, field in enumerate(("fastq_1", "fastq_2")):
                out[lane[field]] = {"sha256": lane["sha256"][i], "bytes": lane["bytes"][i]}
    return out
