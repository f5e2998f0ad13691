"""Count reference and alternate reads at Cancer Hotspots positions in an indexed BAM.

Supporting evidence from RNA-seq (e.g. STAR) alignments: one row per hotspot allele that falls
on the BAM's reference, with depth, ref and alt read counts. Written atomically as TSV.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from rtpredict.commands._args import add_output

logger = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's options."""
    parser.add_argument("bam", type=Path, help="coordinate-sorted, indexed BAM")
    add_output(parser, "TSV to write", type=Path)
    parser.add_argument(
        "--genome", choices=("GRCh38", "GRCh37"), default="GRCh38", help="build of the BAM"
    )
    parser.add_argument(
        "--gene", action="append", dest="genes", help="only this gene's hotspots (repeatable)"
    )
    parser.add_argument("--min-mapping-quality", type=int, default=20, help="default 20")
    parser.add_argument("--min-base-quality", type=int, default=13, help="default 13")


def run(args: argparse.Namespace) -> int:
    """Pile up the BAM at the hotspots and write the counts."""
    from rtpredict._files import write_tsv
    from rtpredict.genomics import hotspot_pileup

    counts = hotspot_pileup(
        args.bam,
        genome=args.genome,
        genes=args.genes,
        min_mapping_quality=args.min_mapping_quality,
        min_base_quality=args.min_base_quality,
    )
    write_tsv(counts, args.output)
    covered = int((counts["depth"] > 0).sum())
    alt = int((counts["alt_count"] > 0).sum())
    logger.info("%s: %d hotspot alleles covered, %d with alt reads", args.bam, covered, alt)
    return 0
