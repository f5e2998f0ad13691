"""Shared machinery of the signature tools: expression access, gene matching, one kernel call
per rule family. No loops over samples here; the kernels do that.

Which expression each rule reads (documented choice):

- ``X`` (or ``layer``) is log1p(TPM): ``median_dichotomy``, ``sample_median``, ``mean_z``,
  ``mean`` and ``weighted_sum`` use it as is, and the rank rules (``rsi_rank``, ``gene_set``)
  rank it (ranks are the same on TPM, any per-sample monotone scale gives the same result).
- ``layers["tpm"]`` (linear TPM) for ``geometric_mean`` (cytolytic activity is defined on TPM);
  when that layer is absent, ``expm1`` of the log-scale matrix, which is the same numbers, and
  the matrix itself when its scale is ``tpm``.

Each signature's rule is valid on the scales its catalog file lists (``rule.scales``); the
matrix's scale is detected or declared (:mod:`rtpredict.tl._scale`) and a signature not valid
on it is refused with its reason before anything is scored.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from anndata import AnnData
from scipy import sparse

from rtpredict import kernels
from rtpredict.errors import InputError
from rtpredict.signatures import (
    GeneResolver,
    Signature,
    SignatureMatch,
    gene_set,
    get_signature,
    load_catalog,
)
from rtpredict.tl._scale import Scale, require_scale

logger = logging.getLogger("rtpredict.tl")

GENE_SET_METHODS = ("singscore", "ssgsea")


def expression(adata: AnnData, layer: str | None) -> np.ndarray:
    """Return the log-scale expression matrix (samples x genes) as a dense float array."""
    if layer is not None and layer not in adata.layers:
        raise InputError(
            f"layer {layer!r} not in the AnnData (layers: {', '.join(adata.layers) or 'none'}); "
            "leave layer=None to use X (log1p TPM)."
        )
    matrix = adata.X if layer is None else adata.layers[layer]
    if matrix is None:
        raise InputError("the AnnData has no X; expected log1p(TPM) in X.")
    if sparse.issparse(matrix):
        matrix = matrix.toarray()
    return kernels.as_matrix(np.asarray(matrix))


def tpm(adata: AnnData, expression: np.ndarray, scale: Scale) -> np.ndarray:
    """Return linear TPM: the matrix itself on the ``tpm`` scale, else ``layers["tpm"]`` if
    present, else ``expm1`` of the log1p(TPM) matrix."""
    if scale.name == "tpm":
        return expression
    if "tpm" in adata.layers:
        matrix = adata.layers["tpm"]
        matrix = matrix.toarray() if sparse.issparse(matrix) else np.asarray(matrix)
        return kernels.as_matrix(matrix)
    logger.info("no layers['tpm']: using expm1 of the log1p(TPM) matrix for geometric means")
    return np.expm1(expression)


def require_finite(matrix: np.ndarray, columns: np.ndarray | None, what: str) -> None:
    """Raise InputError if the used part of ``matrix`` holds NaN or infinite values."""
    rows = np.flatnonzero(kernels.nonfinite_rows(matrix, columns))  # one parallel pass, no mask
    if rows.size:
        part = matrix[rows] if columns is None else matrix[np.ix_(rows, columns)]
        raise InputError(
            f"{what} holds {int((~np.isfinite(part)).sum())} non-finite values in {rows.size} "
            f"tumours (first: row {rows[0]}); expression must be finite. Fill or drop them first."
        )


def collect(
    signatures: str | Signature | Sequence[str | Signature] | Mapping | None,
    *,
    min_coverage: float | None = None,
) -> list[Signature]:
    """Turn the user's ``signatures`` argument into Signature records.

    None: every catalog signature except RSI (scored by ``score_rsi``). A string: a catalog
    name. A mapping: name -> list of genes (a gene set) or a Signature.
    """
    if signatures is None:
        chosen = [s for s in load_catalog().values() if s.rule.method != "rsi_rank"]
    elif isinstance(signatures, str | Signature):
        chosen = [get_signature(signatures) if isinstance(signatures, str) else signatures]
    elif isinstance(signatures, Mapping):
        chosen = []
        for name, value in signatures.items():
            if isinstance(value, Signature):
                chosen.append(value)
            elif isinstance(value, str) or not isinstance(value, Sequence):
                raise InputError(
                    f"signature {name!r}: expected a list of genes, got {type(value).__name__}."
                )
            else:
                chosen.append(gene_set(str(name), list(value), min_coverage=min_coverage))
    else:
        chosen = [get_signature(s) if isinstance(s, str) else s for s in signatures]
    names = [s.name for s in chosen]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise InputError(f"signatures given twice: {', '.join(duplicated)}.")
    if not chosen:
        raise InputError("no signatures to score.")
    return chosen


def resolver(adata: AnnData) -> GeneResolver:
    """Return a gene resolver over ``adata.var`` (index and optional ``symbol`` column)."""
    return GeneResolver.for_data(adata)


def score_label(signature: Signature, method: str) -> str:
    """How a signature's scores are labelled (e.g. in reference statistics): its rule, or for a
    plain gene set the single-sample method that scored it (``singscore``, ``ssgsea``)."""
    return method if signature.rule.method == "gene_set" else signature.rule.method


def gene_key(signature: Signature, i: int) -> str:
    """Return the key of a signature gene in reference statistics: Ensembl ID, else symbol."""
    gene = signature.genes[i]
    return gene.ensembl or (gene.symbol or "").upper()


@dataclass
class Scored:
    """One signature's scores with its coverage bookkeeping."""

    signature: Signature
    match: SignatureMatch
    scores: np.ndarray
    coverage: float
    reason: str | None


def threshold(signature: Signature, min_coverage: float | None) -> float:
    """Return the fraction of a signature's genes that must be usable for it to be scored."""
    if signature.rule.method == "rsi_rank":
        return 1.0  # RSI needs all 10 genes, whatever the caller asks
    return signature.rule.min_coverage if min_coverage is None else min_coverage


def advice(signature: Signature) -> str:
    """Return what a user can do when a signature falls short of its coverage."""
    full = (
        "quantify the full transcriptome and score before filtering genes (e.g. to the most "
        "variable ones)"
    )
    if signature.rule.method == "rsi_rank":
        return (
            f"{signature.name} needs all {len(signature.genes)} of its genes (no partial score; "
            f"GARD and models using {signature.name} need it too): {full}"
        )
    return f"{full}, or lower min_coverage knowingly (the score is then not the published one)"


def score(
    adata: AnnData,
    signatures: list[Signature],
    *,
    layer: str | None,
    method: str,
    ties: str,
    reference,
    min_coverage: float | None,
    scale: Scale,
    report: bool = True,
) -> list[Scored]:
    """Score every signature on ``adata``; reference statistics only where a rule needs them.

    ``reference`` is a :class:`~rtpredict.tl.ReferenceStatistics` or None. ``scale`` is the
    matrix's (`rtpredict.tl._scale.input_scale`): a signature not valid on it, or a reference
    computed on another scale, is refused with an InputError. ``report`` logs why a
    signature is scored NaN (off for internal runs, so each problem is logged once).
    """
    if method not in GENE_SET_METHODS:
        raise InputError(f"method must be one of {GENE_SET_METHODS}, got {method!r}.")
    if reference is None and any(s.needs_reference for s in signatures):
        raise ValueError("reference statistics are required for median_dichotomy and mean_z")
    require_scale(signatures, scale)
    relative = sorted(s.name for s in signatures if s.needs_reference)
    if relative and reference.scale != scale.name:
        raise InputError(
            f"{', '.join(relative)} compare each tumour with reference statistics computed on "
            f"the {reference.scale} scale, but this matrix is {scale}. Build the reference "
            "from a cohort on the same scale (rtpredict.tl.reference_statistics), or state "
            "this matrix's scale with scale= if it was misdetected."
        )
    X = expression(adata, layer)
    genes = resolver(adata)
    n = adata.n_obs
    matches = {s.name: genes.match(s) for s in signatures}
    columns: dict[str, np.ndarray] = {}  # usable column per gene (-1: unusable)
    reasons: dict[str, str | None] = {}
    for s in signatures:
        match = matches[s.name]
        usable = match.indices.copy()
        lacking = []
        if s.needs_reference:
            for i in np.flatnonzero(usable >= 0):
                if not reference.has_gene(gene_key(s, i), s.rule.method):
                    usable[i] = -1
                    lacking.append(s.genes[i].label)
        coverage = float((usable >= 0).mean())
        floor = threshold(s, min_coverage)
        reason = None
        if coverage < floor:
            missing = [g.label for g, c in zip(s.genes, match.indices, strict=True) if c < 0]
            parts = [f"not in the data: {', '.join(missing)}"] if missing else []
            parts += [f"no reference statistics: {', '.join(lacking)}"] if lacking else []
            reason = f"coverage {coverage:.2f} < {floor:.2f}: " + "; ".join(parts + match.notes)
            if report:
                logger.warning("%s scored NaN: %s. To score it, %s.", s.name, reason, advice(s))
        elif match.notes and report:
            logger.info("%s: %s", s.name, "; ".join(match.notes))
        columns[s.name] = usable
        reasons[s.name] = reason

    scores = {s.name: np.full(n, np.nan) for s in signatures}
    live = [s for s in signatures if reasons[s.name] is None]
    rank_sets = [s for s in live if s.rule.method == "gene_set"]
    rsi_sets = [s for s in live if s.rule.method == "rsi_rank"]
    tpm_sets = [s for s in live if s.rule.method == "geometric_mean"]
    log_sets = [s for s in live if s not in rank_sets + rsi_sets + tpm_sets]

    if rank_sets:
        require_finite(X, None, "the expression matrix")
        indptr, indices = kernels.sets_to_csr([_found(columns[s.name]) for s in rank_sets])
        sing, ssg = kernels.rank_set_scores(
            X,
            indptr,
            indices,
            ties=ties,
            singscore=method == "singscore",
            ssgsea=method == "ssgsea",
        )
        out = sing if method == "singscore" else ssg
        for k, s in enumerate(rank_sets):
            scores[s.name] = out[:, k]
    for s in rsi_sets:
        require_finite(X, _found(columns[s.name]), f"{s.name} genes")
        scores[s.name] = kernels.rsi_rank(X, columns[s.name], np.array(s.weights))
    if log_sets:
        _score_rules(X, log_sets, columns, reference, scores)
    if tpm_sets:
        _score_rules(tpm(adata, X, scale), tpm_sets, columns, reference, scores)
    return [
        Scored(
            s,
            matches[s.name],
            scores[s.name],
            float((columns[s.name] >= 0).mean()),
            reasons[s.name],
        )
        for s in signatures
    ]


def _found(usable: np.ndarray) -> np.ndarray:
    return usable[usable >= 0]


def _score_rules(matrix, sets, columns, reference, scores) -> None:
    """One multi-rule kernel call for all expression-scale signatures on ``matrix``."""
    used = np.unique(np.concatenate([_found(columns[s.name]) for s in sets]))
    require_finite(matrix, used, "the expression of the signature genes")
    members, codes, a, b = [], [], [], []
    for s in sets:
        usable = columns[s.name]
        keep = np.flatnonzero(usable >= 0)
        members.append(usable[keep])
        codes.append(kernels.CODES[s.rule.method])
        if s.rule.method == "median_dichotomy":
            a.append([reference.gene(gene_key(s, i))["median"] for i in keep])
            b.append(np.ones(keep.size))
        elif s.rule.method == "mean_z":
            a.append([reference.gene(gene_key(s, i))["mean"] for i in keep])
            b.append([reference.gene(gene_key(s, i))["sd"] for i in keep])
        elif s.rule.method == "weighted_sum":
            a.append([s.genes[i].weight for i in keep])
            b.append(np.ones(keep.size))
        elif s.rule.method == "geometric_mean":
            a.append(np.full(keep.size, s.rule.offset))
            b.append(np.ones(keep.size))
        else:
            a.append(np.zeros(keep.size))
            b.append(np.ones(keep.size))
    indptr, indices = kernels.sets_to_csr(members)
    out = kernels.set_scores(
        matrix,
        indptr,
        indices,
        np.array(codes),
        np.concatenate([np.asarray(x, dtype=np.float64) for x in a]),
        np.concatenate([np.asarray(x, dtype=np.float64) for x in b]),
    )
    for k, s in enumerate(sets):
        scores[s.name] = out[:, k]
