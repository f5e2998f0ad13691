"""Argument helpers shared by subcommands."""

from __future__ import annotations

from rtpredict.errors import InputError


def sample_paths(values: list[str]) -> dict[str, str]:
    """Parse ``SAMPLE=PATH`` arguments into a mapping (sample ID → path)."""
    out = {}
    for item in values:
        sample, sep, path = item.partition("=")
        if not sep or not sample or not path:
            raise InputError(f"expected SAMPLE=PATH, got {item!r}")
        if sample in out:
            raise InputError(f"{sample} is given twice")
        out[sample] = path
    return out
