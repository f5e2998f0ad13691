"""The ``rtpredict`` command line: one subcommand per module in :mod:`rtpredict.commands`."""

from __future__ import annotations

import argparse
import logging
import sys
from importlib import import_module

from rtpredict import __version__
from rtpredict.errors import RtpredictError

#: subcommand name -> module in rtpredict.commands; only the chosen command declares its options,
#: so that starting one command never imports what another needs
COMMANDS: dict[str, str] = {
    "demo": "demo",
    "simulate": "simulate",
    "tx2gene": "tx2gene",
    "aggregate": "aggregate",
    "bam-qc": "bam_qc",
    "variants": "variants",
    "hotspot-pileup": "hotspot_pileup",
    "features": "features",
    "check-fastq": "check_fastq",
    "check-reference": "check_reference",
    "provenance": "provenance",
    "pseudonymise": "pseudonymise",
    "train": "train",
    "predict": "predict",
    "join": "join",
    "report": "report",
    "new-tumour": "new_tumour",
    "federated": "federated",
}


def _chosen(argv: list[str]) -> str | None:
    """The subcommand named in ``argv`` (the first argument that is not an option)."""
    return next((a for a in argv if not a.startswith("-")), None)


def _parser(chosen: str | None = None) -> argparse.ArgumentParser:
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
        if name == chosen:
            module.add_arguments(p)
        p.set_defaults(run=module.run, pass_through=getattr(module, "PASS_THROUGH", False))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    argv = sys.argv[1:] if argv is None else argv
    parser = _parser(_chosen(argv))
    args, extra = parser.parse_known_args(argv)
    if extra and not args.pass_through:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
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
