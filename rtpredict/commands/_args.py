"""Argument helpers shared by subcommands."""

from __future__ import annotations

from collections.abc import Sequence

from rtpredict.errors import InputError


def sample_paths(values: list[str], samples: Sequence[str] | None = None) -> dict[str, str]:
    """Parse ``SAMPLE=PATH`` arguments into a mapping (sample ID → path).

    Where the command knows its tumours (``samples``), one path pattern holding ``{sample}``
    stands for all of them: the workflow passes patterns, as a cohort of thousands of
    ``SAMPLE=PATH`` pairs would overflow the shell's 128 KiB command-line limit.
    """
    if samples is not None and len(values) == 1 and "{sample}" in values[0]:
        return {s: values[0].replace("{sample}", s) for s in samples}
    out = {}
    for item in values:
        sample, sep, path = item.partition("=")
        if not sep or not sample or not path:
            raise InputError(f"expected SAMPLE=PATH, got {item!r}")
        if sample in out:
            raise InputError(f"{sample} is given twice")
        out[sample] = path
    return out


def allow_columns(items: list[str], option: str) -> dict[str, str]:
    """Parse the ``COLUMN=REASON`` values of ``option``: columns allowed past the identifier
    guard, each with its reason."""
    out = {}
    for item in items:
        column, sep, reason = item.partition("=")
        if not sep or not column or not reason.strip():
            raise InputError(f"{option} expects COLUMN=REASON, got {item!r}")
        out[column] = reason
    return out
