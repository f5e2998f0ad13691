"""Read a GTF once into the transcript → gene table that every aggregation batch reads.

A human GTF has over a million exon lines; the workflow parses it once per run
(``resources/tx2gene.tsv``) instead of once per cohort batch.
"""

from __future__ import annotations

import argparse

from rtpredict.commands._args import add_output


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``rtpredict tx2gene``."""
    parser.add_argument("--gtf", required=True, help="annotation GTF (Ensembl or GENCODE)")
    add_output(parser, "transcript → gene table (TSV) to write")


def run(args: argparse.Namespace) -> int:
    """Write the table; return the exit code."""
    from rtpredict.io import read_tx2gene, write_tx2gene

    write_tx2gene(read_tx2gene(args.gtf), args.output)
    return 0
