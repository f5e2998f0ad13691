"""The ``rtpredict`` command line: one subcommand per module in :mod:`rtpredict.commands`."""

from __future__ import annotations

import argparse
import logging
import sys
from importlib import import_module

from rtpredict import __version__
from rtpredict.errors import RtpredictError

#: subcommand name -> module in rtpredict.commands (imported only when the command runs)
COMMANDS: dict[str, str] = {
    "demo": "demo",
    "simulate": "simulate",
    "aggregate": "aggregate",
    "bam-qc": "bam_qc",
    "variants": "variants",
    "hotspot-pileup": "hotspot_pileup",
    "features": "features",
    "check-fastq": "check_fastq",
    "provenance": "provenance",
    "train": "train",
    "predict": "predict",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rtpredict",
        description="Radiotherapy-response prediction from tumour sequencing (research use only).",
    )
    parser.add_argument("--version", action="version", version=f"rtpredict {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        module = import_module(f"rtpredict.commands.{module_name}")
        doc = (module.__doc__ or "").strip().splitlines()[0]
        p = sub.add_parser(name, help=doc, description=module.__doc__)
        module.add_arguments(p)
        p.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.captureWarnings(True)  # scientific warnings (out-of-range RSI, …) reach the log
    try:
        return int(args.run(args) or 0)
    except (RtpredictError, FileNotFoundError) as err:
        if args.verbose:
            raise
        print(f"rtpredict {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
