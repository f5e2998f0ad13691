"""Check a tumour's FASTQ pairs (gzip integrity, records, mates) before any tool reads them."""

from __future__ import annotations

import argparse
import json

from rtpredict.commands._args import add_output


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``rtpredict check-fastq``."""
    parser.add_argument(
        "--pair", nargs=2, action="append", required=True, metavar=("R1", "R2"),
        help="read 1 and read 2 FASTQ of one lane (repeatable)",
    )  # fmt: skip
    add_output(parser, "JSON report to write")


def run(args: argparse.Namespace) -> int:
    """Check every pair; write the read counts and each file's sha256 and size (for the run's
    provenance), or fail with a message naming the file."""
    from rtpredict._files import write_text_atomic
    from rtpredict.qc import check_fastq_pair

    lanes = [{"fastq_1": r1, "fastq_2": r2, **check_fastq_pair(r1, r2)} for r1, r2 in args.pair]
    report = {"read_pairs": sum(lane["read_pairs"] for lane in lanes), "lanes": lanes}
    write_text_atomic(args.output, json.dumps(report, indent=2) + "\n")
    return 0
