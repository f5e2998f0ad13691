"""Score tumours with a saved model: predictions, uncertainty, percentiles and SHAP values.

Reads a cohort ``.h5ad`` or a features TSV, loads a model (``--model model.json`` or a shipped
one, ``default:recurrence``) with its checksum and schema checks, and writes an annotated copy
of the AnnData (``--out``: obs ``<key>_prediction``, ``_sd``, ``_lower``, ``_upper``,
``_percentile`` and, for survival models with a horizon, ``_event_probability…``; obsm
``<key>_shap``; uns ``<key>_prediction``) and/or a TSV of the same values with ``shap_<feature>``
columns (``--tsv``). Research use only; not clinically validated.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from rtpredict.errors import InputError

log = logging.getLogger(__name__)

DEFAULT_PREFIX = "default:"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the ``predict`` options."""
    parser.add_argument("input", type=Path, help="cohort .h5ad or features .tsv")
    parser.add_argument(
        "--model",
        default="default:recurrence",
        help="model file (.json or .card.json), or default:<name> for a shipped model "
        "(default: default:recurrence)",
    )
    parser.add_argument("-o", "--out", type=Path, help="annotated copy of the input .h5ad")
    parser.add_argument("--tsv", type=Path, help="TSV of predictions and SHAP values")
    parser.add_argument("--horizon", type=float, help="years for event probabilities")
    parser.add_argument("--level", type=float, default=0.95, help="interval level (0.95)")
    parser.add_argument("--key-added", default="rtpredict", help="prefix of the written keys")


def run(args: argparse.Namespace) -> int:
    """Load the model, score the input and write the outputs."""
    from rtpredict.io import write_h5ad
    from rtpredict.models import (
        annotate_predictions,
        load_default,
        load_model,
        prediction_table,
    )
    from rtpredict.models._cohort_files import is_tsv, read_cohort, write_table

    if args.out is None and args.tsv is None:
        raise InputError("nothing to write: give --out (annotated .h5ad) and/or --tsv.")
    if args.out is not None and (is_tsv(args.input) or not str(args.out).endswith(".h5ad")):
        raise InputError("--out writes an annotated .h5ad and needs a .h5ad input; use --tsv.")
    if not 0 < args.level < 1:
        raise InputError(f"--level must lie between 0 and 1, got {args.level}.")
    model = (
        load_default(args.model.removeprefix(DEFAULT_PREFIX))
        if args.model.startswith(DEFAULT_PREFIX)
        else load_model(args.model)
    )
    data = read_cohort(args.input)
    if args.tsv is not None:
        table = prediction_table(model, data, horizon=args.horizon, level=args.level)
        write_table(table, args.tsv)
        log.info("wrote %d predictions to %s", len(table), args.tsv)
    if args.out is not None:
        annotate_predictions(
            data, model, key_added=args.key_added, horizon=args.horizon, level=args.level
        )
        write_h5ad(data, args.out)
        log.info("wrote %s", args.out)
    return 0
