"""The frozen reference-cohort statistics as data: the ReferenceStatistics class and its JSON file.

Made by :func:`~rtpredict.tl.reference_statistics` (``rtpredict.tl._reference_statistics``);
this module holds what is stored, how a rule asks for it, and how it is written and read back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rtpredict._files import write_text_atomic
from rtpredict.errors import InputError

FORMAT = "rtpredict.reference_statistics"
VERSION = 1


@dataclass
class ReferenceStatistics:
    """Per-gene and per-signature statistics of a reference cohort (JSON-serialisable).

    Made by :func:`reference_statistics`; read with :meth:`load`.

    Parameters
    ----------
    genes
        Gene key (Ensembl ID, else upper-case symbol) -> ``{"median", "mean", "sd"}`` of the
        log-scale expression over the reference tumours.
    scores
        Signature name -> method -> ``{"median", "min", "max", "quantiles"}`` of the reference
        tumours' scores (for thresholds such as Eustace's "high", a frozen ssGSEA range, and a
        new tumour's percentile in the reference cohort: :meth:`percentile`).
    n_tumours
        Size of the reference cohort.
    expression
        The expression the statistics were computed on (``"X"`` or ``"layers['name']"``;
        ``"X (log1p TPM)"`` in older files).
    scale
        The scale of that expression (:func:`detect_scale`, or declared); scoring refuses to
        compare a matrix on another scale with it. Files without one were built on the
        workflow's log1p TPM.
    source
        Where the reference came from (file name, cohort description).
    rtpredict_version
        The rtpredict version that computed the statistics.
    """

    genes: dict[str, dict[str, float]]
    scores: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    n_tumours: int = 0
    expression: str = "X (log1p TPM)"
    scale: str = "log1p_tpm"
    source: str = ""
    rtpredict_version: str = ""

    def has_gene(self, key: str, method: str) -> bool:
        """Return True if the statistics a rule needs exist for gene ``key``.

        Parameters
        ----------
        key
            Ensembl ID, else upper-case symbol.
        method
            The scoring rule (``"median_dichotomy"`` needs the median, ``"mean_z"`` mean and SD).

        Returns
        -------
        bool
            Whether the gene has the statistics the rule needs (for ``mean_z``, an SD > 0).
        """
        stats = self.genes.get(key)
        if stats is None:
            return False
        if method == "mean_z":
            return stats.get("sd", 0.0) > 0 and "mean" in stats
        return "median" in stats

    def percentile(self, name: str, method: str, values: np.ndarray) -> np.ndarray:
        """Return each value's percentile (0–100) among the reference scores of a signature.

        Interpolated between the stored quantiles (every 5th percentile); a value equal to a
        plateau of tied quantiles gets the plateau's middle. NaN for NaN values, and everywhere
        when the reference holds no quantiles for the signature (files from before 0.1).

        Parameters
        ----------
        name
            The signature.
        method
            The scoring method its scores were computed with.
        values
            The scores to place.

        Returns
        -------
        numpy.ndarray
            Percentiles (0–100), of the shape of ``values``.
        """
        values = np.asarray(values, dtype=float)
        quantiles = self.scores.get(name, {}).get(method, {}).get("quantiles")
        if not quantiles:
            return np.full(values.shape, np.nan)
        q = np.asarray(quantiles, dtype=float)
        step = 100.0 / (len(q) - 1)
        first, last = np.searchsorted(q, values, "left"), np.searchsorted(q, values, "right")
        out = np.where(
            first < last,
            (first + last - 1) / 2 * step,
            np.interp(values, q, np.arange(len(q)) * step),
        )
        return np.where(np.isnan(values), np.nan, out)

    def gene(self, key: str) -> dict[str, float]:
        """Return the statistics of gene ``key``.

        Parameters
        ----------
        key
            Ensembl ID, else upper-case symbol.

        Returns
        -------
        dict of str to float
            ``{"median", "mean", "sd"}`` (a KeyError when the gene has none).
        """
        return self.genes[key]

    def to_dict(self) -> dict[str, Any]:
        """Return a plain dict (the JSON content).

        Returns
        -------
        dict
            JSON-serialisable content, read back by :meth:`from_dict`.
        """
        return {
            "format": FORMAT,
            "version": VERSION,
            "n_tumours": self.n_tumours,
            "expression": self.expression,
            "scale": self.scale,
            "source": self.source,
            "rtpredict_version": self.rtpredict_version,
            "genes": self.genes,
            "scores": self.scores,
        }

    def to_json(self) -> str:
        """Return the statistics as JSON text (sorted keys, exact floats).

        Returns
        -------
        str
            The JSON text.
        """
        return json.dumps(self.to_dict(), sort_keys=True, indent=1, allow_nan=False)

    def save(self, path: str | Path) -> None:
        """Write the JSON file atomically.

        Parameters
        ----------
        path
            The JSON file to write.
        """
        write_text_atomic(path, self.to_json() + "\n")

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], source: str = "reference") -> ReferenceStatistics:
        """Validate and load a dict written by :meth:`to_dict`.

        Parameters
        ----------
        raw
            The parsed JSON content.
        source
            Where ``raw`` came from, for error messages.

        Returns
        -------
        ReferenceStatistics
            The statistics.
        """
        if not isinstance(raw, Mapping) or raw.get("format") != FORMAT:
            raise InputError(f"{source}: not an rtpredict reference-statistics file.")
        if raw.get("version") != VERSION:
            raise InputError(
                f"{source}: reference-statistics version {raw.get('version')!r}; this rtpredict "
                f"reads version {VERSION}. Rebuild it with rtpredict.tl.reference_statistics."
            )
        genes = raw.get("genes")
        if not isinstance(genes, Mapping) or not all(
            isinstance(v, Mapping) and all(isinstance(x, int | float) for x in v.values())
            for v in genes.values()
        ):
            raise InputError(f"{source}: 'genes' must map gene IDs to numeric statistics.")
        return cls(
            genes={str(k): {s: float(x) for s, x in v.items()} for k, v in genes.items()},
            scores={
                str(name): {str(m): {s: _number(x) for s, x in v.items()} for m, v in by.items()}
                for name, by in (raw.get("scores") or {}).items()
            },
            n_tumours=int(raw.get("n_tumours", 0)),
            expression=str(raw.get("expression", "")),
            scale=str(raw.get("scale", "log1p_tpm")),
            source=str(raw.get("source", "")),
            rtpredict_version=str(raw.get("rtpredict_version", "")),
        )

    @classmethod
    def from_json(cls, text: str, source: str = "reference") -> ReferenceStatistics:
        """Load statistics from JSON text.

        Parameters
        ----------
        text
            JSON text written by :meth:`to_json`.
        source
            Where ``text`` came from, for error messages.

        Returns
        -------
        ReferenceStatistics
            The statistics.
        """
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as err:
            raise InputError(f"{source}: not valid JSON ({err}).") from None
        return cls.from_dict(raw, source)

    @classmethod
    def load(cls, path: str | Path) -> ReferenceStatistics:
        """Read a reference-statistics JSON file.

        Parameters
        ----------
        path
            A file written by :meth:`save`.

        Returns
        -------
        ReferenceStatistics
            The statistics (errors name the file).
        """
        path = Path(path)
        return cls.from_json(path.read_text(encoding="utf-8"), str(path))


def _number(value: Any) -> float | list[float]:
    """A statistic read from JSON: a number, or a list of numbers (the quantiles)."""
    return [float(x) for x in value] if isinstance(value, list) else float(value)
