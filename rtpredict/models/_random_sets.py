"""Random gene-set controls: the same model built on random genes of the same sizes.

Published radiotherapy signatures often do no better than random gene sets of the same size
(O'Connor JD et al., RadSigBench, Brief Bioinform 2022;23:bbab561). For each control, a model's
raw gene features are replaced by as many random genes, and each signature-score feature by the
score of a random gene set of that signature's size, computed by an injectable ``score_fn``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import sparse

if TYPE_CHECKING:
    from anndata import AnnData

#: ``score_fn(adata, {feature: gene IDs}) -> DataFrame`` (tumours x features)
ScoreFn = Callable[[object, Mapping[str, Sequence[str]]], pd.DataFrame]


def mean_log_expression(adata: AnnData, gene_sets: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Score each gene set as the mean of ``X`` (log1p TPM) over its genes present.

    A simple ``score_fn`` for random gene-set controls, scale-free enough for tree models; pass
    it to ``cross_validate(score_fn=...)``. The default is
    :func:`rtpredict.tl.score_as_signatures`, which scores each random set by the rule of the
    signature it stands in for (like for like).

    Parameters
    ----------
    adata
        Tumours x genes, log1p TPM in ``X``.
    gene_sets
        Set name -> gene IDs (var names); genes not in ``adata`` are skipped.

    Returns
    -------
    pandas.DataFrame
        Tumours x sets; NaN for a set with no gene present.
    """
    out = {}
    for name, genes in gene_sets.items():
        index = adata.var_names.get_indexer(list(genes))
        values = adata.X[:, index[index >= 0]]
        values = values.toarray() if sparse.issparse(values) else np.asarray(values)
        out[name] = values.mean(axis=1) if values.shape[1] else np.full(adata.n_obs, np.nan)
    return pd.DataFrame(out, index=adata.obs_names)


@dataclass(frozen=True)
class RandomSetPlan:
    """What a random control replaces: the model's raw genes and its signature-score features."""

    genes: tuple[str, ...]
    signature_sizes: dict[str, int]
    pool: np.ndarray

    def draw(self, rng: np.random.Generator) -> tuple[list[str], dict[str, list[str]]]:
        """Draw random genes for the raw-gene features and a random set per signature feature."""
        genes = list(rng.choice(self.pool, size=len(self.genes), replace=False))
        sets = {
            name: list(rng.choice(self.pool, size=size, replace=False))
            for name, size in self.signature_sizes.items()
        }
        return genes, sets


def plan_random_sets(
    data, genes: Sequence[str], features: Sequence[str], signature_genes: Mapping | None
) -> RandomSetPlan | str:
    """Plan the random controls of a model, or return why none apply."""
    if not (hasattr(data, "var_names") and hasattr(data, "obs")):
        return "needs an AnnData with an expression matrix (the data is a table)"
    signature_genes = signature_genes or {}
    var = pd.Index(data.var_names)
    sizes = {
        f: int(var.isin(list(signature_genes[f])).sum()) for f in features if f in signature_genes
    }
    sizes = {f: n for f, n in sizes.items() if n > 0}
    if not genes and not sizes:
        return (
            "the model has no gene features and no signature-score feature with known genes "
            "(pass signature_genes={feature: gene IDs})"
        )
    used = set(genes).union(*(set(signature_genes[f]) for f in sizes))
    pool = np.asarray([g for g in var if g not in used], dtype=object)
    needed = max([len(genes), *sizes.values()])
    if pool.size < needed:
        return f"only {pool.size} genes outside the model's own to draw {needed} from"
    return RandomSetPlan(tuple(genes), sizes, pool)


def random_variant(
    data,
    genes: Sequence[str],
    sets: Mapping[str, Sequence[str]],
    score_fn: ScoreFn,
    *,
    layer: str | None = None,
) -> pd.DataFrame:
    """Return the tumour table with random genes (from ``layer``) as columns and signature
    features rescored by ``score_fn``."""
    table = data.obs.copy()
    if sets:
        scores = score_fn(data, sets)
        for name in sets:
            table[name] = scores[name].to_numpy()
    if genes:
        index = data.var_names.get_indexer(list(genes))
        matrix = data.X if layer is None else data.layers[layer]
        values = matrix[:, index]
        values = values.toarray() if sparse.issparse(values) else np.asarray(values)
        table = pd.concat(
            [table, pd.DataFrame(values, index=table.index, columns=list(genes))], axis=1
        )
    return table
