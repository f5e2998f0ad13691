"""Read and check one salmon ``quant.sf`` table: header, fields per line, finite numbers.

Every problem raises an :class:`~rtpredict.errors.InputError` naming the file and, where it can,
the line.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from rtpredict.errors import InputError

SALMON_COLUMNS = ["Name", "Length", "EffectiveLength", "TPM", "NumReads"]
#: the columns summarised per gene, in this order
NUMERIC = ["EffectiveLength", "TPM", "NumReads"]


def read_bytes(path: Path) -> bytes:
    """The file's bytes, after checking its header line."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(f"{path}: cannot read salmon quant.sf: {err}") from err
    header = data.split(b"\n", 1)[0].removeprefix(b"\xef\xbb\xbf").rstrip(b"\r")
    columns = header.decode(errors="replace").split("\t") if header else []
    if columns != SALMON_COLUMNS:
        raise InputError(f"{path}: expected salmon columns {SALMON_COLUMNS}, found {columns}")
    return data


def _bad_value(path: Path, err: Exception | None = None) -> InputError:
    """Name the first missing, non-numeric or non-finite value of a quant.sf (error path)."""
    raw = pd.read_csv(
        path, sep="\t", index_col=False, dtype=str, quoting=csv.QUOTE_NONE, na_filter=False
    )
    for column in NUMERIC:
        values = pd.to_numeric(raw[column], errors="coerce").to_numpy()
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            return InputError(
                f"{path}, line {bad[0] + 2}: {column} is {raw[column].iloc[bad[0]]!r}, not a "
                "finite number (truncated or damaged file?)"
            )
    return InputError(f"{path}: cannot read salmon quant.sf: {err}")


def _check_fields(path: Path, data: bytes) -> None:
    """Raise unless every non-blank line has salmon's 5 tab-separated fields."""
    raw = np.frombuffer(data, dtype=np.uint8)
    line_ends = np.flatnonzero(raw == ord("\n"))
    if raw.size and (not line_ends.size or line_ends[-1] != raw.size - 1):
        line_ends = np.r_[line_ends, raw.size]
    tabs = np.bincount(
        np.searchsorted(line_ends, np.flatnonzero(raw == ord("\t"))), minlength=line_ends.size
    )
    width = line_ends - np.r_[0, line_ends[:-1] + 1]
    blank = (width == 0) | ((width == 1) & (raw[np.maximum(line_ends - 1, 0)] == ord("\r")))
    bad = np.flatnonzero((tabs != len(SALMON_COLUMNS) - 1) & ~blank)
    if bad.size:
        n_fields = int(tabs[bad[0]]) + 1
        raise InputError(
            f"{path}, line {bad[0] + 1}: {n_fields} field{'s' * (n_fields != 1)} where salmon "
            f"writes {len(SALMON_COLUMNS)} (truncated or damaged file?)"
        )


def read_salmon_table(path: Path) -> tuple[pd.Index, np.ndarray]:
    """Parse a whole quant.sf: transcript names and the float64 rows × ``NUMERIC`` values."""
    data = read_bytes(path)
    _check_fields(path, data)
    try:
        table = pd.read_csv(
            io.BytesIO(data),
            sep="\t",
            index_col=False,
            quoting=csv.QUOTE_NONE,
            dtype={"Name": str} | dict.fromkeys(NUMERIC, np.float64),
            na_filter=False,
            engine="c",
        )
    except (UnicodeDecodeError, pd.errors.ParserError) as err:
        raise InputError(f"{path}: cannot read salmon quant.sf: {err}") from err
    except ValueError as err:
        raise _bad_value(path, err) from err
    values = table[NUMERIC].to_numpy(dtype=np.float64)
    if not np.isfinite(values).all():
        raise _bad_value(path)
    return pd.Index(table["Name"]), values
