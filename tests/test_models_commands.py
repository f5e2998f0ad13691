"""`rtpredict train` and `rtpredict predict` through the command-line entry point."""

from __future__ import annotations

import json

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import yaml

from rtpredict import cli
from rtpredict.models import load_model


@pytest.fixture(autouse=True)
def commands(monkeypatch):
    monkeypatch.setattr(cli, "COMMANDS", {"train": "train", "predict": "predict"})


def _cohort(n=160, seed=0):
    rng = np.random.default_rng(seed)
    genes = [f"ENSG{i:011d}" for i in range(40)]
    x = rng.normal(5, 1, size=(n, 40))
    obs = pd.DataFrame(
        {
            "rsi": rng.uniform(0.1, 0.8, n),
            "gard": rng.normal(30, 8, n),
            "site": rng.choice(["breast", "glioma"], n),
            "cohort": rng.choice(["A", "B"], n),
        },
        index=[f"T{i:03d}" for i in range(n)],
    )
    lp = 2 * (x[:, 0] - 5) + obs.rsi
    t = rng.exponential(np.exp(-lp) * 3)
    c = rng.uniform(0.5, 8, n)
    obs["recurrence_event"] = (t <= c).astype(int)
    obs["recurrence_years"] = np.minimum(t, c)
    adata = ad.AnnData(X=x.astype(np.float32), obs=obs, var=pd.DataFrame(index=genes))
    return adata, genes


@pytest.fixture
def files(tmp_path):
    adata, genes = _cohort()
    h5ad = tmp_path / "cohort.h5ad"
    adata.write_h5ad(h5ad)
    tsv = tmp_path / "features.tsv"
    adata.obs.to_csv(tsv, sep="\t", index_label="sample_id")
    return h5ad, tsv, genes


FAST = ["--n-estimators", "20", "--max-depth", "2", "--n-bootstrap", "3"]


def test_train_from_tsv_with_arguments(files, tmp_path):
    _, tsv, _ = files
    out = tmp_path / "m" / "model.json"
    argv = ["train", str(tsv), "-o", str(out), "--target", "recurrence", "--features"]
    code = cli.main(
        [
            *argv,
            "rsi",
            "gard",
            "site",
            *FAST,
            "--validate",
            "stratified",
            "--n-splits",
            "3",
            "--n-ci-bootstrap",
            "20",
            "--name",
            "test-model",
        ]
    )
    assert code == 0
    card = json.loads((tmp_path / "m" / "model.card.json").read_text())
    assert card["name"] == "test-model"
    assert card["validation"]["scheme"]["cv"] == "stratified"
    assert card["params"]["n_estimators"] == 20
    assert sorted(p.name for p in out.parent.iterdir()) == [
        "model.bootstrap.json",
        "model.card.json",
        "model.json",
    ]


def test_train_from_h5ad_with_yaml_genes_and_random_sets(files, tmp_path):
    h5ad, _, genes = files
    config = {
        "target": ["recurrence_event", "recurrence_years"],
        "features": ["rsi", "site"],
        "genes": genes[:2],
        "horizon": 3,
        "params": {"n_estimators": 20, "max_depth": 2, "n_bootstrap": 2, "random_state": 7},
        "validation": {"cv": "cohort", "n_random_sets": 3, "n_ci_bootstrap": 20},
        "card": {"trained_on": "simulated tumours"},
    }
    (tmp_path / "train.yaml").write_text(yaml.safe_dump(config))
    out = tmp_path / "model.json"
    argv = ["train", str(h5ad), "-o", str(out), "--config", str(tmp_path / "train.yaml")]
    assert cli.main([*argv, "--seed", "3"]) == 0
    model = load_model(out)
    assert model.random_state == 3  # the command line wins over the YAML
    assert model.feature_schema_.genes == genes[:2]
    card = model.card_
    assert card["trained_on"] == "simulated tumours"
    assert card["validation"]["random_sets"]["status"] == "done"
    assert card["validation"]["random_sets"]["replaced"]["genes"] == 2
    assert card["target"]["horizon_years"] == 3


def test_train_rejects_bad_config(files, tmp_path, capsys):
    _, tsv, _ = files
    (tmp_path / "bad.yaml").write_text("target: recurrence\nfeatures: [rsi]\nlearning_rate: 1\n")
    argv = ["train", str(tsv), "-o", str(tmp_path / "m.json"), "--config"]
    assert cli.main([*argv, str(tmp_path / "bad.yaml")]) == 2
    assert "unknown key(s) ['learning_rate']" in capsys.readouterr().err
    (tmp_path / "bad2.yaml").write_text("target: recurrence\nparams: {depth: 3}\n")
    assert cli.main([*argv, str(tmp_path / "bad2.yaml")]) == 2
    assert "unknown params ['depth']" in capsys.readouterr().err
    assert cli.main(["train", str(tsv), "-o", str(tmp_path / "m.json")]) == 2
    assert "no target" in capsys.readouterr().err


def test_predict_writes_annotated_h5ad_and_tsv(files, tmp_path):
    h5ad, tsv, _ = files
    model_path = tmp_path / "model.json"
    argv = ["train", str(tsv), "-o", str(model_path), "--target", "recurrence", "--horizon", "2"]
    assert cli.main([*argv, "--features", "rsi", "gard", "site", *FAST]) == 0
    out, table = tmp_path / "scored.h5ad", tmp_path / "scored.tsv"
    argv = ["predict", str(h5ad), "--model", str(model_path), "-o", str(out), "--tsv", str(table)]
    assert cli.main([*argv, "--key-added", "rtpredict"]) == 0
    scored = ad.read_h5ad(out)
    assert {"rtpredict_prediction", "rtpredict_event_probability"} <= set(scored.obs)
    assert list(scored.obsm["rtpredict_shap"].columns) == ["rsi", "gard", "site"]
    rows = pd.read_csv(table, sep="\t", index_col="sample_id")
    assert list(rows.index) == list(scored.obs_names)
    assert np.allclose(rows.rtpredict_prediction, scored.obs.rtpredict_prediction)
    model = load_model(model_path)
    margin = model.predict_margin(scored)
    assert np.allclose(rows.filter(like="shap_").sum(axis=1), margin, atol=1e-4)
    assert not list(tmp_path.glob(".*tmp*"))  # no temporary files left behind


def test_predict_from_tsv_with_the_shipped_model(tmp_path):
    tumours = pd.DataFrame(
        {
            "rsi": [0.3, 0.6],
            "gard": [36.12, 15.3],
            "dose_per_fraction": [2.0, 2.0],
            "fractions": [30.0, 30.0],
            "site": ["breast", "head_and_neck"],
            "received_rt": [1, 1],
        },
        index=pd.Index(["P1", "P2"], name="sample_id"),
    )
    tumours.to_csv(tmp_path / "t.tsv", sep="\t")
    assert cli.main(["predict", str(tmp_path / "t.tsv"), "--tsv", str(tmp_path / "p.tsv")]) == 0
    rows = pd.read_csv(tmp_path / "p.tsv", sep="\t", index_col=0)
    assert rows.recurrence_event_probability.between(0, 1).all()
    assert "recurrence_shap_gard" in rows.columns


def test_predict_refuses_mismatched_input_and_tampered_model(files, tmp_path, capsys):
    h5ad, tsv, _ = files
    model_path = tmp_path / "model.json"
    argv = ["train", str(tsv), "-o", str(model_path), "--target", "recurrence"]
    assert cli.main([*argv, "--features", "rsi", "gard", *FAST]) == 0
    pd.read_csv(tsv, sep="\t", index_col=0).drop(columns="gard").to_csv(
        tmp_path / "nogard.tsv", sep="\t"
    )
    argv = ["predict", str(tmp_path / "nogard.tsv"), "--model", str(model_path), "--tsv"]
    assert cli.main([*argv, str(tmp_path / "p.tsv")]) == 2
    assert "missing from the input" in capsys.readouterr().err
    model_path.write_bytes(model_path.read_bytes().replace(b"split", b"Split", 1))
    assert cli.main(["predict", str(h5ad), "--model", str(model_path), "--tsv", "x.tsv"]) == 2
    assert "checksum" in capsys.readouterr().err
    assert cli.main(["predict", str(tsv), "-o", str(tmp_path / "x.h5ad")]) == 2
    assert "needs a .h5ad input" in capsys.readouterr().err


def test_predict_with_several_models_keys_each_by_name(files, tmp_path):
    h5ad, tsv, _ = files
    model_path = tmp_path / "local.json"
    argv = ["train", str(tsv), "-o", str(model_path), "--target", "recurrence", "--name", "local"]
    assert cli.main([*argv, "--features", "rsi", "gard", "site", *FAST]) == 0
    other_path = tmp_path / "other.json"
    argv = ["train", str(tsv), "-o", str(other_path), "--target", "recurrence", "--name", "other"]
    assert cli.main([*argv, "--features", "rsi", *FAST]) == 0
    out = tmp_path / "scored.h5ad"
    argv = ["predict", str(h5ad), "--model", str(model_path), "--model", str(other_path)]
    assert cli.main([*argv, "-o", str(out)]) == 0
    scored = ad.read_h5ad(out)
    assert {"local_prediction", "other_prediction"} <= set(scored.obs)
    assert {"local_shap", "other_shap"} <= set(scored.obsm)
    assert cli.main([*argv, "-o", str(out), "--key-added", "x"]) == 2


def test_train_takes_time_unit_and_positive(tmp_path):
    adata, _ = _cohort()
    table = adata.obs.assign(
        recurrence_months=adata.obs.pop("recurrence_years") * 12,
        recurrence_event=adata.obs["recurrence_event"].map({1: "relapse", 0: "none"}),
    )
    tsv = tmp_path / "months.tsv"
    table.to_csv(tsv, sep="\t", index_label="sample_id")
    out = tmp_path / "model.json"
    argv = ["train", str(tsv), "-o", str(out), "--target", "recurrence", "--features", "rsi"]
    argv += [*FAST, "--time-unit", "months", "--positive", "relapse"]
    assert cli.main(argv) == 0
    card = json.loads((tmp_path / "model.card.json").read_text())
    assert card["target"]["columns"] == ["recurrence_event", "recurrence_months"]
    assert (card["target"]["time_unit"], card["target"]["positive"]) == ("months", "relapse")
