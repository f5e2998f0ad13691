"""Issue 14 (8): the expression scale of a user's matrix is detected or declared, recorded, and
each signature is refused, with its reason, on a scale its rule is not valid on."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from rtpredict import tl as rtl
from rtpredict.errors import InputError
from rtpredict.signatures import SCALES, gene_set, load_catalog, signature_from_mapping
from tests.test_tl_score_signatures import cohort

CATALOG = load_catalog()


def _matrix(x: np.ndarray) -> ad.AnnData:
    return ad.AnnData(
        x.astype(np.float32), var=pd.DataFrame(index=[f"G{i}" for i in range(x.shape[1])])
    )


def _transcriptome(n: int = 30, n_genes: int = 2000, seed: int = 0) -> np.ndarray:
    """Linear TPM of a whole transcriptome: each tumour sums to 1e6, with unexpressed genes."""
    rng = np.random.default_rng(seed)
    tpm = rng.lognormal(0, 2, size=(n, n_genes)) * (rng.random((n, n_genes)) > 0.2)
    return tpm / tpm.sum(axis=1, keepdims=True) * 1e6


def _microarray(adata: ad.AnnData, base: float = 10) -> ad.AnnData:
    """The same tumours as log-scale microarray intensities (background added, no zeros)."""
    out = adata.copy()
    out.X = (np.log(np.asarray(adata.layers["tpm"]) * 40 + 30) / np.log(base)).astype(np.float32)
    del out.layers["tpm"]
    return out


# ----------------------------------------------------------------------------- detection


def test_each_scale_is_detected_with_its_evidence():
    tpm = _transcriptome()
    rng = np.random.default_rng(1)
    cases = {
        "log1p_tpm": np.log1p(tpm),
        "tpm": tpm,
        "counts": rng.poisson(tpm / 20).astype(float),
        "log_microarray": np.log10(tpm * 40 + 30),  # log10 intensities, the cohort
        "zscore": (np.log1p(tpm) - np.log1p(tpm).mean(0)) / np.log1p(tpm).std(0),
    }
    for name, x in cases.items():
        found = rtl.detect_scale(_matrix(x))
        assert (found.name, found.source) == (name, "detected"), found
    assert "expm1 sums to 1e6" in rtl.detect_scale(_matrix(cases["log1p_tpm"])).evidence
    assert "sum to 1e6" in rtl.detect_scale(_matrix(tpm)).evidence
    log2 = rtl.detect_scale(_matrix(np.log2(tpm + 1)))  # log2(TPM + 1) is no log1p TPM
    assert log2.name == "log_microarray"
    assert "above log1p(1e6)" in log2.evidence
    rma = rtl.detect_scale(_matrix(np.log2(tpm * 40 + 30)))  # log2 microarray, below 13.8 too
    assert rma.name == "log_microarray"


def test_a_gene_subset_of_log1p_tpm_is_detected_but_not_confirmed():
    x = np.log1p(_transcriptome())[:, :500]  # e.g. the most variable genes only
    found = rtl.detect_scale(_matrix(x))
    assert found.name == "log1p_tpm"
    assert "not confirmed" in found.evidence


def test_detection_reads_a_layer_and_refuses_an_empty_matrix():
    adata = cohort(20, seed=3)
    assert rtl.detect_scale(adata).name == "log1p_tpm"
    assert rtl.detect_scale(adata, layer="tpm").name == "tpm"
    with pytest.raises(InputError, match="no finite value"):
        rtl.detect_scale(_matrix(np.full((3, 4), np.nan)))


def test_the_workflows_cohort_is_log1p_tpm():
    from rtpredict.simulate import SimulationParams, simulate_cohort

    adata = simulate_cohort(SimulationParams(n_tumours=4, read_pairs=1)).to_anndata()
    found = rtl.detect_scale(adata)
    assert found.name == "log1p_tpm"
    assert found.evidence == "X = log1p(layers['tpm'])"
    del adata.layers["tpm"]
    found = rtl.detect_scale(adata)  # a whole transcriptome: TPM sums to 1e6
    assert found.name == "log1p_tpm"
    assert "expm1 sums to 1e6" in found.evidence


# ------------------------------------------------------------- signatures and their scales


def test_every_catalog_signature_declares_its_scales_with_a_reason():
    for signature in CATALOG.values():
        assert signature.rule.scales
        assert set(signature.rule.scales) <= set(SCALES)
        assert len(signature.rule.scales_reason) > 40
    assert CATALOG["cytolytic_activity"].rule.scales == ("tpm", "log1p_tpm")
    assert "log_microarray" in CATALOG["rsi"].rule.scales
    assert "counts" not in CATALOG["rsi"].rule.scales
    assert gene_set("mine", ["CA9"]).rule.scales == ("tpm", "log1p_tpm", "log_microarray")


def test_user_signature_scales_are_checked_and_default_to_log1p_tpm():
    raw = {"name": "mine", "rule": {"method": "mean"}, "genes": ["CA9", "VEGFA"]}
    assert signature_from_mapping(raw, "mine.yaml").rule.scales == ("log1p_tpm",)
    raw["rule"] = {"method": "mean", "scales": ["log2"]}
    with pytest.raises(InputError, match=r"rule.scales: \['log2'\] is not a list of scales"):
        signature_from_mapping(raw, "mine.yaml")
    raw["rule"] = {"method": "mean", "scales": ["log_microarray"]}
    with pytest.raises(InputError, match=r"rule\.scales_reason: missing"):
        signature_from_mapping(raw, "mine.yaml")


def test_log_microarray_matrix_refuses_cytolytic_activity_with_the_reason():
    adata = _microarray(cohort(40, seed=4))
    with pytest.raises(InputError) as error:
        rtl.score_signatures(adata)
    message = str(error.value)
    assert "1 signature(s) cannot be scored on this matrix, whose scale is log_microarray" in (
        message
    )
    assert "cytolytic_activity (geometric_mean) is valid on tpm, log1p_tpm only" in message
    assert "expm1 of microarray logs" in message
    assert "Score the others with signatures=['buffa_hypoxia'," in message
    assert "pass scale=" in message
    others = [s for s in CATALOG if s not in ("cytolytic_activity", "rsi")]
    with pytest.warns(rtl.CohortRelativeWarning):
        rtl.score_signatures(adata, others)
    assert adata.uns["signatures"]["scale"]["name"] == "log_microarray"
    assert adata.uns["signatures"]["scale"]["source"] == "detected"
    rtl.score_rsi(adata)  # ranks: valid on microarray values
    assert adata.uns["rsi"]["scale"]["name"] == "log_microarray"


def test_rsi_is_refused_on_counts_and_z_scores_and_the_same_on_tpm():
    adata = cohort(30, seed=5)
    rtl.score_rsi(adata)
    on_log = adata.obs["rsi"].to_numpy()
    linear = ad.AnnData(adata.layers["tpm"].copy(), obs=adata.obs[[]], var=adata.var)
    rtl.score_rsi(linear)
    np.testing.assert_allclose(linear.obs["rsi"], on_log)
    assert linear.uns["rsi"]["scale"]["name"] == "tpm"
    for scale in ("counts", "zscore"):
        with pytest.raises(InputError, match=rf"scale is {scale} \(declared.*rsi \(rsi_rank\)"):
            rtl.score_rsi(adata, scale=scale)


def test_cytolytic_activity_reads_x_itself_on_the_tpm_scale():
    adata = cohort(30, seed=6)
    rtl.score_signatures(adata, ["cytolytic_activity"])
    linear = ad.AnnData(adata.layers["tpm"].copy(), obs=adata.obs[[]], var=adata.var)
    rtl.score_signatures(linear, ["cytolytic_activity"])
    np.testing.assert_allclose(
        linear.obs["cytolytic_activity"], adata.obs["cytolytic_activity"], rtol=1e-5
    )


def test_declared_scale_is_used_and_recorded():
    adata = _microarray(cohort(30, seed=7))
    with pytest.raises(InputError, match=r"scale 'log10' is not one of .*zscore: per-gene"):
        rtl.score_signatures(adata, ["ifng_6"], scale="log10")
    rtl.score_signatures(adata, ["ifng_6"], scale="log_microarray")
    assert adata.uns["signatures"]["params"]["scale"] == "log_microarray"
    assert adata.uns["signatures"]["scale"] == {
        "name": "log_microarray",
        "source": "declared",
        "evidence": "given as scale=",
    }


def test_reference_statistics_record_their_scale_and_refuse_another(tmp_path):
    reference = rtl.reference_statistics(cohort(40, seed=8), ["buffa_hypoxia", "toustrup_hypoxia"])
    assert reference.scale == "log1p_tpm"
    reference.save(tmp_path / "ref.json")
    assert rtl.ReferenceStatistics.load(tmp_path / "ref.json").scale == "log1p_tpm"
    adata = _microarray(cohort(30, seed=9))
    with pytest.raises(InputError, match=r"reference statistics computed on the log1p_tpm scale"):
        rtl.score_signatures(adata, ["buffa_hypoxia"], reference=reference)
    own = rtl.reference_statistics(_microarray(cohort(40, seed=8)), ["buffa_hypoxia"])
    assert own.scale == "log_microarray"
    rtl.score_signatures(adata, ["buffa_hypoxia"], reference=own)
    assert np.isfinite(adata.obs["buffa_hypoxia"]).all()


def test_random_controls_keep_the_declared_scale_of_the_columns_they_replace():
    adata = _microarray(cohort(30, seed=10))
    random_genes = {"cytolytic_activity": list(adata.var_names[-2:])}
    with pytest.raises(InputError, match="cytolytic_activity"):
        rtl.score_as_signatures(adata, random_genes)
    rtl.score_signatures(adata, ["cytolytic_activity"], scale="log1p_tpm")
    scores = rtl.score_as_signatures(adata, random_genes)
    assert np.isfinite(scores["cytolytic_activity"]).all()


def test_features_command_detects_or_takes_the_scale(tmp_path):
    from rtpredict.commands import features
    from tests.test_tl_features_cli import parse, write_cohort

    write_cohort(tmp_path / "cohort.h5ad", 25, seed=11)
    out = tmp_path / "features.h5ad"
    reference = tmp_path / "reference.h5ad"
    write_cohort(reference, 25, seed=12)
    argv = [str(tmp_path / "cohort.h5ad"), "-o", str(out), "--reference", str(reference)]
    assert features.run(parse(argv)) == 0
    params = ad.read_h5ad(out).uns["rtpredict"]["features"]["params"]
    assert params["scale"]["name"] == "log1p_tpm"
    assert params["scale"]["evidence"] == "X = log1p(layers['tpm'])"
    with pytest.raises(InputError, match="whose scale is zscore"):
        features.run(parse([*argv, "--scale", "zscore"]))
