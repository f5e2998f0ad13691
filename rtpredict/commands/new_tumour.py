"""Add one tumour to a cohort run and write its report: the path a clinic uses.

Appends the tumour to the run's sample sheet, in a batch of its own, and its covariates to the
clinical table (both checked as the workflow checks them, then replaced atomically), then runs
the workflow for that batch's report only: the tumour's own jobs (FASTQ check, trimming,
quantification, variants), its features against the run's frozen reference statistics
(``features.reference``), the configured models' predictions and its report
``results/reports/<batch>/<sample_id>.html``. No other tumour's file is touched; the cohort
tables and report take the tumour in at the next full run.

A sheet without a ``batch`` column gets one, holding the batches its tumours were already in
(``cohort.batch_size`` in sheet order), so nothing re-runs. Arguments rtpredict does not know go
to Snakemake (e.g. ``--cores 8``, ``--executor slurm``).
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from rtpredict.errors import InputError, RtpredictError

ROOT = Path(__file__).resolve().parents[2]
#: arguments rtpredict does not know go to Snakemake
PASS_THROUGH = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``rtpredict new-tumour``."""
    parser.add_argument("--config", type=Path, default=Path("config.yaml"), help="the run's config")
    parser.add_argument(
        "--directory", type=Path, default=Path("."), help="the run's working directory (.)"
    )
    parser.add_argument("--sample-id", required=True, help="the tumour's pseudonymous ID")
    parser.add_argument("--fastq-1", type=Path, required=True, help="read 1 FASTQ")
    parser.add_argument("--fastq-2", type=Path, required=True, help="read 2 FASTQ")
    parser.add_argument("--vcf", type=Path, help="somatic VCF of the tumour")
    parser.add_argument("--batch", help="batch name (default: the sample ID, '.' replaced by '-')")
    parser.add_argument(
        "--clinical",
        action="append",
        default=[],
        metavar="COLUMN=VALUE",
        help="a covariate for the clinical table, e.g. site=lung, dose_per_fraction=2 "
        "(repeatable; columns the table has; the others are left empty)",
    )


def _read_config(path: Path) -> dict:
    from rtpredict._yaml import read_yaml

    config = read_yaml(path)
    if not isinstance(config, dict) or "samples" not in config:
        raise InputError(f"{path}: not an rtpredict config (no samples setting)")
    return config


def _lines(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    return [line for line in text.split("\n") if line.strip()]


def _checked_copy(path: Path, lines: list[str], check) -> Path:
    """Write ``lines`` to a temporary file beside ``path`` and run ``check`` on it; return it
    (removed again when the check fails)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    try:
        check(Path(tmp))
    except InputError as err:  # name the user's file, not the copy
        os.unlink(tmp)
        raise InputError(str(err).replace(tmp, f"{path} (the tumour's row added)")) from None
    except BaseException:
        os.unlink(tmp)
        raise
    return Path(tmp)


def _sheet_lines(
    sheet: Path, args: argparse.Namespace, batch: str, batch_size: int, allow: dict
) -> list[str]:
    """The sheet's lines with the tumour appended (and a batch column where it had none)."""
    from rtpredict.io import read_sample_sheet, tumour_batches

    table = read_sample_sheet(sheet, allow_columns=allow)
    if args.sample_id in set(table["sample_id"]):
        raise InputError(f"{sheet}: {args.sample_id} is already in the sample sheet")
    lines = _lines(sheet)
    header = lines[0].split("\t")
    if "batch" not in header:  # name the batches the tumours are already in
        of = {t: b for b, ids in tumour_batches(table, batch_size).items() for t in ids}
        sample = header.index("sample_id")
        rows = [line + "\t" + of[line.split("\t")[sample]] for line in lines[1:]]
        lines = [lines[0] + "\tbatch", *rows]
        header.append("batch")
    values = {
        "sample_id": args.sample_id,
        "fastq_1": str(args.fastq_1.resolve()),
        "fastq_2": str(args.fastq_2.resolve()),
        "vcf": str(args.vcf.resolve()) if args.vcf else "",
        "batch": batch,
    }
    if args.vcf and "vcf" not in header:
        raise InputError(f"{sheet}: add a vcf column to the sheet to give a VCF")
    return [*lines, "\t".join(values.get(column, "") for column in header)]


def _clinical_lines(path: Path, args: argparse.Namespace) -> list[str]:
    """The clinical table's lines with the tumour's covariates appended."""
    from rtpredict.commands._args import sample_paths

    given = sample_paths(args.clinical)  # COLUMN=VALUE pairs, each column once
    lines = _lines(path)
    header = lines[0].split("\t")
    if "sample_id" in header:
        column = header.index("sample_id")
        if any(line.split("\t")[column] == args.sample_id for line in lines[1:]):
            raise InputError(f"{path}: {args.sample_id} is already in the clinical table")
    unknown = sorted(set(given) - set(header))
    if unknown:
        raise InputError(f"{path} has no column {', '.join(unknown)} (columns: {header})")
    values = {**given, "sample_id": args.sample_id}
    return [*lines, "\t".join(values.get(column, "") for column in header)]


def run(args: argparse.Namespace) -> int:
    """Add the tumour, then run the workflow for its report; return Snakemake's exit code."""
    from rtpredict.io import BATCH_PATTERN, read_clinical, read_sample_sheet

    snakefile = ROOT / "Snakefile"
    if not snakefile.exists():
        raise RtpredictError("new-tumour runs the workflow of a source checkout (no Snakefile)")
    workdir = args.directory.resolve()
    config_path = args.config if args.config.is_absolute() else workdir / args.config
    config = _read_config(config_path)
    batch = args.batch or args.sample_id.replace(".", "-")
    if not re.fullmatch(BATCH_PATTERN, batch):
        raise InputError(f"batch name {batch!r} must match {BATCH_PATTERN}")
    sheet = workdir / config["samples"]
    batch_size = int(config.get("cohort", {}).get("batch_size", 500))
    allow = config.get("privacy", {}).get("allow_columns", {})
    if args.clinical and not config.get("clinical"):
        raise InputError(f"{config_path}: no clinical table to add --clinical values to")
    # both files are checked before either is replaced
    checks = [(sheet, _sheet_lines(sheet, args, batch, batch_size, allow), read_sample_sheet)]
    if config.get("clinical"):
        clinical = workdir / config["clinical"]
        checks.append((clinical, _clinical_lines(clinical, args), read_clinical))
    copies: list[tuple[Path, Path]] = []
    try:
        for path, lines, reader in checks:
            check = functools.partial(reader, allow_columns=allow)
            copies.append((_checked_copy(path, lines, check), path))
    except BaseException:
        for tmp, _ in copies:
            tmp.unlink()
        raise
    for tmp, path in copies:
        os.replace(tmp, path)
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(snakefile),
           "--directory", str(workdir), "--configfile", str(config_path),
           "--workflow-profile", str(ROOT / "profiles" / "default"),
           *args.extra, f"results/reports/{batch}"]  # fmt: skip
    code = subprocess.run(cmd, env=env, check=False).returncode
    report = workdir / "results" / "reports" / batch / f"{args.sample_id}.html"
    if code == 0:
        print(f"rtpredict new-tumour: wrote {report}")
    return code
