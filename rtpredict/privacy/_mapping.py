"""The mapping file (local ID -> pseudonym): private, tab-separated, kept at the centre.

Two columns with a header, ``local_id`` and ``pseudonym``, one line per ID; mode 0600. It
re-identifies every tumour, so it stays where the local IDs already are (the centre's secure
storage), never beside the workflow's outputs, never in a shared or synchronised folder.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from rtpredict._files import check_private, write_private_bytes
from rtpredict.errors import InputError

HEADER = ("local_id", "pseudonym")


def read_mapping(path: str | os.PathLike) -> dict[str, str]:
    """Read a mapping file written by :func:`write_mapping`; refuse one others can read.

    Parameters
    ----------
    path
        The mapping file.

    Returns
    -------
    dict of str to str
        Local ID -> pseudonym.
    """
    path = Path(path)
    check_private(path, "mapping file")
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or tuple(lines[0].split("\t")) != HEADER:
        raise InputError(f"{path}, line 1: expected the header 'local_id<TAB>pseudonym'")
    mapping: dict[str, str] = {}
    for number, line in enumerate(lines[1:], 2):
        fields = line.split("\t")
        if len(fields) != 2 or not all(fields):
            raise InputError(f"{path}, line {number}: expected a local ID and a pseudonym")
        if fields[0] in mapping:
            raise InputError(f"{path}, line {number}: this local ID is listed twice")
        mapping[fields[0]] = fields[1]
    return mapping


def write_mapping(path: str | os.PathLike, mapping: Mapping[str, str]) -> None:
    """Write the mapping atomically with mode 0600.

    Parameters
    ----------
    path
        The mapping file (replaced if it exists).
    mapping
        Local ID -> pseudonym.
    """
    rows = ["\t".join(HEADER)] + [f"{local}\t{pseudo}" for local, pseudo in mapping.items()]
    write_private_bytes(path, ("\n".join(rows) + "\n").encode("utf-8"))
