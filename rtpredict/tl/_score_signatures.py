"""``score_signatures``: published radiotherapy signatures and user gene sets per tumour."""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from anndata import AnnData

from rtpredict.signatures import Signature
from rtpredict.tl import _scoring
from rtpredict.tl._reference_data import ReferenceStatistics
from rtpredict.tl._reference_statistics import as_reference
from rtpredict.tl._scale import input_scale


class CohortRelativeWarning(UserWarning):
    """Scores were computed against statistics of the scored cohort itself."""


def signature_record(item: _scoring.Scored, method: str) -> dict:
    """Return the uns bookkeeping of one scored signature (h5ad-writable values only)."""
    s = item.signature
    missing = [g.label for g, c in zip(s.genes, item.match.indices, strict=True) if c < 0]
    return {
        "rule": s.rule.method,
        "method": _scoring.score_label(s, method),
        "n_genes": len(s.genes),
        "n_found": item.match.n_found,
        "coverage": item.coverage,
        "missing": missing,
        "notes": list(item.match.notes),
        "status": item.reason or "scored",
        "citation": s.citation,
        "doi": s.doi,
        "verification": s.verification,
    }


def score_signatures(
    adata: AnnData,
    signatures: str | Signature | Sequence[str | Signature] | Mapping | None = None,
    *,
    method: str = "singscore",
    reference: ReferenceStatistics | AnnData | str | os.PathLike | None = None,
    key_added: str | None = None,
    layer: str | None = None,
    min_coverage: float | None = None,
    ties: str = "average",
    scale: str | None = None,
    copy: bool = False,
) -> AnnData | None:
    """Score radiotherapy signatures (or your own gene sets) in each tumour.

    Each signature is scored by its own published rule (``rule`` in its catalog file,
    :mod:`rtpredict.signatures`); plain gene sets (``gene_set`` rule, e.g. Kim 2012 or a
    ``{name: [genes]}`` mapping) by ``method``: singscore (Foroutan 2018) or raw ssGSEA (Barbie
    2009; not range-normalised, so that a tumour's score does not depend on the others).

    Each signature's rule is valid on some expression scales only (``rule.scales`` in its
    catalog file): the matrix's scale is detected (:func:`detect_scale`) or taken from
    ``scale``, and a signature not valid on it is refused with an InputError giving the reason
    (e.g. cytolytic activity needs linear TPM, which log microarray values are not).

    Parameters
    ----------
    adata
        Tumours x genes; ``X`` log1p(TPM) (or another scale, see ``scale``), ``var`` names
        Ensembl IDs (any version) or symbols, optional ``var["symbol"]``; ``layers["tpm"]`` for
        geometric means (else expm1 of X, or X itself on the ``tpm`` scale).
    signatures
        Catalog names, Signature records, or a mapping name -> list of genes (symbols, Ensembl
        IDs or aliases). None: every catalog signature except RSI (see :func:`score_rsi`).
    method
        ``"singscore"`` or ``"ssgsea"``, for gene-set rules.
    reference
        Frozen reference statistics (:func:`reference_statistics`, or a JSON path, or a
        reference AnnData to compute them from). Needed by Buffa (medians) and Toustrup (means,
        SDs); when None they are computed from ``adata`` itself, which makes those scores depend
        on the cohort: a :class:`CohortRelativeWarning` says so.
    key_added
        Prefix of the obs columns (``{key_added}_{name}``) and the uns key (default
        ``"signatures"``, no prefix).
    layer
        Log-scale expression layer to use instead of ``X``.
    min_coverage
        Override every signature's minimum fraction of measured genes (RSI always needs 1.0).
    ties
        ssGSEA tie handling: ``"average"`` (order-free) or ``"gseapy"``.
    scale
        The scale of ``X`` (or ``layer``): ``"counts"``, ``"tpm"``, ``"log1p_tpm"``,
        ``"log_microarray"`` or ``"zscore"`` (:data:`rtpredict.signatures.SCALES`). None
        detects it; state it when the detection is wrong. It also holds for a reference
        AnnData; frozen reference statistics must have been computed on the same scale.
    copy
        Return a modified copy instead of writing into ``adata``.

    Returns
    -------
    None, or the copy. Writes ``obs[name]`` and ``obs[f"{name}_coverage"]`` per signature (NaN
    where coverage falls short, with the reason logged and kept in ``uns``),
    ``obs[f"{name}_reference_percentile"]`` (0–100, the score's place among the reference
    cohort's, from the reference statistics' quantiles) when a reference holds them, and
    ``uns[key]`` with ``params``, ``scale`` (name, ``"detected"`` or ``"declared"``, and the
    evidence), per-signature bookkeeping, the reference statistics used and
    ``columns`` (obs column -> signature name), which keeps prefixed columns linked to their
    catalog signature for models and random gene-set controls
    (:func:`rtpredict.signatures.signature_columns`).
    """
    adata = adata.copy() if copy else adata
    chosen = _scoring.collect(signatures, min_coverage=min_coverage)
    found = input_scale(adata, layer, scale)
    stats, origin = as_reference(
        reference, adata, chosen, layer=layer, scale=found, min_coverage=min_coverage
    )
    if reference is None and stats is not None:
        warnings.warn(
            "no reference statistics given: medians, means and SDs come from the scored cohort "
            "itself, so Buffa/Toustrup scores depend on which tumours are in it. Pass "
            "reference= (rtpredict.tl.reference_statistics of a reference cohort) to freeze them.",
            CohortRelativeWarning,
            stacklevel=2,
        )
    scored = _scoring.score(
        adata,
        chosen,
        layer=layer,
        method=method,
        ties=ties,
        reference=stats,
        min_coverage=min_coverage,
        scale=found,
    )
    prefix = f"{key_added}_" if key_added else ""
    columns: dict[str, np.ndarray] = {}
    for item in scored:
        name = prefix + item.signature.name
        columns[name] = item.scores
        columns[f"{name}_coverage"] = np.full(adata.n_obs, item.coverage)
        if stats is not None and stats.scores.get(item.signature.name):
            label = _scoring.score_label(item.signature, method)
            percentile = stats.percentile(item.signature.name, label, item.scores)
            if np.isfinite(percentile).any():
                columns[f"{name}_reference_percentile"] = percentile
    _write_obs(adata, columns)
    params = {
        "method": method,
        "ties": ties,
        "signatures": [s.name for s in chosen],
        "reference": origin,
    }
    params |= {"layer": layer} if layer is not None else {}
    params |= {"key_added": key_added} if key_added else {}
    params |= {"min_coverage": min_coverage} if min_coverage is not None else {}
    params |= {"scale": scale} if scale is not None else {}
    record: dict = {
        "params": params,
        "scale": found.to_dict(),
        "signatures": {i.signature.name: signature_record(i, method) for i in scored},
        "columns": {prefix + s.name: s.name for s in chosen},
    }
    if stats is not None:
        record["reference_statistics"] = stats.to_json()
        record["thresholds"] = {
            s.name: stats.scores[s.name][label]["median"]
            for s in chosen
            if (label := _scoring.score_label(s, method)) in stats.scores.get(s.name, {})
        }
    adata.uns[key_added or "signatures"] = record
    return adata if copy else None


def _write_obs(adata: AnnData, columns: Mapping[str, np.ndarray]) -> None:
    """Write the columns into ``obs``: existing ones in place, new ones appended in one step.

    One step, not one insert per column: many signatures would otherwise fragment ``obs``.
    """
    new = {name: values for name, values in columns.items() if name not in adata.obs}
    for name in columns.keys() - new.keys():
        adata.obs[name] = columns[name]
    if new:
        adata.obs = pd.concat([adata.obs, pd.DataFrame(new, index=adata.obs.index)], axis=1)
