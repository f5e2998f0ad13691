"""Split VCF records, as htslib writes them out, into the columns the variant reader uses.

htslib has parsed and checked every record before its text reaches these functions, so each line
has the fixed VCF columns, tab-separated, and FORMAT keys match the sample's values one to one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: 0-based VCF columns
CHROM, POS, REF, ALT, FILTER, INFO, FORMAT = 0, 1, 3, 4, 6, 7, 8


def split_records(lines: Sequence[str], n_columns: int) -> np.ndarray:
    """Return the first ``n_columns`` tab-separated fields of each record line, as strings.

    Parameters
    ----------
    lines
        Record lines, each ending in a newline.
    n_columns
        How many leading columns to return; missing ones are empty strings.

    Returns
    -------
    numpy.ndarray
        object array of shape ``(len(lines), n_columns)``.
    """
    if not lines:
        return np.empty((0, n_columns), dtype=object)
    tabs = np.fromiter((line.count("\t") for line in lines), np.int64, len(lines))
    if tabs[0] >= n_columns - 1 and (tabs == tabs[0]).all():
        fields = "".join(lines).replace("\n", "\t").split("\t")[:-1]
        table = np.array(fields, dtype=object).reshape(len(lines), int(tabs[0]) + 1)
        return table[:, :n_columns]
    rows = [line.rstrip("\n").split("\t", n_columns)[:n_columns] for line in lines]
    return np.array([row + [""] * (n_columns - len(row)) for row in rows], dtype=object)


def info_values(info: Sequence[str], key: str) -> list[str | None]:
    """Return the value of one INFO key in each record, None where the key has no value.

    Parameters
    ----------
    info
        Each record's INFO column (``KEY=VALUE;FLAG;...``).
    key
        The INFO key, e.g. ``CSQ``.

    Returns
    -------
    list
        The raw value text (``,``-separated when several), or None.
    """
    tag = key + "="
    inner = ";" + tag
    values: list[str | None] = []
    for text in info:
        if text.startswith(tag):
            start = len(tag)
        else:
            start = text.find(inner)
            if start < 0:
                values.append(None)
                continue
            start += len(inner)
        end = text.find(";", start)
        values.append(text[start:] if end < 0 else text[start:end])
    return values


def format_values(
    formats: Sequence[str], calls: Sequence[str], keys: Sequence[str]
) -> list[list[str | None]]:
    """Return FORMAT fields of one sample in each record, None where a record lacks one.

    Parameters
    ----------
    formats
        Each record's FORMAT column (``GT:AD:DP``).
    calls
        Each record's column of the sample (``0/1:30,12:42``).
    keys
        The FORMAT keys, e.g. ``["AD", "DP"]``.

    Returns
    -------
    list
        Per key, the value text of the field in each record, or None.
    """
    where: dict[str, list[int]] = {}
    for text in set(formats):
        names = text.split(":")
        where[text] = [names.index(key) if key in names else -1 for key in keys]
    values: list[list[str | None]] = [[] for _ in keys]
    appends = [column.append for column in values]
    for text, call in zip(formats, calls, strict=True):
        indices = where[text]
        parts = call.split(":", max(indices) + 1)
        for append, index in zip(appends, indices, strict=True):
            append(parts[index] if 0 <= index < len(parts) else None)
    return values
