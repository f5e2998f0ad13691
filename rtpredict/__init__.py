"""rtpredict: genomic and transcriptomic radiotherapy-response prediction.

Research use only. Nothing in this package is a clinically validated medical device.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("rtpredict")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

_SUBMODULES = (
    "io",
    "tl",
    "radiobiology",
    "signatures",
    "kernels",
    "genomics",
    "models",
    "qc",
    "report",
    "pl",
    "simulate",
    "privacy",
    "federated",
)


def __getattr__(name: str):
    """Import subpackages lazily, so ``import rtpredict`` stays fast (no Numba, no XGBoost)."""
    if name in _SUBMODULES:
        return import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["__version__", *_SUBMODULES]
