"""Cohort batches: the unit in which the workflow's cohort steps run.

Aggregation, features, predictions and reports run once per batch of tumours, so memory is
bounded by the batch, not the cohort, and tumours added later run in batches of their own
while the files of earlier batches stay as they are.
"""

from __future__ import annotations

import hashlib
import json

import pandas as pd

from rtpredict.errors import InputError

#: what a batch name may hold (a path component: no '.', no '/')
BATCH_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_-]*"
#: name of the n-th automatic batch (1-based)
AUTO_BATCH = "b{:04d}"


def tumour_batches(sheet: pd.DataFrame, batch_size: int) -> dict[str, list[str]]:
    """Group a sample sheet's tumours into batches, each in sheet order.

    Parameters
    ----------
    sheet
        Sample sheet from :func:`~rtpredict.io.read_sample_sheet` (one row per lane).
    batch_size
        Tumours per automatic batch, used when the sheet has no ``batch`` values.

    Returns
    -------
    Batch name → its tumours' IDs, batches in order of first appearance. With a ``batch``
    column, each tumour is in the batch it names (e.g. the week it arrived). Without one,
    tumours fill batches of ``batch_size`` in sheet order, named ``b0001``, ``b0002``, …:
    appending tumours to the sheet fills the last batch, then opens new ones, and never moves
    a tumour from one batch to another.
    """
    if batch_size < 1:
        raise InputError(f"cohort.batch_size must be at least 1, got {batch_size}")
    tumours = sheet.drop_duplicates("sample_id")
    named = tumours["batch"] if "batch" in tumours.columns else pd.Series("", tumours.index)
    if (named != "").all():
        groups = tumours.groupby(named.to_numpy(), sort=False)["sample_id"]
        return {str(batch): list(ids) for batch, ids in groups}
    ids = list(tumours["sample_id"])
    return {
        AUTO_BATCH.format(i // batch_size + 1): ids[i : i + batch_size]
        for i in range(0, len(ids), batch_size)
    }


def batch_digest(*tables: pd.DataFrame) -> str:
    """Return a short digest of a batch's rows in the given tables.

    The workflow passes it as a parameter of each batch's jobs, so a batch re-runs when its own
    rows of the sample sheet or clinical table change, and not when other tumours are added.

    Parameters
    ----------
    *tables
        The batch's rows of each table (e.g. sample sheet, clinical table).

    Returns
    -------
    str
        A hexadecimal digest of the tables' contents.
    """
    digest = hashlib.sha256()
    for table in tables:
        records = table.astype(str).to_dict("split")
        digest.update(json.dumps(records, sort_keys=True).encode())
    return digest.hexdigest()[:16]
