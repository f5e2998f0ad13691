"""Check that the GTF, genome and transcript FASTA belong to one build before indexing."""

from __future__ import annotations

import argparse
import json

from rtpredict.commands._args import add_output


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``rtpredict check-reference``."""
    parser.add_argument("--gtf", required=True)
    parser.add_argument("--genome", help="genome FASTA")
    parser.add_argument("--transcriptome", help="transcript FASTA")
    add_output(parser, "JSON report to write")


def run(args: argparse.Namespace) -> int:
    """Check the reference files; write what was compared."""
    from rtpredict._files import write_text_atomic
    from rtpredict.qc import check_reference

    report = check_reference(args.gtf, genome=args.genome, transcriptome=args.transcriptome)
    write_text_atomic(args.output, json.dumps(report, indent=2) + "\n")
    return 0
