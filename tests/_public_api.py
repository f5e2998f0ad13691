"""The public namespaces of rtpredict, shared by the API structure and API docs tests."""

from __future__ import annotations

#: every subpackage whose ``__all__`` is public API (``rtpredict.<name>``)
NAMESPACES = (
    "io",
    "tl",
    "radiobiology",
    "signatures",
    "kernels",
    "genomics",
    "models",
    "qc",
    "report",
    "simulate",
    "privacy",
    "federated",
)
