"""Read one tumour's somatic VCF into a variants TSV (genes, consequences, VAF, hotspots).

Keeps passing records (FILTER PASS or '.'), one row per alternate allele; genes and consequences
come from VEP CSQ or SnpEff ANN, else from Cancer Hotspots v2 and GRCh38 gene coordinates. The
output is written atomically and read back by `rtpredict.genomics.read_variants`.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from rtpredict.commands._args import add_output

logger = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's options."""
    parser.add_argument("vcf", type=Path, help="somatic VCF/BCF of one tumour (plain or bgzip)")
    add_output(parser, "variants TSV to write", type=Path)
    parser.add_argument(
        "--sample",
        help="tumour column name (default: ##tumor_sample, a TUMOR column, or the only column)",
    )
    parser.add_argument(
        "--genome",
        choices=("GRCh38", "GRCh37", "auto"),
        default="GRCh38",
        help="genome build of the VCF; 'auto' reads it from the ##contig lengths (default GRCh38)",
    )
    parser.add_argument(
        "--vaf-field",
        action="append",
        dest="vaf_fields",
        metavar="FORMAT/NAME|INFO/NAME",
        help="field holding the VAF, tried before FORMAT AD/AF (repeatable), e.g. FORMAT/FREQ",
    )
    parser.add_argument(
        "--include-filtered",
        action="store_true",
        help="keep records that failed the caller's filters (the filter column tells)",
    )


def run(args: argparse.Namespace) -> int:
    """Read the VCF and write the variants TSV."""
    from rtpredict.genomics import read_somatic_vcf, write_variants

    variants = read_somatic_vcf(
        args.vcf,
        sample=args.sample,
        genome=args.genome,
        vaf_fields=args.vaf_fields,
        pass_only=not args.include_filtered,
    )
    write_variants(variants, args.output)
    logger.info(
        "%s: %d variants (%d hotspot alleles) from sample column %s on %s -> %s",
        args.vcf,
        len(variants),
        int(variants["hotspot"].sum()),
        variants.attrs.get("sample_column"),
        variants.attrs.get("genome"),
        args.output,
    )
    return 0
