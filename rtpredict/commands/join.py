"""Join the workflow's cohort batches into one cohort AnnData and its tables.

Each batch directory holds ``predictions.h5ad`` (obs: QC, clinical covariates, features and
predictions; obsm: SHAP values; no expression) and the TSVs ``samples.tsv``, ``features.tsv`` and
``predictions.tsv``. The batches are joined in the order given into ``--output`` (e.g.
``results/cohort.h5ad``, with the run's provenance manifest and each batch's sha256) and into
the same three TSVs in ``--tables-dir``. Gene expression stays in each batch's
``expression.h5ad``: joining it would copy the largest files of the run at every new batch.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from rtpredict.commands._args import add_output

logger = logging.getLogger("rtpredict.join")

#: the tables each batch directory holds, and how each writes a missing value
TABLES = {"samples.tsv": "", "features.tsv": "NA", "predictions.tsv": ""}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``rtpredict join``."""
    parser.add_argument("batches", nargs="+", type=Path, help="batch directories, in order")
    add_output(parser, "cohort .h5ad to write", type=Path)
    parser.add_argument("--tables-dir", type=Path, required=True, help="folder for the TSVs")
    parser.add_argument(
        "--provenance",
        type=Path,
        help="the run's provenance manifest (rtpredict provenance), stored with the models' "
        "sha256 as JSON text in uns['rtpredict']['provenance']",
    )


def join_tables(paths: list[Path], out: Path, na_rep: str) -> None:
    """Concatenate TSVs with a sample_id first column, cell text unchanged; columns a batch
    lacks are written as ``na_rep``."""
    import pandas as pd

    from rtpredict.models.interface import write_table

    frames = [pd.read_csv(p, sep="\t", dtype=str, keep_default_na=False) for p in paths]
    table = pd.concat(frames, ignore_index=True).set_index("sample_id")
    write_table(table.fillna(na_rep), out)


def run(args: argparse.Namespace) -> int:
    """Join the batches; return the exit code."""
    import anndata as ad

    from rtpredict._files import sha256_file
    from rtpredict.errors import InputError
    from rtpredict.io import read_h5ad, write_h5ad

    files = [b / "predictions.h5ad" for b in args.batches]
    parts = [read_h5ad(f) for f in files]
    seen: dict[str, Path] = {}
    for batch, part in zip(args.batches, parts, strict=True):
        for tumour in part.obs_names:
            if tumour in seen:
                raise InputError(
                    f"tumour {tumour} is in more than one batch ({seen[tumour]}, {batch})"
                )
            seen[tumour] = batch
    cohort = ad.concat(parts, join="outer", merge="first", uns_merge="first")
    uns = dict(cohort.uns.get("rtpredict", {}))
    uns.pop("batch", None)
    uns["X"] = "none: each batch's expression.h5ad holds log1p(TPM) and the layers"
    uns["batches"] = {b.name: sha256_file(f) for b, f in zip(args.batches, files, strict=True)}
    if args.provenance is not None:
        manifest = json.loads(args.provenance.read_text())
        manifest["models"] = uns.get("models", {})
        uns["provenance"] = json.dumps(manifest, sort_keys=True)  # h5ad holds no records
    cohort.uns["rtpredict"] = uns
    write_h5ad(cohort, args.output)
    args.tables_dir.mkdir(parents=True, exist_ok=True)
    for name, na_rep in TABLES.items():
        join_tables([b / name for b in args.batches], args.tables_dir / name, na_rep)
    logger.info("joined %d batches, %d tumours into %s", len(parts), cohort.n_obs, args.output)
    return 0
