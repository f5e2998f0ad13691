"""Frozen reference-cohort statistics, so a tumour's score never depends on its run-mates.

Cohort-relative rules (Buffa's per-gene median dichotomy, the Toustrup mean-z proxy, Eustace's
"above the median score") compare a tumour with a cohort. rtpredict computes those medians,
means and SDs once from a reference cohort, stores them in a small JSON file keyed by gene ID
(Ensembl ID for catalog genes), and applies them unchanged to every new tumour.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence

import numpy as np
from anndata import AnnData

from rtpredict.errors import InputError
from rtpredict.signatures import Signature
from rtpredict.tl import _scoring
from rtpredict.tl._reference_data import ReferenceStatistics
from rtpredict.tl._scale import Scale, detect_scale, input_scale, require_scale

logger = logging.getLogger("rtpredict.tl")

#: below this many reference tumours, medians and SDs are too noisy to freeze quietly
MIN_RECOMMENDED_TUMOURS = 20


#: percentile levels (as fractions) of the reference scores stored in the statistics
QUANTILE_LEVELS = np.linspace(0.0, 1.0, 21)


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
