"""File writing and checksums, below every subpackage (imports only `rtpredict.errors`).

Atomic writes: a result either appears complete under its name or not at all. Private files
(keys, pseudonym mappings): only their owner may read them, checked and written with mode 0600.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from rtpredict.errors import InputError

if TYPE_CHECKING:
    import pandas as pd


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it onto ``path`` if the block succeeds.

    The temporary file keeps ``path``'s extension (tools that look at it behave) and gets the
    usual permissions (0666 minus the umask). On an exception it is removed and ``path`` is left
    untouched, so a killed or failed step never leaves a half-written file under the final name.

    Parameters
    ----------
    path
        The final path; its directory is created if needed.

    Yields
    ------
    pathlib.Path
        The temporary path to write.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=f".tmp{path.suffix}"
    )
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~_umask())
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, flushed to disk before the rename.

    Parameters
    ----------
    path
        The file to write (replaced if it exists).
    data
        The bytes to write.
    """
    with atomic_path(path) as tmp, tmp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def write_tsv(frame: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write a table as TSV atomically, without its index; NA is written as an empty field.

    Parameters
    ----------
    frame
        The table to write.
    path
        The file to write (replaced if it exists).
    """
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, sep="\t", index=False, na_rep="", lineterminator="\n")


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically.

    Parameters
    ----------
    path
        The file to write (replaced if it exists).
    text
        The text to write.
    """
    write_bytes_atomic(path, text.encode("utf-8"))


def sha256_file(path: str | os.PathLike) -> str:
    """Return the hex SHA-256 of a file, read in 1 MiB blocks.

    Parameters
    ----------
    path
        The file to hash.

    Returns
    -------
    str
        64 hexadecimal digits.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
