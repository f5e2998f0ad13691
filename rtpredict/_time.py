"""The time stamps rtpredict writes: UTC, from ``$SOURCE_DATE_EPOCH`` when it is set, so that
a rebuild with the same inputs writes the same files (reproducible builds)."""

from __future__ import annotations

import datetime as dt
import os


def utc_now() -> dt.datetime:
    """Return the current time in UTC to the second, or ``$SOURCE_DATE_EPOCH`` when set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else dt.datetime.now(dt.UTC)
    return moment.replace(microsecond=0)


def utc_stamp() -> str:
    """Return :func:`utc_now` as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return utc_now().strftime("%Y-%m-%dT%H:%M:%SZ")
