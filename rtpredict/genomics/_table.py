"""The per-tumour variants table: its columns and dtypes, and its TSV form on disk."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from rtpredict._files import write_tsv
from rtpredict.errors import InputError

#: column -> dtype of the table :func:`read_somatic_vcf` returns (strings are object, None = NA)
COLUMNS: dict[str, str] = {
    "chrom": "object",
    "pos": "int64",
    "ref": "object",
    "alt": "object",
    "gene": "object",
    "consequence": "object",
    "protein_change": "object",
    "vaf": "float64",
    "depth": "Int64",
    "alt_depth": "Int64",
    "hotspot": "bool",
    "hotspot_gene": "object",
    "variant_class": "object",
    "impact": "object",
    "filter": "object",
    "annotation_source": "object",
}
_STRINGS = [name for name, dtype in COLUMNS.items() if dtype == "object"]


def empty_variants() -> pd.DataFrame:
    """Return a variants table with no rows and the standard columns and dtypes.

    Returns
    -------
    pandas.DataFrame
        An empty variants table.
    """
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in COLUMNS.items()})


def conform(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with the standard columns, in order, in the standard dtypes."""
    out = frame[list(COLUMNS)].astype(COLUMNS)
    out[_STRINGS] = out[_STRINGS].astype(object).where(out[_STRINGS].notna(), None)
    return out.reset_index(drop=True)


def write_variants(variants: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write a variants table as TSV, atomically; NA is written as an empty field.

    Parameters
    ----------
    variants
        A variants table (:func:`read_somatic_vcf`).
    path
        The TSV file to write.
    """
    write_tsv(conform(variants), path)


def read_variants(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a variants TSV written by :func:`write_variants` (``rtpredict variants``).

    Parameters
    ----------
    path
        The TSV file.

    Returns
    -------
    pandas.DataFrame
        The variants, with the standard dtypes.
    """
    path = Path(path)
    try:
        frame = pd.read_csv(
            path,
            sep="\t",
            dtype=dict.fromkeys(_STRINGS, str),
            keep_default_na=False,
            na_values={"vaf": [""], "depth": [""], "alt_depth": [""]},
        )
    except FileNotFoundError:
        raise InputError(f"{path}: no such variants table") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise InputError(
            f"{path}: not a variants TSV ({err}); rewrite it with `rtpredict variants`"
        ) from None
    missing = [name for name in COLUMNS if name not in frame.columns]
    if missing:
        raise InputError(
            f"{path}: variants table lacks columns {', '.join(missing)}; rewrite it with "
            "`rtpredict variants`"
        )
    frame[_STRINGS] = frame[_STRINGS].replace("", None)
    frame["hotspot"] = frame["hotspot"].map(
        {True: True, False: False, "True": True, "False": False}
    )
    if frame["hotspot"].isna().any():
        raise InputError(f"{path}: column hotspot must hold True or False")
    try:
        return conform(frame)
    except (TypeError, ValueError) as err:
        raise InputError(f"{path}: a column has values of the wrong type ({err})") from None
