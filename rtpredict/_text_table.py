"""Tab-separated text tables read as strings with their line numbers (below every subpackage).

Shared by the readers of `rtpredict.io` and the pseudonymiser of `rtpredict.privacy`: both
name the physical line of a bad row, and neither may import the other's package for it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from rtpredict.errors import InputError


def read_text_table(path: Path) -> tuple[pd.DataFrame, list[int]]:
    """Read a TSV as strings; return it with each data row's line number in the file."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise InputError(f"{path}: cannot read: {err.strerror}") from err
    try:
        text = raw.decode("utf-8-sig")  # tolerate a byte-order mark
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: not UTF-8 text (byte {err.start}); save it as UTF-8") from err
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    numbered = [(i, line) for i, line in enumerate(lines, 1) if line.strip()]
    if not numbered:
        raise InputError(f"{path}: the file is empty; expected a header line and rows")
    header = numbered[0][1].split("\t")
    if len(header) == 1 and ("," in header[0] or ";" in header[0]):
        raise InputError(f"{path}, line {numbered[0][0]}: columns must be separated by tabs")
    seen = set()
    for col in header:
        if col.strip() != col or not col:
            raise InputError(
                f"{path}, line {numbered[0][0]}: column name {col!r} is empty or "
                "has surrounding spaces"
            )
        if col in seen:
            raise InputError(f"{path}, line {numbered[0][0]}: column {col!r} appears twice")
        seen.add(col)
    for lineno, line in numbered[1:]:
        n = line.count("\t") + 1
        if n != len(header):
            raise InputError(
                f"{path}, line {lineno}: {n} fields where the header has {len(header)} "
                "(tab-separated)"
            )
    # one record per line, fields split at tabs: quotes and NUL bytes are ordinary characters
    rows = [line.split("\t") for _, line in numbered[1:]]
    table = pd.DataFrame(rows, columns=header, dtype=str)
    return table, [n for n, _ in numbered[1:]]
