"""Saving and loading: identical predictions, checksums, schema checks, no pickle anywhere."""

from __future__ import annotations

import ast
import hashlib
import json
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest

import rtpredict
from rtpredict import tl
from rtpredict.errors import InputError
from rtpredict.models import (
    RadiosensitivityModel,
    load_model,
    prediction_table,
    save_model,
)

FAST = {"n_estimators": 25, "max_depth": 2, "learning_rate": 0.2}


def _cohort(n=150, seed=1):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "rsi": rng.uniform(0.1, 0.8, n),
            "gard": rng.normal(30, 8, n),
            "site": rng.choice(["breast", "glioma", "endometrium"], n),
            "dna_tp53_mutated": np.where(rng.uniform(size=n) < 0.3, np.nan, 1.0),
            "cohort": rng.choice(["A", "B"], n),
        },
        index=[f"T{i:03d}" for i in range(n)],
    )
    lp = 2 * df.rsi - 0.03 * df.gard + (df.site == "glioma")
    t = rng.exponential(np.exp(-lp) * 4)
    c = rng.uniform(0.5, 8, n)
    df["recurrence_event"] = (t <= c).astype(int)
    df["recurrence_years"] = np.minimum(t, c)
    df["response"] = (rng.uniform(size=n) < 0.5).astype(int)
    return df


FEATURES = ["rsi", "gard", "site", "dna_tp53_mutated"]


@pytest.fixture(scope="module")
def fitted():
    df = _cohort()
    model = RadiosensitivityModel(
        "recurrence", features=FEATURES, horizon=3.0, n_bootstrap=3, id_salt="x", **FAST
    )
    return model.fit(df), df


@pytest.fixture
def saved(fitted, tmp_path):
    model, df = fitted
    card = save_model(model, tmp_path / "model.json", info={"name": "test", "trained_on": "sim"})
    return card, model, df


def test_save_load_gives_identical_predictions(saved):
    card, model, df = saved
    loaded = load_model(card)
    assert np.array_equal(loaded.predict(df), model.predict(df))
    assert loaded.predict_uncertainty(df).equals(model.predict_uncertainty(df))
    assert loaded.predict_survival(df, [1, 2, 5]).equals(model.predict_survival(df, [1, 2, 5]))
    assert loaded.explain(df).equals(model.explain(df))
    assert load_model(card.with_name("model.json")).get_params() == model.get_params()


def test_binary_model_roundtrip(tmp_path):
    df = _cohort(seed=2)
    model = RadiosensitivityModel("response", features=FEATURES, n_bootstrap=2, **FAST).fit(df)
    loaded = load_model(save_model(model, tmp_path / "b.json"))
    assert np.array_equal(loaded.predict(df), model.predict(df))
    assert loaded.predict_uncertainty(df).equals(model.predict_uncertainty(df))


def test_card_contents(saved):
    card_path, _, df = saved
    card = json.loads(card_path.read_text())
    model_bytes = card_path.with_name("model.json").read_bytes()
    assert card["files"]["model"]["sha256"] == hashlib.sha256(model_bytes).hexdigest()
    assert card["files"]["bootstrap"]["n"] == 3
    assert "Research use only" in card["intended_use"]
    assert card["target"] == {
        "name": "recurrence",
        "kind": "survival",
        "objective": "survival:cox",
        "columns": ["recurrence_event", "recurrence_years"],
        "time_unit": "years",
        "positive": None,
        "horizon_years": 3.0,
    }
    schema = card["feature_schema"]["features"]
    assert [f["name"] for f in schema] == FEATURES
    assert schema[2] == {
        "name": "site",
        "kind": "categorical",
        "categories": ["breast", "endometrium", "glioma"],
    }
    assert card["training"]["n"] == len(df)
    assert card["training"]["n_events"] == int(df.recurrence_event.sum())
    assert card["training"]["sites"] == df.site.value_counts().sort_index().to_dict()
    assert card["training"]["cohorts"] == {
        "A": (df.cohort == "A").sum(),
        "B": (df.cohort == "B").sum(),
    }
    assert card["training"]["missing"] == {
        "dna_tp53_mutated": int(df.dna_tp53_mutated.isna().sum())
    }
    assert len(card["sample_id_register"]["hashes"]) == len(df)
    assert "T000" not in card_path.read_text()
    assert card["params"]["random_state"] == 0
    assert card["versions"]["xgboost"]
    assert card["name"] == "test"
    assert len(card["state"]["training_prediction_quantiles"]) == 101


def test_tampered_model_file_is_refused(saved):
    card, _, _ = saved
    path = card.with_name("model.json")
    raw = path.read_bytes()
    path.write_bytes(raw.replace(b'"split_conditions":[', b'"split_conditions":[1E1,', 1))
    with pytest.raises(InputError, match="does not match the checksum"):
        load_model(card)


def test_tampered_bootstrap_file_is_refused(saved):
    card, _, _ = saved
    path = card.with_name("model.bootstrap.json")
    path.write_bytes(path.read_bytes().replace(b'"risk_offset": ', b'"risk_offset": 1', 1))
    with pytest.raises(InputError, match=r"bootstrap file .* does not match"):
        load_model(card)


def test_card_that_disagrees_with_booster_is_refused(saved):
    card_path, _, _ = saved
    card = json.loads(card_path.read_text())
    features = card["feature_schema"]["features"]
    features[0]["name"], features[1]["name"] = features[1]["name"], features[0]["name"]
    card_path.write_text(json.dumps(card))
    with pytest.raises(InputError, match="do not belong together"):
        load_model(card_path)


def test_missing_and_foreign_files_are_refused(saved, tmp_path):
    card, _, _ = saved
    card.with_name("model.bootstrap.json").unlink()
    with pytest.raises(InputError, match="not found"):
        load_model(card)
    with pytest.raises(InputError, match="not found"):
        load_model(tmp_path / "nothing.json")
    (tmp_path / "other.card.json").write_text('{"format": "something else"}')
    with pytest.raises(InputError, match="not a version-1 rtpredict model card"):
        load_model(tmp_path / "other.card.json")
    with pytest.raises(InputError, match=r"must end in \.json"):
        load_model(tmp_path / "model.ubj")


def test_loaded_model_checks_input_schema(saved):
    card, _, df = saved
    loaded = load_model(card)
    with pytest.raises(InputError, match="missing from the input"):
        loaded.predict(df.drop(columns=["gard"]))
    with pytest.raises(InputError, match="categorical in training"):
        loaded.predict(df.assign(site=0.0))


def test_only_json_files_are_written(saved):
    card, _, _ = saved
    written = sorted(p.name for p in card.parent.iterdir())
    assert written == ["model.bootstrap.json", "model.card.json", "model.json"]
    for name in written:
        json.loads((card.parent / name).read_text())  # strict JSON, no NaN


def test_no_pickle_in_the_package():
    forbidden = {"pickle", "cPickle", "dill", "cloudpickle", "joblib", "shelve"}
    calls = {"read_pickle", "to_pickle"}
    root = Path(rtpredict.__file__).parent
    for source in root.rglob("*.py"):
        tree = ast.parse(source.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                names = {(node.module or "").split(".")[0]}
            elif isinstance(node, ast.Attribute):
                names = {node.attr} & calls
            elif isinstance(node, ast.keyword) and node.arg == "allow_pickle":
                names = {"allow_pickle"}
            else:
                continue
            assert not names & (forbidden | calls | {"allow_pickle"}), f"{source}: {names}"


def test_tl_predict_writes_obs_obsm_uns(saved, tmp_path):
    card, _, df = saved
    model = load_model(card)
    adata = ad.AnnData(obs=df)
    out = tl.predict(adata, model, copy=True)
    assert "rtpredict_prediction" not in adata.obs  # copy left the input alone
    for column in ("prediction", "sd", "lower", "upper", "percentile", "event_probability"):
        assert f"rtpredict_{column}" in out.obs
    shap = out.obsm["rtpredict_shap"]
    info = out.uns["rtpredict_prediction"]
    table = prediction_table(model, df)
    assert info["columns"] == [c for c in table.columns if not c.startswith("shap_")]
    for column in info["columns"]:
        assert np.allclose(out.obs[f"rtpredict_{column}"], table[column], equal_nan=True)
    assert list(shap.columns) == info["feature_names"] == FEATURES
    margin = model.predict_margin(df)
    assert np.allclose(shap.sum(axis=1) + info["shap_bias"], margin, atol=1e-4)
    assert info["model"]["sha256"] == model.card_["files"]["model"]["sha256"]
    assert info["params"]["horizon"] == 3.0
    out.write_h5ad(tmp_path / "scored.h5ad")  # everything stored is h5ad-serialisable
    back = ad.read_h5ad(tmp_path / "scored.h5ad")
    assert np.allclose(back.obsm["rtpredict_shap"].to_numpy(), shap.to_numpy())
    assert np.allclose(table.filter(like="shap_").sum(axis=1), margin, atol=1e-4)
    assert tl.predict(adata, model, key_added="m") is None
    assert "m_percentile" in adata.obs
