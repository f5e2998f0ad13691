"""Read a cohort for training or scoring (.h5ad or TSV) and write results atomically."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from rtpredict._files import write_bytes_atomic
from rtpredict.errors import InputError
from rtpredict.io import read_h5ad

TSV_SUFFIXES = (".tsv", ".tsv.gz", ".txt")


def is_tsv(path: Path) -> bool:
    """Whether ``path`` names a tab-separated table."""
    return any(str(path).endswith(s) for s in TSV_SUFFIXES)


def read_cohort(path: Path):
    """Read an AnnData (``.h5ad``) or a TSV of tumours (first column: sample ID, header row)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"input {path} not found.")
    if str(path).endswith(".h5ad"):
        return read_h5ad(path)
    if is_tsv(path):
        try:
            table = pd.read_csv(path, sep="\t", index_col=0)
        except (ValueError, pd.errors.ParserError) as err:
            raise InputError(f"{path}: not a readable TSV ({err}).") from err
        if not table.index.is_unique:
            raise InputError(f"{path}: sample IDs in the first column must be unique.")
        table.index = table.index.astype(str)
        return table
    raise InputError(f"input {path} must be a .h5ad cohort or a .tsv table of tumours.")


def write_table(table: pd.DataFrame, path: Path, *, index_label: str = "sample_id") -> None:
    """Write a DataFrame as TSV atomically."""
    buffer = io.StringIO()
    table.to_csv(buffer, sep="\t", index_label=index_label, float_format="%.10g")
    write_bytes_atomic(path, buffer.getvalue().encode())
