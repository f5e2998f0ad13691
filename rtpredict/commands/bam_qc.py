"""Report mapping, pairing and strandedness of a BAM (and featureCounts' -s value)."""

from __future__ import annotations

import argparse
import json
import logging

from rtpredict.commands._args import add_output

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``rtpredict bam-qc``."""
    parser.add_argument("--bam", required=True)
    parser.add_argument("--gtf", required=True, help="annotation, for gene strands")
    parser.add_argument(
        "--strandedness",
        default="auto",
        choices=["auto", "0", "1", "2"],
        help="featureCounts -s value to use; auto: inferred from the reads",
    )
    add_output(parser, "QC JSON to write")
    parser.add_argument("--strand-output", required=True, help="file receiving the -s value")


def run(args: argparse.Namespace) -> int:
    """Compute BAM QC; write the JSON report and the strandedness code."""
    from rtpredict._files import write_text_atomic
    from rtpredict.io import read_gene_intervals
    from rtpredict.qc import bam_qc, infer_strandedness

    report = bam_qc(args.bam)
    inferred = infer_strandedness(args.bam, read_gene_intervals(args.gtf))
    report.update(inferred)
    code = inferred["featurecounts_strand"]
    if args.strandedness != "auto":
        given = int(args.strandedness)
        if given != code:
            log.warning(
                "%s: configured strandedness -s %d, but the reads look %s (-s %d, sense "
                "fraction %.2f)",
                args.bam,
                given,
                inferred["strandedness"],
                code,
                inferred["strand_sense_fraction"],
            )
        code = given
    report["featurecounts_strand_used"] = code
    write_text_atomic(args.output, json.dumps(report, indent=2) + "\n")
    write_text_atomic(args.strand_output, f"{code}\n")
    return 0
