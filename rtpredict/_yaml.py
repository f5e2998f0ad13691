"""YAML written by people (plans, panels, rules, signatures): errors name the file, no traceback."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from rtpredict.errors import InputError


def parse_yaml(text: str, source: str) -> Any:
    """Parse YAML ``text``; raise :class:`InputError` naming ``source`` when it is not valid."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise InputError(f"{source}: not valid YAML ({err})") from None


def read_yaml(path: str | os.PathLike, what: str = "file") -> Any:
    """Read and parse a YAML file; :class:`InputError` when it cannot be read or parsed."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise InputError(f"{path}: cannot read the {what} ({err.strerror})") from None
    return parse_yaml(text, str(path))
