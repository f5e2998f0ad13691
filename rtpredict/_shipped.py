"""``default:<name>``: a model shipped with rtpredict, or its frozen reference statistics.

Wherever a model file or a reference-statistics file is expected (``rtpredict predict
--model``, ``rtpredict features --reference``, the workflow's ``predict.models`` and
``features.reference``), ``default:<name>`` names the one shipped in ``rtpredict/data/models/``
instead. This module holds the prefix once; it imports nothing, so that the workflow can ask
at planning time which entries are files.
"""

from __future__ import annotations

import os

#: prefix of a shipped model's name
DEFAULT_PREFIX = "default:"


def shipped_name(reference: str | os.PathLike) -> str | None:
    """Return the shipped model's name in ``default:<name>``, None for a file path.

    Parameters
    ----------
    reference
        A model or reference-statistics argument: a path, or ``default:<name>``.

    Returns
    -------
    str or None
        ``<name>``, or None when ``reference`` is a path.
    """
    text = os.fspath(reference)
    return text.removeprefix(DEFAULT_PREFIX) if text.startswith(DEFAULT_PREFIX) else None
