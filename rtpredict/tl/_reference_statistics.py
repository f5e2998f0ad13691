"""Frozen reference-cohort statistics, so a tumour's score never depends on its run-mates.

Cohort-relative rules (Buffa's per-gene median dichotomy, the Toustrup mean-z proxy, Eustace's
"above the median score") compare a tumour with a cohort. rtpredict computes those medians,
means and SDs once from a reference cohort, stores them in a small JSON file keyed by gene ID
(Ensembl ID for catalog genes), and applies them unchanged to every new tumour.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from anndata import AnnData

from rtpredict._files import write_text_atomic
from rtpredict.errors import InputError
from rtpredict.signatures import Signature
from rtpredict.tl import _scoring
from rtpredict.tl._scale import Scale, detect_scale, input_scale, require_scale

logger = logging.getLogger("rtpredict.tl")

FORMAT = "rtpredict.reference_statistics"
VERSION = 1
#: below this many reference tumours, medians and SDs are too noisy to freeze quietly
MIN_RECOMMENDED_TUMOURS = 20


#: percentile levels (as fractions) of the reference scores stored in the statistics
QUANTILE_LEVELS = np.linspace(0.0, 1.0, 21)


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


def _summary(values: np.ndarray) -> dict[str, float] | None:
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    return {
        "median": float(np.median(values)),
        "min": float(values.min()),
        "max": float(values.max()),
        "quantiles": [float(q) for q in np.quantile(values, QUANTILE_LEVELS)],
    }


def reference_statistics(
    adata: AnnData,
    signatures: str | Signature | Sequence[str | Signature] | Mapping | None = None,
    *,
    layer: str | None = None,
    min_coverage: float | None = None,
    source: str = "",
    scale: str | None = None,
) -> ReferenceStatistics:
    """Compute frozen reference statistics from a reference cohort.

    Parameters
    ----------
    adata
        The reference cohort (tumours x genes), ``X`` log1p(TPM) or another scale that its
        signatures' rules are valid on.
    signatures
        Which signatures' genes to summarise (as in :func:`score_signatures`); by default the
        whole catalog.
    layer
        Use ``adata.layers[layer]`` instead of ``X``.
    min_coverage
        Override every signature's minimum fraction of measured genes for the reference scores,
        as in :func:`score_signatures` (RSI always needs 1.0); use the same value when scoring
        against these statistics. A signature below it gets no score summary (logged once).
    source
        A description stored with the statistics (file name, cohort, date).
    scale
        The expression scale (a key of :data:`rtpredict.signatures.SCALES`); None detects it
        (:func:`detect_scale`). Stored with the statistics; a signature whose rule is not
        valid on it is refused (InputError).

    Returns
    -------
    The statistics: per-gene median, mean and SD (ddof=1) for every resolved signature gene,
    each signature's score median and range on the reference tumours, and the scale.
    """
    chosen = _scoring.collect(signatures, min_coverage=min_coverage)
    found = input_scale(adata, layer, scale)
    return _compute(
        adata, chosen, layer=layer, min_coverage=min_coverage, source=source, scale=found
    )


def _compute(
    adata: AnnData,
    chosen: list[Signature],
    *,
    layer: str | None,
    min_coverage: float | None,
    source: str,
    scale: Scale,
    report: bool = True,
) -> ReferenceStatistics:
    """Compute the statistics of ``chosen`` on a matrix of ``scale``; ``report`` logs coverage
    shortfalls (once each)."""
    from rtpredict import __version__

    if adata.n_obs < 2:
        raise InputError("a reference cohort needs at least 2 tumours (20 or more recommended).")
    if adata.n_obs < MIN_RECOMMENDED_TUMOURS:
        logger.warning(
            "reference statistics from %d tumours are noisy; %d or more are recommended",
            adata.n_obs,
            MIN_RECOMMENDED_TUMOURS,
        )
    X = _scoring.expression(adata, layer)
    require_scale(chosen, scale)
    genes = _scoring.resolver(adata)
    keys: dict[str, int] = {}
    for s in chosen:
        match = genes.match(s)
        for i in np.flatnonzero(match.indices >= 0):
            keys.setdefault(_scoring.gene_key(s, i), int(match.indices[i]))
    columns = np.array(list(keys.values()), dtype=np.int64)
    _scoring.require_finite(X, columns, "the reference expression of the signature genes")
    values = X[:, columns].astype(np.float64)
    medians = np.median(values, axis=0)
    means = values.mean(axis=0)
    sds = values.std(axis=0, ddof=1)
    reference = ReferenceStatistics(
        genes={
            key: {"median": float(medians[j]), "mean": float(means[j]), "sd": float(sds[j])}
            for j, key in enumerate(keys)
        },
        n_tumours=int(adata.n_obs),
        expression="X" if layer is None else f"layers[{layer!r}]",
        scale=scale.name,
        source=source,
        rtpredict_version=__version__,
    )
    options = {
        "layer": layer,
        "ties": "average",
        "reference": reference,
        "min_coverage": min_coverage,
        "scale": scale,
    }
    runs = [("singscore", chosen, report)]
    gene_sets = [s for s in chosen if s.rule.method == "gene_set"]
    if gene_sets:
        runs.append(("ssgsea", gene_sets, False))  # the same coverage, reported above
    for method, group, logged in runs:
        for item in _scoring.score(adata, group, method=method, report=logged, **options):
            summary = _summary(item.scores)
            if summary is not None:
                label = _scoring.score_label(item.signature, method)
                reference.scores.setdefault(item.signature.name, {})[label] = summary
    return reference


def as_reference(
    reference: ReferenceStatistics | AnnData | str | os.PathLike | None,
    adata: AnnData,
    signatures: list[Signature],
    *,
    layer: str | None,
    scale: Scale,
    min_coverage: float | None = None,
) -> tuple[ReferenceStatistics | None, str]:
    """Return usable reference statistics and a description of where they came from.

    None builds them from ``adata`` itself when a signature needs them (cohort-relative scores;
    the caller warns). Statistics built here use ``min_coverage`` and log nothing: the caller's
    own scoring reports each coverage shortfall once. ``scale`` is ``adata``'s; a reference
    AnnData's own scale is detected unless ``scale`` was declared (then it holds for both).
    """
    options = {"layer": layer, "min_coverage": min_coverage, "report": False}
    if isinstance(reference, ReferenceStatistics):
        return reference, reference.source or "given ReferenceStatistics"
    if isinstance(reference, AnnData):
        own = scale if scale.source == "declared" else detect_scale(reference, layer=layer)
        stats = _compute(reference, signatures, source="given AnnData", scale=own, **options)
        return stats, "computed from the given reference AnnData"
    if isinstance(reference, str | os.PathLike):
        return ReferenceStatistics.load(reference), str(reference)
    if reference is not None:
        raise InputError(
            f"reference must be ReferenceStatistics, an AnnData or a JSON path, "
            f"got {type(reference).__name__}."
        )
    if not any(s.needs_reference for s in signatures):
        return None, "none needed"
    stats = _compute(adata, signatures, source="the scored cohort itself", scale=scale, **options)
    return stats, "the scored cohort itself"
