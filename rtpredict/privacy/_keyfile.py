"""The secret key of pseudonymisation: 32 random bytes in a file only its owner can read."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from rtpredict._files import check_private, write_private_bytes
from rtpredict.errors import InputError

logger = logging.getLogger("rtpredict.privacy")

#: key length in bytes: the output size of SHA-256, as RFC 2104 recommends for HMAC keys
KEY_BYTES = 32


def new_key(path: str | os.PathLike) -> Path:
    """Create a key file of :data:`KEY_BYTES` random bytes with mode 0600; never overwrite one.

    Keep a copy of the key somewhere safe and separate from the data: without it, tumours
    added later cannot get the same pseudonyms; with it and the local IDs, anyone can
    re-identify the pseudonyms.

    Parameters
    ----------
    path
        The key file to create (it must not exist).

    Returns
    -------
    pathlib.Path
        The key file.
    """
    path = Path(path)
    if path.exists():
        raise InputError(
            f"{path}: a key file already exists; it is never overwritten (pseudonyms made with it "
            "would no longer match). Use it, or choose another path for a new key"
        )
    write_private_bytes(path, secrets.token_bytes(KEY_BYTES), overwrite=False)
    logger.info("created a new pseudonymisation key %s (mode 0600); keep a safe copy of it", path)
    return path


def read_key(path: str | os.PathLike) -> bytes:
    """Return the key bytes of a key file made by :func:`new_key`, refusing a shared file.

    Parameters
    ----------
    path
        The key file.

    Returns
    -------
    bytes
        The key.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such key file (create one with --new-key)")
    check_private(path, "key file")
    key = path.read_bytes()
    if len(key) != KEY_BYTES:
        raise InputError(
            f"{path}: a key file holds exactly {KEY_BYTES} bytes (as written by --new-key), "
            f"this one holds {len(key)}; is it the right file?"
        )
    return key
