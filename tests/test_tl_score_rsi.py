"""score_rsi on AnnData: the published rule, gene matching, missing genes, bookkeeping."""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np
import pandas as pd
import pytest
from scipy.stats import rankdata

from rtpredict import tl as rtl
from rtpredict.signatures import get_signature

RSI = get_signature("rsi")


def rsi_cohort(n: int, seed: int, *, versioned: bool = False) -> ad.AnnData:
    """Tumours x (10 RSI genes + background), integer-valued TPM so that ties occur."""
    rng = np.random.default_rng(seed)
    ids = [g.ensembl for g in RSI.genes] + [f"RTPSIMG{i:06d}" for i in range(40)]
    symbols = [g.symbol for g in RSI.genes] + [f"SIM{i}" for i in range(40)]
    tpm = rng.integers(0, 8, size=(n, len(ids))).astype(np.float32)
    var = pd.DataFrame(
        {"symbol": symbols},
        index=[f"{i}.{k % 3 + 1}" if versioned else i for k, i in enumerate(ids)],
    )
    obs = pd.DataFrame(index=[f"T{i}" for i in range(n)])
    return ad.AnnData(np.log1p(tpm), obs=obs, var=var, layers={"tpm": tpm})


def twin(adata: ad.AnnData) -> np.ndarray:
    """The published rule in plain NumPy: rank the 10 genes, sum coefficient x rank."""
    X = np.asarray(adata.X[:, :10], dtype=np.float64)
    return rankdata(X, axis=1) @ np.array(RSI.weights)


def test_rsi_follows_the_published_rule_with_ties():
    adata = rsi_cohort(300, seed=1)
    rtl.score_rsi(adata)
    np.testing.assert_allclose(adata.obs["rsi"], twin(adata), rtol=0, atol=1e-14)
    assert (adata.obs["rsi_coverage"] == 1.0).all()
    assert adata.obs["rsi"].between(-0.605, 1.219).all()
    assert adata.uns["rsi"]["matched_by"]["ABL1"] == "ensembl"
    # the same on TPM (ranks only) and with versioned IDs or symbols as var names
    rtl.score_rsi(adata, layer="tpm", key_added="rsi_tpm")
    np.testing.assert_array_equal(adata.obs["rsi_tpm"], adata.obs["rsi"])
    versioned = rsi_cohort(300, seed=1, versioned=True)
    rtl.score_rsi(versioned)
    np.testing.assert_array_equal(versioned.obs["rsi"], adata.obs["rsi"])
    by_symbol = ad.AnnData(adata.X, obs=adata.obs[[]], var=pd.DataFrame(index=adata.var["symbol"]))
    rtl.score_rsi(by_symbol)
    np.testing.assert_array_equal(by_symbol.obs["rsi"], adata.obs["rsi"])


def test_all_ten_tied_gives_0_3070():
    adata = rsi_cohort(3, seed=2)
    adata.X[:, :10] = 1.0
    rtl.score_rsi(adata)
    np.testing.assert_allclose(adata.obs["rsi"], 0.3070, atol=5e-5)


def test_a_missing_gene_gives_nan_never_a_nine_gene_rsi(caplog):
    adata = rsi_cohort(5, seed=3)
    adata = adata[:, adata.var["symbol"] != "PAK2"].copy()
    with caplog.at_level(logging.WARNING, logger="rtpredict.tl"):
        rtl.score_rsi(adata)
    assert adata.obs["rsi"].isna().all()
    assert (adata.obs["rsi_coverage"] == 0.9).all()
    assert "rsi scored NaN" in caplog.text
    assert "PAK2" in caplog.text
    assert adata.uns["rsi"]["missing"] == ["PAK2"]


def test_copy_and_key_added():
    adata = rsi_cohort(4, seed=4)
    out = rtl.score_rsi(adata, key_added="my_rsi", copy=True)
    assert "my_rsi" in out.obs
    assert "my_rsi_coverage" in out.obs
    assert out.uns["my_rsi"]["params"] == {"key_added": "my_rsi"}
    assert "my_rsi" not in adata.obs
    assert rtl.score_rsi(adata) is None


def test_nan_expression_in_an_rsi_gene_is_refused():
    adata = rsi_cohort(4, seed=5)
    adata.X[1, 2] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        rtl.score_rsi(adata)
