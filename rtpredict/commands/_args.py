"""Argument helpers shared by subcommands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from rtpredict.errors import InputError

#: the main output of every command: a file is ``-o/--output``, a folder ``-o/--outdir``;
#: secondary outputs are named after what they hold (``--tsv``, ``--tsv-dir``, ``--multiqc-dir``)
OUTPUT_FILE, OUTPUT_FOLDER = "--output", "--outdir"


class _OutputAction(argparse.Action):
    """Store the output path; warn on stderr when it was given by a deprecated name."""

    def __init__(self, option_strings: list[str], dest: str, deprecated=(), **kwargs) -> None:
        super().__init__(option_strings, dest, **kwargs)
        self.deprecated = tuple(deprecated)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        if option_string in self.deprecated:
            current = next(o for o in self.option_strings if o in (OUTPUT_FILE, OUTPUT_FOLDER))
            print(
                f"{parser.prog}: warning: {option_string} is deprecated and will be removed in "
                f"the next release; use {current}",
                file=sys.stderr,
            )
        setattr(namespace, self.dest, values)


def add_output(
    parser: argparse.ArgumentParser,
    help: str,
    *,
    folder: bool = False,
    required: bool = True,
    type: Callable[[str], object] | None = None,
    deprecated: Sequence[str] = (),
) -> None:
    """Declare the command's main output, ``-o/--output`` (a file) or ``-o/--outdir`` (a folder).

    ``deprecated`` names that the option had before still work, with a warning on stderr, for
    one release; the value is ``args.output`` or ``args.outdir`` whichever name was used.
    """
    name = OUTPUT_FOLDER if folder else OUTPUT_FILE
    if deprecated:
        help += f" ({', '.join(deprecated)}: deprecated name)"
    parser.add_argument(
        "-o",
        name,
        *deprecated,
        dest=name.removeprefix("--"),
        action=_OutputAction,
        deprecated=deprecated,
        required=required,
        type=type,
        help=help,
    )


def sample_paths(
    values: list[str], samples: Sequence[str] | None = None, *, existing: bool = False
) -> dict[str, str]:
    """Parse ``SAMPLE=PATH`` arguments into a mapping (sample ID → path).

    Where the command knows its tumours (``samples``), one path pattern holding ``{sample}``
    stands for all of them: the workflow passes patterns, as a cohort of thousands of
    ``SAMPLE=PATH`` pairs would overflow the shell's 128 KiB command-line limit. With
    ``existing``, a pattern stands only for the tumours whose file exists (an optional input,
    such as the variants of the tumours with DNA).
    """
    if samples is not None and len(values) == 1 and "{sample}" in values[0]:
        paths = {s: values[0].replace("{sample}", s) for s in samples}
        return {s: p for s, p in paths.items() if not existing or Path(p).is_file()}
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
