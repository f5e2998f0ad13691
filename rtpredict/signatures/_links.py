"""Which obs column holds which signature's score, as the scoring tools record it in ``uns``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def signature_columns(data: Any) -> dict[str, str]:
    """Return obs column -> signature name, from the ``columns`` the scoring tools record.

    ``rtpredict.tl.score_signatures`` and ``score_rsi`` write ``uns[key]["columns"]`` (the key
    they write their ``params`` to), so a column prefixed by ``key_added``
    (``hx_buffa_hypoxia``) keeps its catalog signature (``buffa_hypoxia``). Empty for a
    DataFrame or an AnnData scored before this record existed.

    Parameters
    ----------
    data
        A scored AnnData (or anything else: then the result is empty).

    Returns
    -------
    dict of str to str
        obs column -> signature name.
    """
    out: dict[str, str] = {}
    for record in getattr(data, "uns", {}).values():
        if isinstance(record, Mapping) and "params" in record:
            columns = record.get("columns")
            if isinstance(columns, Mapping):
                out |= {str(k): str(v) for k, v in columns.items()}
    return out
