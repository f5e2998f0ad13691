"""Data-use register: keyed hashes of the pseudonymous sample IDs a model was trained on."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

#: environment variable holding a secret key for the training-ID register (never stored)
ID_SECRET_ENV = "RTPREDICT_ID_SECRET"


def hash_sample_ids(ids: Iterable, *, key: str) -> list[str]:
    """Return HMAC-SHA256(key, sample ID) of each ID, as hex, in input order.

    With a published key (a per-model salt stored in the card) anyone holding a candidate ID can
    check whether it was used, which is the register's purpose, while the card itself lists no
    ID and precomputed tables do not carry over between models. Only pseudonymous IDs belong in
    it: a guessable ID (a hospital number, a TCGA barcode) can be confirmed by anyone with the
    card. With a secret key, only its holder can query the register.
    """
    secret = key.encode()
    return [hmac.new(secret, str(i).encode(), hashlib.sha256).hexdigest() for i in ids]
