"""``signature_coverage``: which signature genes a matrix holds, before anything is scored."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import pandas as pd
from anndata import AnnData

from rtpredict.signatures import Signature, load_catalog
from rtpredict.tl import _scoring


class CoverageWarning(UserWarning):
    """A signature will not be scored: too few of its genes are in the data."""


def signature_coverage(
    adata: AnnData,
    signatures: str | Signature | Sequence[str | Signature] | Mapping | None = None,
    *,
    min_coverage: float | None = None,
    warn: bool = True,
) -> pd.DataFrame:
    """Report, per signature, how many of its genes the matrix holds and whether it will be scored.

    Run it on your own matrix before :func:`score_signatures` and :func:`score_rsi`: a matrix
    filtered to the most variable genes often lacks whole signatures. Genes are resolved as the
    scoring tools do (Ensembl IDs, symbols, aliases). Guidance for a signature below its
    minimum: quantify the full transcriptome and score before filtering genes, or lower
    ``min_coverage`` knowingly where the rule allows it. RSI (and so GARD and any model using
    them) needs all 10 RSI genes and is never scored on fewer.

    Parameters
    ----------
    adata
        Tumours x genes, as for :func:`score_signatures`.
    signatures
        As in :func:`score_signatures`; None: the whole catalog, RSI included.
    min_coverage
        The override you would pass to :func:`score_signatures` (RSI always needs 1.0).
    warn
        Emit one :class:`CoverageWarning` per signature that will not be scored, naming its
        missing genes and what to do.

    Returns
    -------
    DataFrame indexed by signature: ``rule``, ``n_genes``, ``n_found``, ``coverage``,
    ``min_coverage`` (the minimum that applies), ``scored`` (coverage reaches it), ``missing``
    (labels of the genes not found) and ``notes`` (ambiguous names).
    Reference-cohort rules (Buffa, Toustrup) may further lose genes the reference statistics
    lack; :func:`score_signatures` reports those.
    """
    chosen = (
        list(load_catalog().values())
        if signatures is None
        else _scoring.collect(signatures, min_coverage=min_coverage)
    )
    genes = _scoring.resolver(adata)
    rows = {s.name: _row(s, genes.match(s), min_coverage) for s in chosen}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "signature"
    if warn:
        for s in chosen:
            if not rows[s.name]["scored"]:
                warnings.warn(_message(s, rows[s.name]), CoverageWarning, stacklevel=2)
    return table


def _row(signature: Signature, match, min_coverage: float | None) -> dict:
    floor = _scoring.threshold(signature, min_coverage)
    missing = [g.label for g, c in zip(signature.genes, match.indices, strict=True) if c < 0]
    return {
        "rule": signature.rule.method,
        "n_genes": len(signature.genes),
        "n_found": match.n_found,
        "coverage": match.coverage,
        "min_coverage": floor,
        "scored": match.coverage >= floor,
        "missing": missing,
        "notes": list(match.notes),
    }


def _message(signature: Signature, row: dict) -> str:
    return (
        f"{signature.name} will not be scored: {row['n_found']} of {row['n_genes']} genes in "
        f"the data (coverage {row['coverage']:.2f} < {row['min_coverage']:.2f}); missing: "
        f"{', '.join(row['missing'])}. To score it, {_scoring.advice(signature)}."
    )
