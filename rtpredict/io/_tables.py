"""Sample sheets and clinical tables: read, validate against ``schemas/``, explain errors.

Every error names the file, the line and the field at fault, and what to do about it.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Collection, Mapping
from importlib import resources
from pathlib import Path

import fastjsonschema
import jsonschema
import numpy as np
import pandas as pd
import yaml

from rtpredict._text_table import read_text_table
from rtpredict.errors import InputError
from rtpredict.io._batches import tumour_batches
from rtpredict.privacy import check_identifiers

_REPO_SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def schema(name: str) -> dict:
    """Load a JSON schema (YAML) shipped in ``schemas/`` by name, e.g. ``"samples"``.

    Parameters
    ----------
    name
        The schema's name: the file ``schemas/<name>.schema.yaml``.

    Returns
    -------
    dict
        The JSON schema.
    """
    packaged = resources.files("rtpredict") / "schemas" / f"{name}.schema.yaml"
    source = packaged if packaged.is_file() else _REPO_SCHEMAS / f"{name}.schema.yaml"
    return yaml.safe_load(source.read_text())


@functools.cache
def _compiled(name: str):
    """Schema ``name`` compiled to Python by fastjsonschema: about 2 µs per row where jsonschema
    takes about 85 µs (4 s for a 50,000-row sheet). Its draft-07 reading of the keywords these
    schemas use (type, pattern, enum, bounds, required, additionalProperties) is the same as
    2020-12's; jsonschema still words the error of the first row it refuses."""
    spec = {k: v for k, v in schema(name).items() if k != "$schema"}
    return fastjsonschema.compile(spec)


def _validate_rows(path: Path, table: pd.DataFrame, lines: list[int], name: str) -> pd.DataFrame:
    """Convert typed columns, validate every row against schema ``name``; return the typed
    table."""
    spec = schema(name)
    props = spec.get("properties", {})
    allowed = set(props)
    if spec.get("additionalProperties") is False:
        unknown = [c for c in table.columns if c not in allowed]
        if unknown:
            raise InputError(
                f"{path}, line {lines[0] - 1 if lines else 1}: unknown column {unknown[0]!r}; "
                f"allowed columns: {', '.join(props)}"
            )
    typed = table.copy()
    for col in table.columns:
        kind = props.get(col, {})
        numeric = kind.get("type") in ("number", "integer") or "enum" in kind
        if not numeric:
            continue
        values = table[col].str.strip()
        converted = pd.to_numeric(values, errors="coerce")  # "" becomes NaN
        bad = values.ne("") & ~np.isfinite(converted)  # unreadable, or inf
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"{path}, line {lines[i]}, field {col}: {values.iloc[i]!r} is not a number"
            )
        typed[col] = converted
    check, validator = _compiled(name), jsonschema.Draft202012Validator(spec)
    for i, record in enumerate(typed.to_dict("records")):
        record = {
            k: v
            for k, v in record.items()
            if not (v == "" or (isinstance(v, float) and np.isnan(v)))
        }
        for k, v in record.items():
            if isinstance(v, float) and v.is_integer() and "enum" in props.get(k, {}):
                record[k] = int(v)
        try:
            check(record)
        except fastjsonschema.JsonSchemaException:  # jsonschema words the error
            error = jsonschema.exceptions.best_match(validator.iter_errors(record))
            if error is not None:
                field = _error_field(error)
                hint = props.get(field, {}).get("description", "")
                raise InputError(
                    f"{path}, line {lines[i]}, field {field}: {error.message}"
                    + (f" (expected: {hint})" if hint else "")
                ) from None
    return typed


def _error_field(error: jsonschema.ValidationError) -> str:
    """The column a schema error is about (the missing one, for a 'required' error)."""
    if error.path:
        return str(error.path[0])
    if error.validator == "required":
        return next(f for f in error.validator_value if f not in error.instance)
    return "row"


def _resolve(base: Path, value: str) -> str:
    """``value`` made absolute against ``base``, '..' folded; links are kept (no realpath: a
    sheet of tens of thousands of files would pay a readlink per path component)."""
    return os.path.normpath(os.path.join(base, value))


def _header_line(lines: list[int]) -> int:
    return lines[0] - 1 if lines else 1


def _batch_rows(
    path: Path, table: pd.DataFrame, lines: list[int], batch: str, batch_size: int
) -> tuple[pd.DataFrame, list[int]]:
    """The rows of one batch's tumours (unvalidated), with their line numbers."""
    if "batch" in table.columns and table["batch"].eq("").any():
        return table, lines  # validated whole, so the error names the row
    batches = tumour_batches(table, batch_size)
    if batch not in batches:
        names = ", ".join(list(batches)[:5]) + (", …" if len(batches) > 5 else "")
        raise InputError(f"{path}: no batch {batch!r} (its batches: {names})")
    return _rows_of(table, lines, batches[batch])


def _rows_of(
    table: pd.DataFrame, lines: list[int], samples: Collection[str]
) -> tuple[pd.DataFrame, list[int]]:
    """The rows of ``samples``, with their line numbers."""
    keep = table["sample_id"].isin(samples).to_numpy()
    return table[keep].reset_index(drop=True), np.asarray(lines)[keep].tolist()


def read_sample_sheet(
    path: str | os.PathLike,
    *,
    allow_columns: Mapping[str, str] | None = None,
    batch: str | None = None,
    batch_size: int = 500,
) -> pd.DataFrame:
    """Read and validate a sample sheet; return one row per FASTQ pair with absolute paths.

    First refuses direct identifiers in any column, file paths included
    (:func:`rtpredict.privacy.check_identifiers`; ``allow_columns`` maps a column to the reason
    it may pass, recorded in ``attrs["allowed_identifier_columns"]``). Then checks each row
    against ``schemas/samples.schema.yaml``, then across rows: a tumour's lanes have distinct
    ``lane`` values, read 1 and read 2 are different files, every file exists, and a tumour's
    rows agree on ``vcf`` and ``batch``. Relative paths are resolved against the sample
    sheet's directory.

    With ``batch``, only that batch's rows (:func:`~rtpredict.io.tumour_batches`, with
    ``batch_size``) are validated and returned, so a batch job of a cohort of tens of thousands
    costs what its own rows cost.

    Parameters
    ----------
    path
        The sample sheet (TSV).
    allow_columns
        Column → reason it identifies nobody, for columns the identifier check would refuse.
    batch
        Return only this batch's rows.
    batch_size
        Tumours per batch when the sheet has no ``batch`` column.

    Returns
    -------
    pandas.DataFrame
        One row per FASTQ pair, with absolute paths.
    """
    path = Path(path)
    table, lines = read_text_table(path)
    if table.empty:
        raise InputError(f"{path}: no samples below the header")
    if batch is not None:
        table, lines = _batch_rows(path, table, lines, batch, batch_size)
    allowed = check_identifiers(
        table,
        path,
        lines,
        header_line=_header_line(lines),
        allow=allow_columns,
        path_columns=("fastq_1", "fastq_2", "vcf"),
    )
    table = _validate_rows(path, table, lines, "samples")
    table["line"] = lines
    if "lane" not in table.columns:
        table["lane"] = ""
    if "vcf" not in table.columns:
        table["vcf"] = ""
    if "batch" not in table.columns:
        table["batch"] = ""
    elif (table["batch"] == "").any():
        i = int(np.flatnonzero((table["batch"] == "").to_numpy())[0])
        raise InputError(
            f"{path}, line {lines[i]}, field batch: empty; with a batch column every row "
            "needs one (or drop the column: tumours then fill batches in sheet order)"
        )
    dup = table.duplicated(["sample_id", "lane"], keep="first")
    if dup.any():
        row = table[dup].iloc[0]
        first = table[(table["sample_id"] == row["sample_id"]) & (table["lane"] == row["lane"])]
        hint = "" if row["lane"] else "; to merge lanes of one tumour, add a 'lane' column"
        raise InputError(
            f"{path}, line {row['line']}, field sample_id: duplicate ID {row['sample_id']!r} "
            f"(first on line {first['line'].iloc[0]}){hint}"
        )
    base = path.resolve().parent
    fields = ("fastq_1", "fastq_2", "vcf")
    resolved = {f: [_resolve(base, v) if v else "" for v in table[f]] for f in fields}
    for i, row in enumerate(table.itertuples()):
        if row.fastq_1 == row.fastq_2:
            raise InputError(f"{path}, line {row.line}, field fastq_2: same file as fastq_1")
        for field in fields:
            value = getattr(row, field)
            if value and not Path(resolved[field][i]).is_file():
                raise InputError(
                    f"{path}, line {row.line}, field {field}: file not found: {value}"
                    f" (relative paths are read from {base})"
                )
    lanes = table[table["sample_id"].duplicated(keep=False)]
    for sample, rows in lanes.groupby("sample_id"):
        for field, what in (("vcf", "name different VCFs"), ("batch", "are in different batches")):
            if (rows[field] != rows[field].iloc[0]).any():
                raise InputError(
                    f"{path}, line {rows['line'].iloc[1]}, field {field}: the lanes of "
                    f"{sample} {what}"
                )
    for field in fields:
        table[field] = resolved[field]
    table = table.reset_index(drop=True)
    table.attrs["allowed_identifier_columns"] = allowed
    return table


def read_clinical(
    path: str | os.PathLike,
    *,
    allow_columns: Mapping[str, str] | None = None,
    samples: Collection[str] | None = None,
) -> pd.DataFrame:
    """Read and validate a clinical table (``schemas/clinical.schema.yaml``), indexed by sample.

    Direct identifiers are refused first, as in :func:`read_sample_sheet` (same
    ``allow_columns``). Numeric columns become floats (NaN where empty); ``site`` and
    ``cohort`` categories. With ``samples``, only those tumours' rows are validated and
    returned.

    Parameters
    ----------
    path
        The clinical table (TSV).
    allow_columns
        Column → reason it identifies nobody, for columns the identifier check would refuse.
    samples
        Validate and return only these tumours' rows.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``sample_id``.
    """
    path = Path(path)
    table, lines = read_text_table(path)
    if "sample_id" not in table.columns:
        raise InputError(f"{path}, line {_header_line(lines)}: no sample_id column")
    if samples is not None:
        table, lines = _rows_of(table, lines, samples)
    allowed = check_identifiers(
        table, path, lines, header_line=_header_line(lines), allow=allow_columns
    )
    table = _validate_rows(path, table, lines, "clinical")
    dup = table["sample_id"].duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputError(
            f"{path}, line {lines[i]}, field sample_id: duplicate ID {table['sample_id'].iloc[i]!r}"
        )
    table = table.set_index("sample_id")
    for col in ("site", "cohort"):
        if col in table.columns:
            table[col] = table[col].where(table[col].ne("")).astype("category")
    table.attrs["allowed_identifier_columns"] = allowed
    return table
