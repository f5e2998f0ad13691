"""``python -m rtpredict.federated ACTION ...``: the ``rtpredict federated`` command."""

from __future__ import annotations

import argparse
import logging
import sys

from rtpredict.commands import federated
from rtpredict.errors import RtpredictError


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments of ``rtpredict federated`` and run the action."""
    parser = argparse.ArgumentParser(
        prog="python -m rtpredict.federated", description=federated.__doc__
    )
    federated.add_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        return federated.run(args)
    except RtpredictError as err:
        print(f"rtpredict federated: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
