"""Write the HTML reports: one per tumour, one for the cohort, and MultiQC tables.

Reads the cohort AnnData after ``rtpredict predict`` (``results/cohort.predictions.h5ad``) and
writes ``<outdir>/<sample_id>.html`` for every tumour and ``<outdir>/cohort.html``: one
self-contained file each (no network request, printable on A4). With ``--multiqc-dir`` it also
writes ``rtpredict_qc_mqc.tsv`` and ``rtpredict_predictions_mqc.tsv`` for MultiQC. Reports render
what the features and predict steps wrote; a tumour failing a QC rule (``--rules``; default:
rtpredict/report/rules.yaml) gets no score, and its report says why. Research use only.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

from rtpredict.commands._args import add_output, sample_paths

logger = logging.getLogger("rtpredict.report")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the ``report`` options."""
    parser.add_argument("input", type=Path, help="cohort .h5ad with predictions")
    add_output(parser, "folder for <sample_id>.html, cohort.html", folder=True, type=Path)
    parser.add_argument(
        "--multiqc-dir", type=Path, help="folder for the MultiQC custom content (*_mqc.tsv)"
    )
    parser.add_argument("--rules", type=Path, help="QC and band rules YAML (default: shipped)")
    parser.add_argument(
        "--model-card",
        nargs="*",
        action="extend",
        default=[],
        metavar="[MODEL=]CARD",
        help="model card (.card.json) of a model not shipped with rtpredict (named by the card "
        "itself, or MODEL=CARD)",
    )
    parser.add_argument("--panel", type=Path, help="DNA panel YAML (default: the shipped panel)")
    parser.add_argument("--date", help="report date, YYYY-MM-DD (default: today)")
    parser.add_argument(
        "-j", "--jobs", type=int, default=1, help="processes rendering tumour reports (1)"
    )
    parser.add_argument(
        "--only",
        choices=("tumours", "cohort"),
        help="write only the tumour reports (a cohort batch) or only the cohort report",
    )


def run(args: argparse.Namespace) -> int:
    """Read the cohort, write every report; return the exit code."""
    from rtpredict.errors import InputError
    from rtpredict.io import read_h5ad
    from rtpredict.report import write_reports

    if args.jobs < 1:
        raise InputError(f"--jobs must be at least 1, got {args.jobs}.")
    named = sample_paths([item for item in args.model_card if "=" in item])  # each name once
    cards: dict[str, Path | dict] = {}
    for name, path in named.items():
        if not Path(path).is_file():
            raise FileNotFoundError(f"{path}: no such model card (for {name})")
        cards[name] = Path(path)
    for item in args.model_card:
        if "=" not in item:  # named by the card itself; parsed once, here
            path = Path(item)
            if not path.is_file():
                raise FileNotFoundError(f"{path}: no such model card")
            card = json.loads(path.read_text())
            cards[card.get("name") or path.name.removesuffix(".card.json")] = card
    start = time.perf_counter()
    adata = read_h5ad(args.input)
    summary = write_reports(
        adata,
        args.outdir,
        multiqc_dir=args.multiqc_dir,
        jobs=args.jobs,
        rules=args.rules,
        cards=cards,
        panel=args.panel,
        date=args.date,
        tumours=args.only != "cohort",
        cohort=args.only != "tumours",
    )
    sizes = summary["sizes"]
    logger.info(
        "wrote %d tumour reports (%.0f-%.0f kB) and %s (%.0f kB) in %.1f s",
        len(sizes),
        min(sizes.values(), default=0) / 1024,
        max(sizes.values(), default=0) / 1024,
        summary["cohort_report"] or "no cohort report",
        summary["cohort_size"] / 1024,
        time.perf_counter() - start,
    )
    if summary["withheld"]:
        logger.warning(
            "QC failed, scores withheld for %d tumours: %s",
            len(summary["withheld"]),
            ", ".join(summary["withheld"]),
        )
    for path in summary["multiqc"]:
        logger.info("wrote %s", path)
    return 0
