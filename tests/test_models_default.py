"""The shipped recurrence model: loads with its checks, predicts, and is reproducible."""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rtpredict.errors import InputError
from rtpredict.models import UnseenCategoryWarning, available_defaults, load_default

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("RTPREDICT_SHARED", Path(__file__).resolve().parents[2] / "shared"))
CSV = SHARED / "data" / "gard_pooled_cohort" / "gard_pooled_dev.csv"


def _script():
    spec = importlib.util.spec_from_file_location(
        "train_default_model", ROOT / "scripts" / "train_default_model.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def model():
    return load_default("recurrence")


def _tumours():
    return pd.DataFrame(
        {
            "rsi": [0.2, 0.5, 0.7, 0.45],
            "dose_per_fraction": [2.0, 2.0, 2.0, 2.0],
            "fractions": [33.0, 30.0, 25.0, 35.0],
            "site": pd.Categorical(["head_and_neck", "breast", "endometrium", "melanoma"]),
            "received_rt": [1, 1, 1, 0],
        },
        index=["P1", "P2", "P3", "P4"],
    ).assign(gard=lambda d: _script().gard(d.rsi, d.dose_per_fraction, d.fractions))


def test_default_model_is_listed_and_labelled(model):
    assert available_defaults() == ["demo_recurrence", "recurrence"]
    card = model.card_
    assert "Research use only" in card["intended_use"]
    assert card["trained_on"].startswith("real patients: 1015")
    assert "MIT" in card["licence"]
    assert card["training"]["n"] == 1015
    assert card["training"]["n_events"] == 281
    assert list(model.feature_names_in_) == [
        "rsi",
        "gard",
        "dose_per_fraction",
        "fractions",
        "site",
        "received_rt",
    ]
    assert (ROOT / "rtpredict" / "data" / "models" / "LICENSE-gard-pooled-data.txt").exists()


def test_card_reports_leave_one_cohort_out_against_gard(model):
    validation = model.card_["validation"]
    assert validation["scheme"]["cv"] == "cohort"
    assert validation["primary_metric"] == "c_index_within_cohort"
    rows = {(r["predictor"], r["metric"]): r for r in validation["metrics"]}
    for predictor in ("model", "gard", "gard_cox", "gard_cox_by_cohort"):
        row = rows[(predictor, "c_index_within_cohort")]
        assert row["lower"] <= row["estimate"] <= row["upper"]
    assert {r["cohort"] for r in validation["per_cohort"]} == {
        "Breast (Erasmus)",
        "Breast (NKI)",
        "Endometrium (TCC)",
        "Head & Neck (NKI)",
        "Melanoma (TCC)",
        "TNBC (MCC)",
    }
    assert validation["random_sets"]["status"] == "skipped"  # no expression data


def test_default_model_predicts_with_uncertainty(model):
    out = model.predict_uncertainty(_tumours())
    assert out.event_probability.between(0, 1).all()
    assert (out.event_probability_lower <= out.event_probability_upper).all()
    assert out.percentile.between(0, 100).all()
    glioma = _tumours().assign(site=["glioma", "breast", "breast", "breast"])
    with pytest.warns(UnseenCategoryWarning, match="glioma"):
        assert np.isfinite(model.predict(glioma)).all()


def test_unknown_default_is_refused():
    with pytest.raises(InputError, match="available"):
        load_default("overall_survival")


def test_gard_helper_matches_spec_anchors():
    gard = _script().gard
    assert gard(0.3, 2.0, 30) == pytest.approx(36.12, abs=0.005)
    assert gard(0.3, 2.0, 25) == pytest.approx(30.10, abs=0.005)
    assert gard(0.5, 2.0, 30) == pytest.approx(20.79, abs=0.005)


@pytest.mark.skipif(not CSV.exists(), reason=f"shared GARD data not found at {CSV}")
def test_shipped_model_is_reproducible_from_the_shared_data(model):
    script = _script()
    data, record = script.prepare(CSV)
    assert len(data) == record["eligible"] == 1015
    assert record["excluded_no_recurrence_data"] == {"Glioma (TCGA)": 244}
    assert record["negative_os_time_rows"] == ["gard_dev_0777"]
    assert record["gard_max_abs_difference_vs_authors"] < 1e-9
    card = model.card_
    assert record["csv_sha256"] in card["data_source"]
    register = card["sample_id_register"]
    key = register["salt"].encode()
    expected = [hmac.new(key, i.encode(), hashlib.sha256).hexdigest() for i in data.index]
    assert register["hashes"] == expected  # the data-use register lists exactly these patients
    refit = script.model().set_params(n_bootstrap=0).fit(data)
    booster = bytes(refit.booster_.save_raw("json"))
    assert hashlib.sha256(booster).hexdigest() == card["files"]["model"]["sha256"]


def test_demo_model_is_labelled_simulated_and_ships_its_reference():
    from rtpredict.models import default_reference
    from rtpredict.tl import ReferenceStatistics

    model = load_default("demo_recurrence")
    assert "SIMULATED" in model.card_["trained_on"]
    assert "simulated data only" in model.card_["intended_use"]
    random_sets = model.card_["validation"]["random_sets"]
    assert random_sets["model_percentile"] >= 95
    stats = ReferenceStatistics.load(default_reference("demo_recurrence"))
    assert stats.n_tumours == 600
