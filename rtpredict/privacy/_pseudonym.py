"""Stable pseudonymous IDs: keyed HMAC-SHA256 of local IDs, shown as prefix + base32.

``pseudonym = prefix + base32(HMAC-SHA256(key, local ID as UTF-8)[:10])``: 16 characters of
RFC 4648 base32 (A-Z, 2-7) carrying 80 bits, so the result matches the sample-ID pattern
``^[A-Za-z0-9][A-Za-z0-9_.-]*$``. The same key and local ID give the same pseudonym on any
machine and in any run; another key gives unrelated pseudonyms; without the key, a pseudonym
cannot be traced back to its local ID, nor computed from it (Bellare, Canetti & Krawczyk,
CRYPTO 1996; RFC 2104). Local IDs are taken in Unicode NFC form without surrounding spaces, so
the same ID typed on two systems gives the same pseudonym.

Collision odds (birthday bound): for n distinct IDs, about n^2 / 2^81 — 4e-13 for a million
tumours. A collision is nevertheless checked for and refused, never silently merged.

A pseudonym can be checked by hand with OpenSSL:
``printf %s ID | openssl dgst -sha256 -mac HMAC -macopt hexkey:$(xxd -p -c 64 KEY)``; its first
20 hex digits, base32-encoded, are the pseudonym without its prefix.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable, Mapping

from rtpredict.errors import InputError

#: bytes of the HMAC kept in a pseudonym (80 bits = 16 base32 characters)
PSEUDONYM_BYTES = 10
#: what a sample ID (and a pseudonym prefix) may hold: the sample sheet's rule
SAMPLE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def normalise_id(local_id: str) -> str:
    """Return a local ID as it is pseudonymised: NFC form, surrounding spaces removed."""
    return unicodedata.normalize("NFC", local_id).strip()


def pseudonym(
    local_id: str, key: bytes, *, prefix: str = "PS", n_bytes: int = PSEUDONYM_BYTES
) -> str:
    """Return the pseudonym of one local ID under ``key``.

    The pseudonym is ``prefix`` followed by the base32 of the first ``n_bytes`` bytes of
    HMAC-SHA256(key, local ID): the same ID and key always give the same pseudonym.

    Parameters
    ----------
    local_id
        The local ID, taken in Unicode NFC form without surrounding spaces.
    key
        The secret key (:func:`read_key`).
    prefix
        Letters the pseudonym starts with.
    n_bytes
        Bytes of the HMAC kept (:data:`PSEUDONYM_BYTES` by default).

    Returns
    -------
    str
        The pseudonym.
    """
    if prefix and not SAMPLE_ID.fullmatch(prefix):
        raise InputError(
            f"prefix {prefix!r}: use letters, digits, '_', '.' or '-', starting with a letter "
            "or digit (pseudonyms must be valid sample IDs)"
        )
    digest = hmac.new(key, normalise_id(local_id).encode("utf-8"), hashlib.sha256).digest()
    return prefix + base64.b32encode(digest[:n_bytes]).decode("ascii").rstrip("=")


def pseudonymise_ids(
    local_ids: Iterable[str],
    key: bytes,
    *,
    prefix: str = "PS",
    n_bytes: int = PSEUDONYM_BYTES,
    known: Mapping[str, str] | None = None,
    known_source: str = "the existing mapping",
) -> dict[str, str]:
    """Map local IDs to pseudonyms, keeping ``known`` entries; refuse collisions and mismatches.

    Parameters
    ----------
    local_ids
        Local IDs (repeats are fine).
    key
        The secret key bytes.
    prefix, n_bytes
        Form of the pseudonyms (see :func:`pseudonym`).
    known
        An existing mapping (local ID -> pseudonym), e.g. from an earlier batch; every entry
        of it met again must be what ``key`` and ``prefix`` give, else the key or prefix changed.
    known_source
        Where ``known`` comes from, named in the error message.

    Returns
    -------
    The known mapping extended with the new IDs, in order of first appearance.
    """
    mapping = dict(known or {})
    owner = {p: i for i, p in mapping.items()}
    for raw in local_ids:
        local_id = normalise_id(raw)
        made = pseudonym(local_id, key, prefix=prefix, n_bytes=n_bytes)
        if local_id in mapping:
            if mapping[local_id] != made:
                raise InputError(
                    f"{known_source} gives another pseudonym for an ID than this key and prefix "
                    "do: it was made with another key or prefix. Use that key, or a new mapping "
                    "file"
                )
            continue
        if made in owner:
            raise InputError(
                f"two local IDs get the same pseudonym {made} (a collision, odds ~n^2/2^"
                f"{8 * n_bytes + 1}); pseudonymise everything again with a new key and mapping"
            )
        mapping[local_id] = made
        owner[made] = local_id
    return mapping
