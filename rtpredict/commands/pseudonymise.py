"""Replace local IDs in a TSV with stable keyed pseudonyms (HMAC-SHA256); mapping kept private.

Run it at the centre, before anything reaches the workflow:

  rtpredict pseudonymise --new-key --key ~/secure/rtpredict.key
  rtpredict pseudonymise samples_local.tsv --key ~/secure/rtpredict.key \\
      --mapping ~/secure/pseudonyms.tsv --output samples.tsv

Each local ID becomes prefix + 16 base32 characters of HMAC-SHA256(key, ID): the same key and ID
give the same pseudonym in every run and on every machine, another key unrelated ones, and
nobody without the key can compute or reverse them. The key file (32 random bytes, mode 0600)
is never written anywhere else and never logged; a key file that others can read is refused.
The mapping file (local ID -> pseudonym, mode 0600) re-identifies every tumour: keep it at the
centre with the local IDs, never inside the workflow's results folder or a shared or
synchronised folder. An existing mapping is extended, after checking it matches the key.
Cells of other columns that contain a local ID (e.g. FASTQ files named after it) are refused,
and so is an output that still has direct identifiers (drop them with --drop).
"""

from __future__ import annotations

import argparse
import logging

from rtpredict.commands._args import add_output, allow_columns
from rtpredict.errors import InputError

logger = logging.getLogger("rtpredict.privacy")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``rtpredict pseudonymise``."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("table", nargs="?", help="tab-separated table holding local IDs")
    parser.add_argument("--key", required=True, help="secret key file (mode 0600)")
    parser.add_argument(
        "--new-key", action="store_true", help="create the key file first (never overwrites)"
    )
    add_output(parser, "pseudonymised table to write", required=False)
    parser.add_argument(
        "--mapping", help="private mapping file local ID -> pseudonym (created or extended)"
    )
    parser.add_argument(
        "--column",
        action="append",
        dest="columns",
        metavar="COLUMN",
        help="column of local IDs to replace (repeatable; default: sample_id)",
    )
    parser.add_argument("--prefix", default="PS", help="start of every pseudonym (default: PS)")
    parser.add_argument(
        "--drop", action="append", default=[], metavar="COLUMN", help="column to leave out"
    )
    parser.add_argument(
        "--allow",
        action="append",
        default=[],
        metavar="COLUMN=REASON",
        help="let a column the identifier guard flags through, saying why it identifies nobody",
    )


def run(args: argparse.Namespace) -> int:
    """Create the key and/or pseudonymise the table described by ``args``."""
    from rtpredict.privacy import new_key, pseudonymise_table

    if args.new_key:
        new_key(args.key)
    if args.table is None:
        if not args.new_key:
            raise InputError("give a table to pseudonymise (or --new-key to create a key)")
        return 0
    if not args.output or not args.mapping:
        raise InputError("--output and --mapping are required to pseudonymise a table")
    done = pseudonymise_table(
        args.table,
        args.output,
        key_file=args.key,
        mapping=args.mapping,
        columns=args.columns or ["sample_id"],
        prefix=args.prefix,
        drop=args.drop,
        allow=allow_columns(args.allow, "--allow"),
    )
    logger.info(
        "%d rows, %d IDs (%d new) in %s pseudonymised -> %s; mapping %s (mode 0600: keep it at "
        "the centre)%s%s",
        done.rows,
        done.ids,
        done.new_ids,
        ", ".join(done.columns),
        args.output,
        args.mapping,
        f"; dropped {', '.join(done.dropped)}" if done.dropped else "",
        f"; allowed {', '.join(f'{c} ({r})' for c, r in done.allowed.items())}"
        if done.allowed
        else "",
    )
    return 0
