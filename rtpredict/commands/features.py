"""Score RSI, GARD and the radiotherapy signatures of every tumour in a cohort .h5ad.

Reads the cohort AnnData (X = log1p TPM; obs dose_per_fraction and fractions), writes the same
AnnData with the feature columns added (rsi, gard, gard_fractions_to_target, one column per
catalog signature, each with its coverage), the DNA features of tumours with a variants table
(``--variants``; the others get missing values) and a TSV of those columns. Cohort-relative
scores (Buffa, Toustrup) use frozen reference statistics from --reference; without it they are
built from the input cohort, saved next to the output, recorded in uns, and a warning says so.
The scale of X is detected (``rtpredict.tl.detect_scale``) or given with ``--scale``; a signature
whose rule is not valid on it is refused with the reason.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from rtpredict import __version__
from rtpredict._shipped import DEFAULT_PREFIX, shipped_name
from rtpredict.commands._args import add_output, sample_paths
from rtpredict.errors import InputError

logger = logging.getLogger("rtpredict.features")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's options."""
    from rtpredict.signatures import SCALES

    parser.add_argument("input", type=Path, help="cohort .h5ad (e.g. results/cohort.h5ad)")
    add_output(parser, "features .h5ad to write", type=Path)
    parser.add_argument(
        "--tsv", type=Path, help="TSV of the feature columns (default: OUTPUT with .tsv)"
    )
    parser.add_argument(
        "--reference",
        type=Path,
        help=f"frozen reference statistics (.json), {DEFAULT_PREFIX}<model> for those shipped "
        "with a model, or a reference cohort (.h5ad) to build them from; default: build from "
        "the input cohort (cohort-relative, with a warning)",
    )
    parser.add_argument(
        "--target-gard",
        type=float,
        help="also write gard_fractions_to_target: fractions needed at each tumour's dose per "
        "fraction to reach this GARD",
    )
    parser.add_argument(
        "--method",
        choices=("singscore", "ssgsea"),
        default="singscore",
        help="single-sample method for gene-set signatures (default: singscore)",
    )
    parser.add_argument(
        "--signatures",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="extra signatures, GMT or catalog-format YAML (repeatable)",
    )
    parser.add_argument(
        "--variants",
        nargs="*",
        default=[],
        metavar="SAMPLE=TSV",
        help="variants tables from `rtpredict variants`, one per tumour with DNA, or one path "
        "pattern holding {sample}, read for each tumour whose file exists",
    )
    parser.add_argument(
        "--callable-mb", type=float, help="callable size of the DNA assay (Mb), for TMB"
    )
    parser.add_argument(
        "--panel", type=Path, help="radiation-response panel YAML (default: shipped)"
    )
    parser.add_argument(
        "--rna-pileup",
        nargs="*",
        default=[],
        metavar="SAMPLE=TSV",
        help="RNA hotspot pileups from `rtpredict hotspot-pileup` (supporting evidence)",
    )
    parser.add_argument(
        "--no-expression",
        action="store_true",
        help="write the features without the expression matrix and layers (the workflow's "
        "cohort batches: expression stays in the input)",
    )
    parser.add_argument(
        "--min-coverage",
        type=float,
        help="override each signature's minimum fraction of measured genes (RSI needs all 10)",
    )
    parser.add_argument(
        "--scale",
        choices=tuple(SCALES),
        help="scale of X (default: detected); signatures not valid on it are refused",
    )


def _reference(args: argparse.Namespace, adata, signatures: list) -> tuple:
    """Return (statistics, provenance dict); save built statistics next to the output."""
    from rtpredict import tl as rtl
    from rtpredict._files import sha256_file
    from rtpredict.io import read_h5ad
    from rtpredict.tl._reference_statistics import _compute as reference_statistics_of
    from rtpredict.tl._scale import input_scale

    saved = args.output.with_name(args.output.name.removesuffix(".h5ad") + ".reference.json")
    shipped = shipped_name(args.reference) if args.reference is not None else None
    if shipped is not None:
        from rtpredict.models import default_reference

        args.reference = default_reference(shipped)
    if args.reference is not None and args.reference.suffix.lower() == ".json":
        if not args.reference.is_file():
            raise FileNotFoundError(f"{args.reference}: no such file")
        stats = rtl.ReferenceStatistics.load(args.reference)
        return stats, {"source": str(args.reference), "sha256": sha256_file(args.reference)}
    if args.reference is not None:
        cohort = read_h5ad(args.reference)
        stats = rtl.reference_statistics(
            cohort,
            signatures,
            source=str(args.reference),
            min_coverage=args.min_coverage,
            scale=args.scale,
        )
        origin = {"source": str(args.reference), "sha256": sha256_file(args.reference)}
    else:
        # quiet: the scoring of the same cohort logs each coverage shortfall once
        stats = reference_statistics_of(
            adata,
            signatures,
            layer=None,
            min_coverage=args.min_coverage,
            source=f"{args.input} (the scored cohort itself)",
            scale=input_scale(adata, None, args.scale),
            report=False,
        )
        origin = {"source": "input cohort (cohort-relative)", "sha256": sha256_file(args.input)}
        logger.warning(
            "no --reference: Buffa and Toustrup scores use medians/means/SDs of this cohort, so "
            "they change if tumours are added or removed. Statistics saved to %s; pass it as "
            "--reference to freeze them for later runs.",
            saved,
        )
    stats.save(saved)
    origin["saved_to"] = str(saved)
    return stats, origin


def _dna_features(args: argparse.Namespace, adata) -> int:
    """Add the DNA features (``dna_*``) and, from RNA pileups, hotspot read support; return
    the number of tumours with a variants table."""
    from rtpredict import tl as rtl
    from rtpredict.genomics import read_variants

    variants = sample_paths(args.variants, list(adata.obs_names), existing=True)
    unknown = sorted(set(variants) - set(adata.obs_names))
    if unknown:
        raise InputError(f"--variants names tumours not in {args.input}: {', '.join(unknown)}")
    if args.callable_mb is None:
        logger.warning(
            "no --callable-mb: TMB is left missing (the assay's callable size is needed)"
        )
    rtl.dna_features(
        adata,
        {sample: read_variants(path) for sample, path in variants.items()},
        panel=args.panel,
        callable_mb=args.callable_mb if args.callable_mb is not None else float("nan"),
    )
    pileups = sample_paths(args.rna_pileup, list(adata.obs_names))
    if pileups:
        import pandas as pd

        support = {
            sample: int((pd.read_csv(path, sep="\t")["alt_count"] > 0).sum())
            for sample, path in pileups.items()
        }
        adata.obs["rna_hotspot_alleles_with_alt_reads"] = adata.obs_names.map(support)
    return len(variants)


def run(args: argparse.Namespace) -> int:
    """Score the cohort and write the features .h5ad and TSV; return the exit code."""
    from rtpredict import tl as rtl
    from rtpredict._files import atomic_path, sha256_file
    from rtpredict.io import read_h5ad, write_h5ad
    from rtpredict.signatures import load_catalog, read_signature_file

    adata = read_h5ad(args.input)
    signatures = [s for s in load_catalog().values() if s.rule.method != "rsi_rank"]
    for path in args.signatures:
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such file")
        extra = read_signature_file(path)
        clash = sorted(set(extra) & ({s.name for s in signatures} | {"rsi", "gard"}))
        if clash:
            raise InputError(f"{path}: signature names already used: {', '.join(clash)}.")
        signatures += list(extra.values())
    stats, origin = _reference(args, adata, signatures)

    rtl.score_rsi(adata, scale=args.scale)
    rtl.gard(adata, target_gard=args.target_gard)
    rtl.score_signatures(
        adata,
        signatures,
        method=args.method,
        reference=stats,
        min_coverage=args.min_coverage,
        scale=args.scale,
    )
    columns = ["rsi", "rsi_coverage", "gard"]
    columns += ["gard_fractions_to_target"] if args.target_gard is not None else []
    for s in signatures:
        columns += [s.name, f"{s.name}_coverage"]
    before = set(adata.obs.columns)
    dna_tumours = _dna_features(args, adata)
    columns += [c for c in adata.obs.columns if c not in before]

    provenance = dict(adata.uns.get("rtpredict", {}))
    params = {"method": args.method, "signature_files": [str(p) for p in args.signatures]}
    params |= {"target_gard": args.target_gard} if args.target_gard is not None else {}
    params |= {"min_coverage": args.min_coverage} if args.min_coverage is not None else {}
    params |= {"scale": adata.uns["signatures"]["scale"]}
    params |= {"dna_tumours": dna_tumours, "callable_mb": args.callable_mb}
    params |= {"expression": not args.no_expression}
    provenance["features"] = {
        "rtpredict_version": __version__,
        "input": str(args.input),
        "input_sha256": sha256_file(args.input),
        "params": params,
        "reference": origin,
        "columns": columns,
    }
    adata.uns["rtpredict"] = provenance

    tsv = args.tsv or args.output.with_name(args.output.name.removesuffix(".h5ad") + ".tsv")
    table = adata.obs[columns]
    if args.no_expression:
        from anndata import AnnData

        adata = AnnData(obs=adata.obs, var=adata.var, uns=adata.uns, obsm=dict(adata.obsm))
    write_h5ad(adata, args.output)
    with atomic_path(tsv) as tmp:
        table.to_csv(tmp, sep="\t", index_label="sample_id", na_rep="NA")
    scored = {c: int(table[c].notna().sum()) for c in columns if not c.endswith("_coverage")}
    logger.info("scored %d tumours: %s", adata.n_obs, scored)
    logger.info("wrote %s and %s", args.output, tsv)
    return 0
