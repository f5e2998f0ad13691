"""Score RSI, GARD and the radiotherapy signatures of every tumour in a cohort .h5ad.

Reads the cohort AnnData (X = log1p TPM; obs dose_per_fraction and fractions), writes the same
AnnData with the feature columns added (rsi, gard, gard_fractions_to_target, one column per
catalog signature, each with its coverage) and a TSV of those columns. Cohort-relative scores
(Buffa, Toustrup) use frozen reference statistics from --reference; without it they are built
from the input cohort, saved next to the output, recorded in uns, and a warning says so.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import tempfile
from pathlib import Path

import anndata as ad
import pandas as pd

from rtpredict import __version__
from rtpredict import tl as rtl
from rtpredict.errors import InputError
from rtpredict.signatures import load_catalog, read_signature_file

logger = logging.getLogger("rtpredict.features")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's options."""
    parser.add_argument("input", type=Path, help="cohort .h5ad (e.g. results/cohort.h5ad)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="features .h5ad to write")
    parser.add_argument(
        "--tsv", type=Path, help="TSV of the feature columns (default: OUTPUT with .tsv)"
    )
    parser.add_argument(
        "--reference",
        type=Path,
        help="frozen reference statistics (.json) or a reference cohort (.h5ad) to build them "
        "from; default: build from the input cohort (cohort-relative, with a warning)",
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
        "--min-coverage",
        type=float,
        help="override each signature's minimum fraction of measured genes (RSI needs all 10)",
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_h5ad(path: Path) -> ad.AnnData:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        return ad.read_h5ad(path)
    except (OSError, KeyError, ValueError) as err:
        raise InputError(f"{path}: not a readable .h5ad file ({err}).") from None


def _atomic(path: Path, write) -> None:
    """Call ``write(tmp_path)`` then move the file into place (same directory)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=f".tmp{path.suffix}"
    )
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _reference(args: argparse.Namespace, adata: ad.AnnData, signatures: list) -> tuple:
    """Return (statistics, provenance dict); save built statistics next to the output."""
    saved = args.output.with_name(args.output.name.removesuffix(".h5ad") + ".reference.json")
    if args.reference is not None and args.reference.suffix.lower() == ".json":
        if not args.reference.is_file():
            raise FileNotFoundError(f"{args.reference}: no such file")
        stats = rtl.ReferenceStatistics.load(args.reference)
        return stats, {"source": str(args.reference), "sha256": _sha256(args.reference)}
    if args.reference is not None:
        cohort = _read_h5ad(args.reference)
        stats = rtl.reference_statistics(cohort, signatures, source=str(args.reference))
        origin = {"source": str(args.reference), "sha256": _sha256(args.reference)}
    else:
        stats = rtl.reference_statistics(
            adata, signatures, source=f"{args.input} (the scored cohort itself)"
        )
        origin = {"source": "input cohort (cohort-relative)", "sha256": _sha256(args.input)}
        logger.warning(
            "no --reference: Buffa and Toustrup scores use medians/means/SDs of this cohort, so "
            "they change if tumours are added or removed. Statistics saved to %s; pass it as "
            "--reference to freeze them for later runs.",
            saved,
        )
    _atomic(saved, stats.save)
    origin["saved_to"] = str(saved)
    return stats, origin


def run(args: argparse.Namespace) -> int:
    """Score the cohort and write the features .h5ad and TSV; return the exit code."""
    adata = _read_h5ad(args.input)
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

    rtl.score_rsi(adata)
    rtl.gard(adata, target_gard=args.target_gard)
    rtl.score_signatures(
        adata, signatures, method=args.method, reference=stats, min_coverage=args.min_coverage
    )
    columns = ["rsi", "rsi_coverage", "gard"]
    columns += ["gard_fractions_to_target"] if args.target_gard is not None else []
    for s in signatures:
        columns += [s.name, f"{s.name}_coverage"]

    provenance = dict(adata.uns.get("rtpredict", {}))
    params = {"method": args.method, "signature_files": [str(p) for p in args.signatures]}
    params |= {"target_gard": args.target_gard} if args.target_gard is not None else {}
    params |= {"min_coverage": args.min_coverage} if args.min_coverage is not None else {}
    provenance["features"] = {
        "rtpredict_version": __version__,
        "input": str(args.input),
        "input_sha256": _sha256(args.input),
        "params": params,
        "reference": origin,
        "columns": columns,
    }
    adata.uns["rtpredict"] = provenance

    tsv = args.tsv or args.output.with_name(args.output.name.removesuffix(".h5ad") + ".tsv")
    table: pd.DataFrame = adata.obs[columns]
    _atomic(args.output, adata.write_h5ad)
    _atomic(tsv, lambda p: table.to_csv(p, sep="\t", index_label="sample", na_rep="NA"))
    scored = {c: int(table[c].notna().sum()) for c in columns if not c.endswith("_coverage")}
    logger.info("scored %d tumours: %s", adata.n_obs, scored)
    logger.info("wrote %s and %s", args.output, tsv)
    return 0
