"""tl.gard: dose plan from obs or arguments, target fractions, the authors' pooled cohort."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from rtpredict import radiobiology
from rtpredict import tl as rtl
from rtpredict.errors import InputError


def planned(rsi, d, n) -> ad.AnnData:
    obs = pd.DataFrame(
        {"rsi": rsi, "dose_per_fraction": d, "fractions": n},
        index=[f"T{i}" for i in range(len(rsi))],
    )
    return ad.AnnData(np.zeros((len(rsi), 1), np.float32), obs=obs)


def test_gard_from_obs_plan_and_fractions_to_target():
    adata = planned([0.3, 0.5, 0.3], [2.0, 2.0, 1.8], [30, 30, 32.5])
    rtl.gard(adata, target_gard=36.12)
    np.testing.assert_allclose(
        adata.obs["gard"], radiobiology.gard([0.3, 0.5, 0.3], [2, 2, 1.8], [30, 30, 32.5])
    )
    assert adata.obs["gard"].iloc[0] == pytest.approx(36.12, abs=5e-3)
    np.testing.assert_allclose(
        radiobiology.gard(
            adata.obs["rsi"], adata.obs["dose_per_fraction"], adata.obs["gard_fractions_to_target"]
        ),
        36.12,
    )
    assert adata.uns["gard"]["params"]["target_gard"] == 36.12


def test_arguments_override_obs_and_missing_columns_are_named():
    adata = planned([0.3, 0.5], [np.nan, 2.0], [30, 30])
    rtl.gard(adata, dose_per_fraction=2.0, fractions=np.array([25, 30]), key_added="g")
    assert adata.obs["g"].tolist() == pytest.approx([30.0993, 20.7944], abs=1e-4)
    assert "g_fractions_to_target" not in adata.obs
    bare = ad.AnnData(np.zeros((2, 1)), obs=pd.DataFrame({"rsi": [0.3, 0.4]}, index=["a", "b"]))
    with pytest.raises(InputError, match="'dose_per_fraction'"):
        rtl.gard(bare)
    with pytest.raises(InputError, match="score_rsi"):
        rtl.gard(bare, rsi_key="missing", dose_per_fraction=2, fractions=30)
    with pytest.raises(InputError, match="one value per tumour"):
        rtl.gard(bare, dose_per_fraction=[2, 2, 2], fractions=30)


def test_missing_rsi_or_plan_gives_nan_and_is_logged(caplog):
    adata = planned([0.3, np.nan, 0.4], [2.0, 2.0, np.nan], [30, 30, 30])
    with caplog.at_level(logging.INFO, logger="rtpredict.tl"):
        out = rtl.gard(adata, target_gard=30, copy=True)
    assert out.obs["gard"].isna().tolist() == [False, True, True]
    assert "1 tumours without RSI and 1 without a dose plan" in caplog.text
    assert "gard" not in adata.obs


def test_out_of_range_rsi_warns():
    adata = planned([0.3, -0.1], [2.0, 2.0], [30, 30])
    with pytest.warns(radiobiology.RadiobiologyWarning, match="RSI"):
        rtl.gard(adata)
    assert np.isnan(adata.obs["gard"].iloc[1])


def test_pooled_cohort_through_anndata():
    shared = Path(
        os.environ.get("RTPREDICT_SHARED", Path(__file__).resolve().parents[2] / "shared")
    )
    path = shared / "data" / "gard_pooled_cohort" / "gard_pooled_dev.csv"
    if not path.is_file():
        pytest.skip(f"{path} not found (set RTPREDICT_SHARED to the shared folder)")
    data = pd.read_csv(path)
    adata = planned(data["RSI"].to_numpy(), data["d"].to_numpy(), data["n"].to_numpy())
    rtl.gard(adata)
    assert np.abs(adata.obs["gard"].to_numpy() - data["GARD"].to_numpy()).max() < 1e-9
