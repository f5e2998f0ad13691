"""Replace the local IDs of a TSV with keyed pseudonyms; write the table and the private mapping.

The output table holds the pseudonyms, never the local IDs: a cell of another column that
contains a local ID of 4 or more characters (a FASTQ named after the hospital ID, a free-text
note) is refused, naming its line but not the ID. Cells that are plain numbers are not
searched (measurements, not names). The output must also pass the identifier guard
(:func:`~rtpredict.privacy.check_identifiers`): columns like ``nom`` must be dropped
(``drop=``) or allowed with a reason (``allow=``).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from rtpredict._files import write_text_atomic
from rtpredict._text_table import read_text_table
from rtpredict.errors import InputError
from rtpredict.privacy._guard import FixHints, check_identifiers
from rtpredict.privacy._keyfile import read_key
from rtpredict.privacy._mapping import read_mapping, write_mapping
from rtpredict.privacy._pseudonym import PSEUDONYM_BYTES, normalise_id, pseudonymise_ids

logger = logging.getLogger("rtpredict.privacy")

#: local IDs shorter than this are not searched for in other cells (too many chance matches)
MIN_SEARCHED_ID = 4
PATH_COLUMNS = ("fastq_1", "fastq_2", "vcf")
_HINTS = FixHints(
    drop="drop the column (--drop {quoted}) or pseudonymise it too (--column {quoted})",
    allow="--allow '{column}=<why it identifies nobody>'",
)
_NUMBER = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")


@dataclass(frozen=True)
class Pseudonymised:
    """What :func:`pseudonymise_table` did (no IDs in it: safe to log).

    Parameters
    ----------
    rows
        Data rows written.
    ids
        Distinct local IDs replaced.
    new_ids
        Of those, IDs the mapping did not hold before.
    columns
        The columns pseudonymised.
    dropped
        The columns left out.
    allowed
        Columns the identifier guard let through, with their reasons.
    """

    rows: int
    ids: int
    new_ids: int
    columns: tuple[str, ...]
    dropped: tuple[str, ...]
    allowed: dict[str, str]


def pseudonymise_table(
    source: str | os.PathLike,
    output: str | os.PathLike,
    *,
    key_file: str | os.PathLike,
    mapping: str | os.PathLike,
    columns: Sequence[str] = ("sample_id",),
    prefix: str = "PS",
    drop: Sequence[str] = (),
    allow: Mapping[str, str] | None = None,
    n_bytes: int = PSEUDONYM_BYTES,
) -> Pseudonymised:
    """Write ``source`` to ``output`` with the local IDs of ``columns`` replaced by pseudonyms.

    Parameters
    ----------
    source
        A tab-separated table with a header (a sample sheet, a clinical table…).
    output
        The pseudonymised table (written atomically; never ``source`` itself).
    key_file
        The secret key (:func:`~rtpredict.privacy.new_key`); it must be private (mode 0600).
    mapping
        The mapping file (local ID -> pseudonym), mode 0600. An existing one is extended
        (pseudonymising in batches) after checking it agrees with the key. Keep it at the
        centre, outside the workflow's results folder and any shared folder.
    columns
        The columns whose values are local IDs to replace.
    prefix
        Letters the pseudonyms start with (:func:`~rtpredict.privacy.pseudonym`).
    drop
        Columns left out of the output (names, dates of birth…).
    allow
        Columns the identifier guard may let through, each with its reason.
    n_bytes
        Bytes of the HMAC kept in a pseudonym (:func:`~rtpredict.privacy.pseudonym`).

    Returns
    -------
    Pseudonymised
        Counts and column names (no IDs), for the log.
    """
    source, output, mapping = Path(source), Path(output), Path(mapping)
    _distinct_files(source=source, output=output, mapping=mapping, key=Path(key_file))
    key = read_key(key_file)
    table, lines = read_text_table(source)
    for column in (*columns, *drop):
        if column not in table.columns:
            raise InputError(
                f"{source}: no column {column!r}; columns: {', '.join(map(str, table.columns))}"
            )
    overlap = set(columns) & set(drop)
    if overlap:
        raise InputError(f"{', '.join(sorted(overlap))}: a column is pseudonymised or dropped")
    for column in columns:
        empty = table[column].str.strip() == ""
        if empty.any():
            line = lines[int(empty.to_numpy().argmax())]
            raise InputError(f"{source}, line {line}, field {column}: empty ID")
    known = read_mapping(mapping) if mapping.exists() else {}
    ids = [v for column in columns for v in table[column]]
    extended = pseudonymise_ids(
        ids, key, prefix=prefix, n_bytes=n_bytes, known=known, known_source=f"{mapping}"
    )
    out = table.drop(columns=list(drop))
    _refuse_leaks(out, columns, lines, source)
    for column in columns:
        out[column] = [extended[normalise_id(v)] for v in out[column]]
    path_columns = [c for c in PATH_COLUMNS if c in out.columns]
    allowed = check_identifiers(
        out,
        source,
        lines,
        allow=allow,
        path_columns=path_columns,
        id_columns=columns,
        hints=_HINTS,
    )
    write_mapping(mapping, extended)
    write_text_atomic(output, _tsv(out))
    return Pseudonymised(
        rows=len(table),
        ids=len(set(map(normalise_id, ids))),
        new_ids=len(extended) - len(known),
        columns=tuple(columns),
        dropped=tuple(drop),
        allowed=allowed,
    )


def _distinct_files(**paths: Path) -> None:
    resolved = {name: p.resolve() for name, p in paths.items()}
    seen: dict[Path, str] = {}
    for name, path in resolved.items():
        if path in seen:
            raise InputError(f"{paths[name]}: the {seen[path]} and the {name} must be different")
        seen[path] = name


def _refuse_leaks(
    table: pd.DataFrame, columns: Sequence[str], lines: Sequence[int], source: Path
) -> None:
    """Raise InputError if a cell outside ``columns`` contains a local ID (not shown)."""
    row_of: dict[str, int] = {}
    for column in columns:
        for value, line in zip(table[column], lines, strict=True):
            local_id = normalise_id(value)
            if len(local_id) >= MIN_SEARCHED_ID:
                row_of.setdefault(local_id.casefold(), line)
    if not row_of:
        return
    alternatives = "|".join(map(re.escape, sorted(row_of, key=len, reverse=True)))
    pattern = re.compile(rf"(?<![0-9A-Za-z])(?:{alternatives})(?![0-9A-Za-z])", re.IGNORECASE)
    for column in table.columns:
        if column in columns:
            continue
        for value, line in zip(table[column], lines, strict=True):
            if _NUMBER.match(value):
                continue
            found = pattern.search(value)
            if found:
                id_line = row_of[found[0].casefold()]
                raise InputError(
                    f"{source}, line {line}, field {column}: contains the local ID of line "
                    f"{id_line} (not shown), which would stay in the output. Rename the file or "
                    "link it under the pseudonym, pseudonymise this column too (--column), or "
                    "drop it (--drop)"
                )


def _tsv(table: pd.DataFrame) -> str:
    rows = ["\t".join(map(str, table.columns))]
    rows += ["\t".join(row) for row in table.itertuples(index=False, name=None)]
    return "\n".join(rows) + "\n"
