"""VCF records, as htslib writes them out, as columns: one row per kept record, then per allele.

htslib has parsed and checked every record before its text reaches these functions, so each line
has the VCF columns, tab-separated, and no value holds a tab or a newline.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from rtpredict.genomics._annotation import AnnotationReader, Annotations, no_annotations
from rtpredict.genomics._contigs import normalise_contig

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


def kept_records(
    lines: list[str],
    first: int,
    column: int | None,
    pass_only: bool,
    annotation: AnnotationReader | None,
) -> dict[str, Any]:
    """Split the kept records' text into columns and choose each alt allele's annotation.

    ``number`` is each record's 0-based number in the file, ``first`` that of ``lines[0]``.
    """
    n_columns = INFO + 1 if column is None else FORMAT + 2 + column
    table = split_records(lines, n_columns)
    filters = table[:, FILTER]
    kept = table[:, ALT] != "."
    if pass_only:
        kept &= (filters == "PASS") | (filters == ".")
    rows = slice(None) if kept.all() else kept
    alt_text = table[rows, ALT].tolist()
    chroms, names = pd.factorize(table[rows, CHROM])
    alts = np.array(",".join(alt_text).split(",") if alt_text else [], dtype=object)
    n_alts = np.fromiter((t.count(",") + 1 for t in alt_text), np.int64, len(alt_text))
    refs = table[rows, REF]
    if annotation is not None:
        values = info_values(table[rows, INFO], annotation.key)
        chosen = annotation.choose(values, refs.tolist(), alts.tolist(), n_alts)
    else:
        chosen = no_annotations(len(alts))
    return {
        "number": np.flatnonzero(kept) + first,
        "chrom": np.array([normalise_contig(c) for c in names], dtype=object)[chroms],
        "pos": table[rows, POS].astype(np.int64),
        "ref": refs,
        "alts": alts,
        "n_alts": n_alts,
        "filter": table[rows, FILTER],
        "format": table[rows, FORMAT] if column is not None else None,
        "call": table[rows, FORMAT + 1 + column] if column is not None else None,
        **chosen._asdict(),
    }


def concatenate(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """Join the columns of the blocks of records."""
    return {
        key: None if value is None else np.concatenate([block[key] for block in blocks])
        for key, value in blocks[0].items()
    }


def allele_rows(
    records: dict[str, Any],
    vafs: tuple[np.ndarray, pd.arrays.IntegerArray, pd.arrays.IntegerArray],
) -> dict[str, Any]:
    """Return one array per column, one entry per kept alt allele (symbolic ones dropped)."""
    n_alts, flat = records["n_alts"], records["alts"]
    codes, written = pd.factorize(flat)
    symbolic = [a in ("*", ".") or a.startswith("<") or "[" in a or "]" in a for a in written]
    keep = ~np.array(symbolic, dtype=bool)[codes]
    vaf, depth, alt_depth = vafs
    return {
        "chrom": np.repeat(records["chrom"], n_alts)[keep],
        "pos": np.repeat(records["pos"], n_alts)[keep],
        "ref": _upper(np.repeat(records["ref"], n_alts)[keep]),
        "alt": _upper(flat[keep]),
        "filter": np.repeat(records["filter"], n_alts)[keep],
        "vaf": vaf[keep],
        "depth": depth[keep],
        "alt_depth": alt_depth[keep],
        **{name: records[name][keep] for name in Annotations._fields},
    }


def _upper(alleles: np.ndarray) -> np.ndarray:
    """Return the alleles in upper case."""
    codes, written = pd.factorize(alleles)
    return np.array([a.upper() for a in written], dtype=object)[codes]
