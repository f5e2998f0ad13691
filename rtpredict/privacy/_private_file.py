"""Files only their owner may read: check the mode of one, write one atomically with mode 0600."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from rtpredict.errors import InputError


def check_private(path: str | os.PathLike, what: str) -> None:
    """Raise InputError if ``path`` can be read or written by its group or by others.

    Refusing rather than warning, as ssh does for private keys: a warning scrolls past in a log,
    while a secret key or a pseudonym mapping readable by others re-identifies every tumour.
    Not checked where the system has no POSIX modes (Windows).
    """
    if os.name != "posix":
        return
    mode = stat.S_IMODE(Path(path).stat().st_mode)
    if mode & 0o077:
        raise InputError(
            f"{path}: the {what} is readable or writable by other users (mode {mode:04o}); "
            f"make it private with `chmod 600 {path}` and check who may have copied it"
        )


def write_private_bytes(path: str | os.PathLike, data: bytes, *, overwrite: bool = True) -> None:
    """Write ``data`` to ``path`` atomically with mode 0600 (owner read/write only).

    A temporary file (created 0600) beside ``path`` is filled and flushed, then renamed onto
    ``path``; with ``overwrite=False`` it is hard-linked instead, which fails if ``path`` exists
    (the check and the creation are one step, so nothing is replaced by a race).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise InputError(f"{path}: already exists; it is never overwritten") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
