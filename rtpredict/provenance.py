"""Provenance of a run: checksums of every input, the configuration, software versions.

The manifest is written once per run (``results/provenance.json``), stored in the cohort
AnnData (``uns["rtpredict"]["provenance"]``) and shown in the reports, so any result can be
traced to exactly the files, settings and software that produced it.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version

from rtpredict import __version__
from rtpredict._files import sha256_file
from rtpredict._time import utc_stamp

#: Python packages whose versions are recorded
PACKAGES = (
    "numpy", "pandas", "scipy", "anndata", "numba", "xgboost", "scikit-learn",
    "lifelines", "pysam", "snakemake", "jinja2", "matplotlib",
)  # fmt: skip


def package_versions() -> dict[str, str]:
    """Return the installed versions of Python, rtpredict and its main dependencies."""
    out = {"python": platform.python_version(), "rtpredict": __version__}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def input_manifest(
    inputs: Mapping[str, Sequence[str | os.PathLike]],
    *,
    config: Mapping | None = None,
    allowed_columns: Mapping[str, str] | None = None,
    checksums: Mapping[str, Mapping] | None = None,
) -> dict:
    """Describe a run's inputs: role → files with size and sha256, plus config and versions.

    ``allowed_columns`` records the columns a user allowed past the identifier guard, with the
    reason given. ``checksums`` (path → ``{"bytes", "sha256"}``) gives what an earlier step
    already measured (``rtpredict check-fastq``), so those files are not read again.
    """
    known = checksums or {}

    def describe(path: str | os.PathLike) -> dict:
        given = known.get(str(path))
        if given is not None:
            return {"path": str(path), "bytes": given["bytes"], "sha256": given["sha256"]}
        return {"path": str(path), "bytes": os.path.getsize(path), "sha256": sha256_file(path)}

    files = {role: [describe(p) for p in paths] for role, paths in inputs.items()}
    return {
        "created_utc": utc_stamp(),
        "inputs": files,
        "config": dict(config or {}),
        "allowed_identifier_columns": dict(allowed_columns or {}),
        "software": package_versions(),
    }
