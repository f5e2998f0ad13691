"""Choose where Numba caches compiled kernels, before any kernel is compiled.

Numba caches next to the source (``__pycache__``) by default and raises when no cache location is
writable. rtpredict may be installed read-only (system site-packages, containers), so: keep a
writable ``NUMBA_CACHE_DIR`` the user set; else cache in the package when it is writable; else in
the user cache directory (``$XDG_CACHE_HOME/rtpredict/numba`` or ``~/.cache/rtpredict/numba``);
else in a per-user temporary directory; else compile without caching. Within the chosen
directory, kernels are cached under ``kernels-<digest of every kernel source>``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

PACKAGE_CACHE = Path(__file__).resolve().parent / "__pycache__"


@dataclass(frozen=True)
class CacheChoice:
    """Where compiled kernels are cached: ``directory`` None means Numba's in-package cache."""

    enabled: bool
    directory: str | None
    reason: str


def is_writable(path: Path) -> bool:
    """Return True if ``path`` exists or can be created and a file can be written in it."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError:
        return False
    return True


def choose_cache_dir(
    environ: Mapping[str, str],
    *,
    package_cache: Path = PACKAGE_CACHE,
    writable: Callable[[Path], bool] = is_writable,
) -> CacheChoice:
    """Return the first writable cache location (see the module docstring for the order)."""
    user_set = environ.get("NUMBA_CACHE_DIR")
    if user_set:
        if writable(Path(user_set)):
            return CacheChoice(True, user_set, "NUMBA_CACHE_DIR set by the user")
        logger.warning("NUMBA_CACHE_DIR=%s is not writable; choosing another cache", user_set)
    if writable(package_cache):
        return CacheChoice(True, None, f"package directory {package_cache.parent} is writable")
    home = Path(environ.get("HOME", "~")).expanduser()
    base = Path(environ.get("XDG_CACHE_HOME") or home / ".cache")
    user = os.getuid() if hasattr(os, "getuid") else os.getlogin()
    candidates = [
        base / "rtpredict" / "numba",
        Path(tempfile.gettempdir()) / f"rtpredict-numba-{user}",
    ]
    for candidate in candidates:
        if writable(candidate):
            return CacheChoice(True, str(candidate), "package directory is read-only")
    return CacheChoice(False, None, "no writable cache directory; kernels compile at every start")


def source_digest() -> str:
    """A digest of every kernel module's source.

    Numba checks a cached kernel against its own file only, not against the files of the
    kernels it calls: after an update of ``_sort.py``, a cached ``gene_sets`` kernel would run
    the old sort inlined (or crash). The cache therefore lives in a directory named after all
    the kernels' sources together.
    """
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def configure() -> CacheChoice:
    """Point Numba's cache at the chosen directory's subdirectory for this version of the
    kernels. Numba's own setting is changed, not the environment: processes started from this
    one (the workflow's jobs, which give each job its own cache) choose for themselves."""
    from numba.core import config

    choice = choose_cache_dir(os.environ)
    if choice.enabled:
        base = Path(choice.directory) if choice.directory else PACKAGE_CACHE
        config.CACHE_DIR = str(base / f"kernels-{source_digest()}")
    logger.debug("numba cache: %s (%s)", config.CACHE_DIR or "none", choice.reason)
    return choice


#: where this process caches compiled kernels
CHOICE = configure()
#: pass as ``cache=`` to ``numba.njit`` in every kernel module
CACHE = CHOICE.enabled
