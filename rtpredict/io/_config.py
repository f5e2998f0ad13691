"""Validate the workflow configuration, naming the file, line and setting at fault."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from pathlib import Path

import jsonschema
import yaml

from rtpredict.errors import InputError
from rtpredict.io._tables import schema


def check_config(config: Mapping, files: Sequence[str | Path] = ()) -> None:
    """Raise :class:`InputError` when ``config`` breaks ``schemas/config.schema.yaml``.

    Parameters
    ----------
    config
        The merged configuration (config files, then ``--config`` values).
    files
        The YAML files it was merged from. The message names the one whose value was taken
        for the offending setting, with its line; otherwise ``--config``.

    Raises
    ------
    InputError
        ``config.yaml, line 3, setting quantifer: unknown setting; did you mean quantifier?``
    """
    validator = jsonschema.Draft202012Validator(schema("config"))
    error = jsonschema.exceptions.best_match(validator.iter_errors(config))
    if error is None:
        return
    keys = list(error.absolute_path)
    message = error.message
    if error.validator == "additionalProperties":
        known = list(error.schema.get("properties", {}))
        unknown = next(k for k in error.instance if k not in known)
        keys.append(unknown)
        close = difflib.get_close_matches(str(unknown), known, n=1)
        message = "unknown setting; " + (
            f"did you mean {close[0]}?" if close else f"known here: {', '.join(known)}"
        )
    elif error.validator == "required":
        keys.append(next(k for k in error.validator_value if k not in error.instance))
        message = "missing; it has no default"
    setting = ".".join(map(str, keys)) or "(top level)"
    where = _where(config, keys, files, missing=error.validator == "required")
    raise InputError(f"{where}, setting {setting}: {message}")


def _where(config: Mapping, keys: list, files: Sequence[str | Path], *, missing: bool) -> str:
    """A file that gives ``keys`` the value in ``config``, with the line (Snakemake's own
    ``configfile:`` is applied before ``--configfile`` but listed after it); for a missing
    setting, its parent's; ``--config`` when no file gives that value."""
    for depth in range(len(keys), -1, -1):
        for file in reversed(files):
            found = _node(Path(file), keys[:depth])
            if found is None:
                continue
            line, node = found
            given = yaml.safe_load(yaml.serialize(node)) if node is not None else None
            if not missing and given != _value(config, keys):
                continue  # overridden by a later file or on the command line
            return f"{file}, line {line}" if line else str(file)
        if not missing:
            return "--config"
    return "the configuration"


def _value(config: Mapping, keys: list) -> object:
    for key in keys:
        config = config[key]
    return config


def _node(file: Path, keys: list) -> tuple[int, yaml.Node] | None:
    """The line and YAML node of ``keys`` in a file (line 0: the whole file), or None."""
    node = yaml.compose(file.read_text(encoding="utf-8"))
    line = 0
    for key in keys:
        if isinstance(node, yaml.MappingNode):
            match = next((kv for kv in node.value if kv[0].value == str(key)), None)
            if match is None:
                return None
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            return None
    return line, node
