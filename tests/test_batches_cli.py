"""Cohort batches through the commands: features, predict and join per batch give the very
values of one run over the whole cohort, and the reports render from the joined cohort."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from rtpredict import cli
from rtpredict.errors import InputError
from tests.test_tl_features_cli import write_cohort

MODEL = "default:demo_recurrence"


def _score(cohort, out, reference) -> None:
    """features (without expression) then predict, as the workflow runs them on a batch."""
    out.mkdir(parents=True, exist_ok=True)
    argv = ["features", str(cohort), "-o", str(out / "features.h5ad"), "--no-expression",
            "--reference", str(reference), "--target-gard", "33"]  # fmt: skip
    assert cli.main(argv) == 0
    argv = ["predict", str(out / "features.h5ad"), "--model", MODEL, "--horizon", "5",
            "--output", str(out / "predictions.h5ad"),
            "--tsv", str(out / "predictions.tsv")]  # fmt: skip
    assert cli.main(argv) == 0
    # what aggregate writes beside a batch's expression: QC and clinical covariates
    obs = ad.read_h5ad(cohort).obs
    obs.to_csv(out / "samples.tsv", sep="\t", index_label="sample_id")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The whole cohort scored at once, and the same tumours in two batches, joined."""
    root = tmp_path_factory.mktemp("batches")
    whole = write_cohort(root / "cohort.h5ad", 30, seed=11)
    whole.obs["received_rt"] = 1.0
    whole.obs["site"] = pd.Categorical(np.where(np.arange(30) % 2, "lung", "head_and_neck"))
    whole.write_h5ad(root / "cohort.h5ad")
    # frozen reference statistics, as a centre freezes them before its cohort grows
    assert cli.main(["features", str(root / "cohort.h5ad"), "-o", str(root / "ref.h5ad")]) == 0
    reference = root / "ref.reference.json"
    _score(root / "cohort.h5ad", root / "whole", reference)
    batches = []
    for name, rows in (("b0001", slice(0, 17)), ("b0002", slice(17, 30))):
        part = whole[rows].copy()
        part.obs["batch"] = name
        part.write_h5ad(root / f"{name}.h5ad")
        _score(root / f"{name}.h5ad", root / "batches" / name, reference)
        batches.append(root / "batches" / name)
    argv = ["join", *map(str, batches), "--output", str(root / "joined.h5ad"),
            "--tables-dir", str(root / "tables")]  # fmt: skip
    assert cli.main(argv) == 0
    return root


def test_batches_give_the_values_of_one_run(runs):
    joined = ad.read_h5ad(runs / "joined.h5ad")
    whole = ad.read_h5ad(runs / "whole" / "predictions.h5ad")
    assert joined.X is None, "the features and predictions carry no expression"
    assert list(joined.obs_names) == list(whole.obs_names)
    pd.testing.assert_frame_equal(
        joined.obs.drop(columns="batch"), whole.obs, check_dtype=False, check_categorical=False
    )
    for key in whole.obsm:
        np.testing.assert_array_equal(np.asarray(joined.obsm[key]), np.asarray(whole.obsm[key]))
    assert set(joined.uns["rtpredict"]["batches"]) == {"b0001", "b0002"}
    assert joined.uns["rtpredict"]["models"]["demo_recurrence"]["reference"] == MODEL


def test_joined_tables_keep_each_batch_cell_text(runs):
    table = (runs / "tables" / "predictions.tsv").read_text().splitlines()
    first = (runs / "batches" / "b0001" / "predictions.tsv").read_text().splitlines()
    second = (runs / "batches" / "b0002" / "predictions.tsv").read_text().splitlines()
    assert table == first + second[1:]


def test_a_tumour_in_two_batches_is_refused(runs, capsys):
    batch = str(runs / "batches" / "b0001")
    argv = ["join", batch, batch, "--output", str(runs / "x.h5ad"), "--tables-dir", str(runs)]
    assert cli.main(argv) == 2
    assert "is in more than one batch" in capsys.readouterr().err
    assert not (runs / "x.h5ad").exists()


def test_reports_per_batch_then_for_the_joined_cohort(runs):
    batch = runs / "batches" / "b0002"
    out = runs / "reports"
    argv = ["report", str(batch / "predictions.h5ad"), "--outdir", str(out / "b0002"),
            "--only", "tumours", "--date", "2026-12-06"]  # fmt: skip
    assert cli.main(argv) == 0
    assert sorted(p.name for p in (out / "b0002").iterdir()) == [
        f"S11_{i:03d}.html" for i in range(17, 30)
    ]
    argv = ["report", str(runs / "joined.h5ad"), "--outdir", str(out), "--only", "cohort",
            "--date", "2026-12-06"]  # fmt: skip
    assert cli.main(argv) == 0
    page = (out / "cohort.html").read_text()
    assert [p.name for p in out.glob("*.html")] == ["cohort.html"]
    assert 'href="b0002/S11_017.html"' in page
    assert "PCA of" in page
    assert "standardised signature scores" in page, "no expression: PCA of the scores"


def test_read_batches_reads_chosen_genes_of_every_batch(runs):
    from rtpredict.io import read_batches

    whole = ad.read_h5ad(runs / "cohort.h5ad")
    genes = [whole.var_names[5], whole.var_names[2], whole.var_names[40]]
    joined = read_batches([runs / "b0001.h5ad", runs / "b0002.h5ad"], genes=genes, layer="tpm")
    assert list(joined.obs_names) == list(whole.obs_names)
    assert list(joined.var_names) == genes
    np.testing.assert_array_equal(joined.X, whole[:, genes].layers["tpm"])
    everything = read_batches([runs / "b0001.h5ad", runs / "b0002.h5ad"])
    np.testing.assert_array_equal(everything.X, whole.X)
    with pytest.raises(InputError, match="no gene NOPE"):
        read_batches([runs / "b0001.h5ad"], genes=["NOPE"])
