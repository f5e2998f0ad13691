"""Refuse a table whose columns carry direct identifiers, by column name or by value.

A sample sheet or clinical table read by rtpredict ends up in the cohort, its logs, its
provenance and its reports, so a name, a date of birth or a social security number in it would
be copied everywhere. :func:`check_identifiers` refuses such a table before any tool runs; the
message names the file, the column and the first offending line, shows the value masked (never
in full) and says what to do. A column that is flagged but holds no identifier (dates of
diagnosis approved for the study, say) can be allowed explicitly with a reason; the allowed
columns and reasons are returned so that they can be recorded in the provenance.

The ID columns (``sample_id``) can never be allowed: IDs are written into every output, so
they must be pseudonymous (``rtpredict pseudonymise``).

File-path columns (``fastq_1``, ``fastq_2``, ``vcf`` of a sample sheet) are checked by value
too, on the path as written in the table, because paths are copied into logs and provenance:
an e-mail, NIR, phone number or full date in a file or folder name is refused. Sequencing-run
folders named by date are refused as well (a date of birth and a run date look alike); rename
or link the files, or allow the column with that reason. A person's name inside a file name
cannot be recognised: keep file names pseudonymous (``rtpredict pseudonymise`` refuses paths
that contain the local IDs it replaces).
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Collection, Mapping, Sequence
from typing import NamedTuple

import pandas as pd

from rtpredict.errors import InputError
from rtpredict.privacy._headers import identifier_header
from rtpredict.privacy._values import identifier_value

#: the columns whose values must always be pseudonymous IDs
ID_COLUMNS = ("sample_id",)
_MAY_CARRY = re.compile(r"[0-9@]")  # every value detector needs a digit or an '@'


class FixHints(NamedTuple):
    """How the user drops or allows a column, in the words of the calling tool.

    Templates: ``{column}`` is the column name, ``{quoted}`` the name quoted for a shell.

    Parameters
    ----------
    drop
        How to drop or pseudonymise the column.
    allow
        How to let the column through, with a reason.
    """

    drop: str
    allow: str


#: hints for tables read by rtpredict (the workflow's config, or Python)
READER_HINTS = FixHints(
    drop="drop the column or pseudonymise it (rtpredict pseudonymise --column {quoted})",
    allow=(
        'config privacy.allow_columns, e.g. {{"{column}": "<why it identifies nobody>"}}, '
        "or allow_columns= in Python"
    ),
)


class Finding(NamedTuple):
    """One flagged column: where, and what it looks like (already masked)."""

    column: str
    line: int
    what: str


def check_identifiers(
    table: pd.DataFrame,
    source: str | os.PathLike,
    lines: Sequence[int],
    *,
    header_line: int = 1,
    allow: Mapping[str, str] | None = None,
    path_columns: Collection[str] = (),
    id_columns: Collection[str] = ID_COLUMNS,
    hints: FixHints = READER_HINTS,
) -> dict[str, str]:
    """Raise InputError if a column of ``table`` carries direct identifiers.

    Parameters
    ----------
    table
        The table as read, every cell a string (other cells are read as their text; NaN as
        empty).
    source
        The file it was read from (named in the message).
    lines
        The physical line number of each row in the file.
    header_line
        The line number of the header.
    allow
        Columns allowed despite a flag, each with the reason why it holds no identifier.
        Columns absent from ``table`` are ignored (one mapping can serve several tables).
    path_columns
        Columns holding file paths (checked by value, with a fix that fits paths).
    id_columns
        Columns that must hold pseudonymous IDs; they cannot be allowed.
    hints
        How the user drops or allows a column, named in the message.

    Returns
    -------
    The allowed columns present in ``table``, column -> reason (to record in the provenance).
    """
    allowed = _allowed(allow or {}, id_columns)
    findings = []
    for column in table.columns:
        if column in allowed:
            continue
        entry = identifier_header(str(column))
        if entry is not None:
            findings.append(
                Finding(column, header_line, f"the column name says it holds {entry.reason}")
            )
            continue
        finding = _first_value(table[column], column, lines, column in path_columns)
        if finding is not None:
            findings.append(finding)
    if findings:
        raise InputError(_message(source, findings, path_columns, id_columns, hints))
    return {c: allowed[c] for c in table.columns if c in allowed}


def _allowed(allow: Mapping[str, str], id_columns: Collection[str]) -> dict[str, str]:
    out = {}
    for column, reason in allow.items():
        if column in id_columns:
            raise InputError(
                f"privacy.allow_columns: {column!r} cannot be allowed: IDs are written into "
                "every output, so they must be pseudonymous (rtpredict pseudonymise)"
            )
        if not isinstance(reason, str) or not reason.strip():
            raise InputError(
                f"privacy.allow_columns: column {column!r} needs a reason, e.g. "
                f'{{"{column}": "dates of diagnosis, approved for this study"}}'
            )
        out[str(column)] = reason.strip()
    return out


def _first_value(
    values: pd.Series, column: str, lines: Sequence[int], is_path: bool
) -> Finding | None:
    seen: set[str] = set()
    for i, cell in enumerate(values):
        value = cell if isinstance(cell, str) else "" if pd.isna(cell) else str(cell)
        if value in seen or not _MAY_CARRY.search(value):
            continue
        seen.add(value)
        found = identifier_value(value)
        if found is not None:
            where = "the file path contains what looks like" if is_path else "a value looks like"
            return Finding(column, lines[i], f"{where} {found.kind} ({found.masked})")
    return None


def _message(
    source: str | os.PathLike,
    findings: list[Finding],
    path_columns: Collection[str],
    id_columns: Collection[str],
    hints: FixHints,
) -> str:
    first = findings[0]
    column = first.column
    quoted = shlex.quote(str(column))
    allow = hints.allow.format(column=column, quoted=quoted)
    if column in id_columns:
        fix = f"replace the IDs with pseudonymous ones (rtpredict pseudonymise --column {quoted})"
    elif column in path_columns:
        fix = (
            "rename the file or link it under a pseudonymous name; if what was flagged is no "
            f"identifier (a sequencing-run date, say), allow the column with a reason ({allow})"
        )
    else:
        drop = hints.drop.format(column=column, quoted=quoted)
        fix = f"{drop}; if it holds no identifier, allow it with a reason ({allow})"
    message = (
        f"{source}, line {first.line}, field {column}: {first.what}; direct identifiers must not "
        f"enter rtpredict (they would be copied into its outputs and logs): {fix}"
    )
    if len(findings) > 1:
        others = "; ".join(f"field {f.column} (line {f.line}: {f.what})" for f in findings[1:])
        message += f". Also flagged: {others}"
    return message
