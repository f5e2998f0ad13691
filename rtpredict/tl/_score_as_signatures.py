"""Score arbitrary gene sets with the rules of the catalog signatures they stand in for."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import replace

import pandas as pd
from anndata import AnnData

from rtpredict.signatures import Gene, GeneResolver, gene_set, load_catalog, signature_columns
from rtpredict.tl._score_signatures import CohortRelativeWarning, score_signatures


def score_as_signatures(adata: AnnData, gene_sets: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Score each gene set by the rule of the catalog signature of the same name.

    The like-for-like scorer of random gene-set controls (O'Connor et al., RadSigBench, Brief
    Bioinform 2022): a random set standing in for ``buffa_hypoxia`` is scored by median
    dichotomy, one standing in for ``rsi`` by the RSI rank model with the published weights in
    order, and so on; a column the scoring tools linked to a catalog signature
    (``hx_buffa_hypoxia`` scored with ``key_added="hx"``) is scored by that signature's rule; any
    other name as a plain gene set (singscore).
    Reference statistics of cohort-relative rules come from ``adata`` itself (no warning: the
    controls are compared within one cohort). The expression scale is the one the scoring tools
    were told (``scale=``, recorded in ``uns[key]["scale"]``) for these columns, else detected.

    Parameters
    ----------
    adata
        Tumours × genes; not modified.
    gene_sets
        Feature name -> genes (``adata.var_names``), e.g. from :func:`catalog_feature_genes`
        with the genes drawn at random.

    Returns
    -------
    pandas.DataFrame
        Tumours × gene sets.
    """
    catalog = load_catalog()
    links = signature_columns(adata)
    signatures = []
    for name, genes in gene_sets.items():
        template = catalog.get(links.get(name, name))
        if template is None:
            signatures.append(gene_set(name, list(genes)))
            continue
        weights = template.weights if template.rule.method in ("rsi_rank", "weighted_sum") else None
        members = tuple(
            replace(Gene.from_identifier(str(g)), weight=None if weights is None else weights[i])
            for i, g in enumerate(genes)
        )
        signatures.append(replace(template, name=name, genes=members, source="random control"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CohortRelativeWarning)
        scored = score_signatures(
            adata, signatures, scale=_declared_scale(adata, gene_sets), copy=True
        )
    return scored.obs[list(gene_sets)].copy()


def _declared_scale(adata: AnnData, names) -> str | None:
    """Return the ``scale=`` the scoring tools were given for any of the columns ``names``
    (their ``uns`` record), or None when they detected it."""
    for record in adata.uns.values():
        if not isinstance(record, Mapping) or not isinstance(record.get("columns"), Mapping):
            continue
        scale = record.get("scale")
        linked = bool(set(record["columns"]) & set(names))
        if linked and isinstance(scale, Mapping) and scale.get("source") == "declared":
            return str(scale["name"])
    return None


def catalog_feature_genes(adata: AnnData, features: Sequence[str]) -> dict[str, list[str]]:
    """Return, for each feature holding a catalog signature, its genes found in ``adata``.

    A feature holds a signature when named after it or linked to it by the scoring tools
    (:func:`rtpredict.signatures.signature_columns`, e.g. a ``key_added`` prefix). The genes are
    given as ``adata.var_names``, ready for random gene-set controls.

    Parameters
    ----------
    adata
        Tumours × genes, scored by the scoring tools.
    features
        Feature (obs column) names, e.g. a model's features.

    Returns
    -------
    dict of str to list of str
        Feature -> its signature's genes in ``adata``; features holding no catalog signature
        are left out.
    """
    catalog = load_catalog()
    links = signature_columns(adata)
    symbols = adata.var["symbol"].tolist() if "symbol" in adata.var else None
    resolver = GeneResolver(list(adata.var_names), symbols)
    out = {}
    for name in features:
        signature = catalog.get(links.get(name, name))
        if signature is not None:
            notes: list[str] = []
            columns = [resolver.resolve(g, notes)[0] for g in signature.genes]
            out[name] = [str(adata.var_names[i]) for i in columns if i >= 0]
    return out
