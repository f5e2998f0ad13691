"""Command-line options of an ``rtpredict`` command rendered from its own argparse declaration."""

from __future__ import annotations

import argparse
import functools
import shlex
from collections.abc import Mapping
from importlib import import_module

from rtpredict.errors import InputError


@functools.cache
def _options(command: str) -> dict[str, argparse.Action]:
    """The options of ``rtpredict <command>`` by destination, as the command declares them."""
    from rtpredict.cli import COMMANDS

    parser = argparse.ArgumentParser(prog=f"rtpredict {command}")
    import_module(f"rtpredict.commands.{COMMANDS[command]}").add_arguments(parser)
    return {action.dest: action for action in parser._actions if action.option_strings}


def _checked(command: str, flag: str, action: argparse.Action, word: object) -> str:
    if action.choices is not None and word not in action.choices:
        raise InputError(
            f"rtpredict {command} {flag}: {word!r} is not one of {sorted(action.choices)}"
        )
    return shlex.quote(str(word))


def command_options(command: str, values: Mapping[str, object]) -> str:
    """Render option values as the command line of ``rtpredict <command>``.

    Each key is an option's destination (``args.<key>`` in the command); its name, whether it
    repeats, how many values it takes and its allowed choices come from the command's own
    argparse declaration, so the workflow never re-lists them. A value that is None, False or
    empty is left out; True gives a flag.

    Parameters
    ----------
    command
        The subcommand, e.g. ``"features"``.
    values
        Option destination -> value: a scalar, a list for an option taking several values or
        repeated, a list of lists for a repeated option of several values (``--pair R1 R2``).

    Returns
    -------
    str
        The options, each value quoted for the shell, in the order of ``values``.
    """
    options = _options(command)
    words = []
    for dest, value in values.items():
        if dest not in options:
            raise InputError(f"rtpredict {command} has no option storing {dest!r}")
        if value is None or value is False or (isinstance(value, list | tuple) and not value):
            continue
        action = options[dest]
        flag = next(o for o in action.option_strings if o.startswith("--"))
        if action.nargs == 0:
            words.append(flag)
            continue
        repeated = isinstance(action, argparse._AppendAction) and not isinstance(
            action, argparse._ExtendAction
        )
        several = action.nargs not in (None, "?")
        for item in value if repeated else [value]:
            parts = item if several else [item]
            words.append(" ".join([flag, *(_checked(command, flag, action, w) for w in parts)]))
    return " ".join(words)
