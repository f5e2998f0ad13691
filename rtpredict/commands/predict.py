"""Score tumours with a saved model: predictions, uncertainty, percentiles and SHAP values.

Reads a cohort ``.h5ad`` or a features TSV, loads a model (``--model model.json`` or a shipped
one, ``default:recurrence``) with its checksum and schema checks, and writes an annotated copy
of the AnnData (``--output``: obs ``<key>_prediction``, ``_sd``, ``_lower``, ``_upper``,
``_percentile`` and, for survival models with a horizon, ``_event_probability…``; obsm
``<key>_shap``; uns ``<key>_prediction``) and/or a TSV of the same values with ``shap_<feature>``
columns (``--tsv``). Research use only; not clinically validated.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from rtpredict._shipped import DEFAULT_PREFIX, shipped_name
from rtpredict.commands._args import add_output
from rtpredict.errors import InputError

if TYPE_CHECKING:
    import pandas as pd
    from anndata import AnnData

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the ``predict`` options."""
    parser.add_argument("input", type=Path, help="cohort .h5ad or features .tsv")
    parser.add_argument(
        "--model",
        action="append",
        dest="models",
        help=f"model file (.json or .card.json), or {DEFAULT_PREFIX}<name> for a shipped model; "
        f"repeatable, each model's keys prefixed by its name (default: {DEFAULT_PREFIX}recurrence)",
    )
    add_output(
        parser, "annotated copy of the input .h5ad", required=False, type=Path, deprecated=["--out"]
    )
    parser.add_argument("--tsv", type=Path, help="TSV of predictions and SHAP values")
    parser.add_argument("--horizon", type=float, help="years for event probabilities")
    parser.add_argument("--level", type=float, default=0.95, help="interval level (0.95)")
    parser.add_argument(
        "--provenance",
        type=Path,
        help="the run's provenance manifest (rtpredict provenance): stored with the models' "
        "sha256 as JSON text in uns['rtpredict']['provenance'] of the annotated .h5ad",
    )
    parser.add_argument(
        "--key-added", help="prefix of the written keys, with one model (default: its name)"
    )


def run(args: argparse.Namespace) -> int:
    """Load the model, score the input and write the outputs."""
    import pandas as pd

    from rtpredict.io import write_h5ad
    from rtpredict.models import load_default, load_model, prediction_table
    from rtpredict.models.interface import is_tsv, read_cohort, write_table
    from rtpredict.tl import predict

    if args.output is None and args.tsv is None:
        raise InputError("nothing to write: give --output (annotated .h5ad) and/or --tsv.")
    if args.output is not None and (is_tsv(args.input) or not str(args.output).endswith(".h5ad")):
        raise InputError("--output writes an annotated .h5ad and needs a .h5ad input; use --tsv.")
    if not 0 < args.level < 1:
        raise InputError(f"--level must lie between 0 and 1, got {args.level}.")
    references = args.models or [f"{DEFAULT_PREFIX}recurrence"]
    if args.key_added and len(references) > 1:
        raise InputError(
            "--key-added names the keys of one model; with several, each uses its name."
        )
    data = read_cohort(args.input)
    tables, models = [], {}
    for reference in references:
        name = shipped_name(reference)
        model = load_default(name) if name is not None else load_model(reference)
        key = args.key_added or model.card_.get("name") or Path(reference).stem
        models[key] = {"reference": reference, "sha256": model.card_["files"]["model"]["sha256"]}
        if is_tsv(args.input):  # a table of features: --tsv only
            table = prediction_table(model, data, horizon=args.horizon, level=args.level)
            tables.append(table.add_prefix(f"{key}_"))
        else:  # scored once: the TSV holds what rp.tl.predict wrote
            predict(data, model, key_added=key, horizon=args.horizon, level=args.level)
            if args.tsv is not None:
                tables.append(_written(data, key).add_prefix(f"{key}_"))
        log.info("scored %d tumours with %s (keys %s_*)", len(data), reference, key)
    if args.tsv is not None:
        write_table(pd.concat(tables, axis=1), args.tsv)
        log.info("wrote %s", args.tsv)
    if args.output is not None:
        uns = dict(data.uns.get("rtpredict", {}))
        uns["models"] = models
        if args.provenance is not None:
            manifest = json.loads(args.provenance.read_text())
            manifest["models"] = models
            uns["provenance"] = json.dumps(manifest, sort_keys=True)  # h5ad holds no records
        data.uns["rtpredict"] = uns
        write_h5ad(data, args.output)
        log.info("wrote %s", args.output)
    return 0


def _written(adata: AnnData, key: str) -> pd.DataFrame:
    """What `rtpredict.tl.predict` wrote under ``key``, laid out as `prediction_table`."""
    import pandas as pd

    meta = adata.uns[f"{key}_prediction"]
    columns = list(meta["columns"])
    table = adata.obs[[f"{key}_{c}" for c in columns]].set_axis(columns, axis=1)
    out = pd.concat([table, adata.obsm[f"{key}_shap"].add_prefix("shap_")], axis=1)
    out["shap_bias"] = meta["shap_bias"]
    return out
