"""Random-control scoring: a gene set is scored by the rule of the signature it stands in for."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from rtpredict import tl
from rtpredict.simulate import simulate_anndata
from rtpredict.tl import CohortRelativeWarning


@pytest.fixture(scope="module")
def adata():
    return simulate_anndata(40, seed=5, n_background_genes=40)


def test_catalog_genes_scored_as_signatures_equal_the_signatures(adata):
    names = ["rsi", "buffa_hypoxia", "toustrup_hypoxia", "eustace_hypoxia", "ifng_6"]
    genes = tl.catalog_feature_genes(adata, names)
    assert len(genes["rsi"]) == 10
    assert len(genes["buffa_hypoxia"]) == 51
    as_sets = tl.score_as_signatures(adata, genes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CohortRelativeWarning)
        scored = tl.score_signatures(adata, names, copy=True)
    for name in names:
        np.testing.assert_allclose(as_sets[name], scored.obs[name], rtol=1e-6, err_msg=name)


def test_random_sets_use_the_rule_of_their_signature(adata):
    rng = np.random.default_rng(0)
    pool = np.asarray(adata.var_names)
    sets = {
        "buffa_hypoxia": list(rng.choice(pool, 51, replace=False)),
        "rsi": list(rng.choice(pool, 10, replace=False)),
        "my_set": list(rng.choice(pool, 20, replace=False)),
    }
    scores = tl.score_as_signatures(adata, sets)
    buffa = scores["buffa_hypoxia"].to_numpy()
    assert np.all(np.abs(buffa) <= 51)
    assert np.all(buffa % 2 == 1), "51 genes of ±1 sum to an odd number: median dichotomy"
    assert scores["rsi"].between(-0.61, 1.22).all(), "RSI rank model range"
    assert scores["my_set"].between(-0.5, 0.5).all(), "singscore of a plain gene set"
