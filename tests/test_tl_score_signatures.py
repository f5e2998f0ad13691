"""score_signatures and reference statistics: published rules, frozen references, coverage."""

from __future__ import annotations

import logging
import warnings

import anndata as ad
import numpy as np
import pandas as pd
import pytest
from scipy.stats import rankdata

from rtpredict import kernels
from rtpredict import tl as rtl
from rtpredict.errors import InputError
from rtpredict.signatures import load_catalog
from rtpredict.tl import CohortRelativeWarning, ReferenceStatistics

CATALOG = load_catalog()
SIGNATURES = [n for n, s in CATALOG.items() if s.rule.method != "rsi_rank"]


def cohort(n_tumours: int, seed: int, *, n_background: int = 300) -> ad.AnnData:
    """Tumours x (every catalog gene + background genes), X = log1p(TPM) float32."""
    rng = np.random.default_rng(seed)
    catalog = {g.ensembl: g.symbol for s in CATALOG.values() for g in s.genes}
    ids = list(catalog) + [f"RTPSIMG{i:06d}" for i in range(n_background)]
    symbols = list(catalog.values()) + [f"SIM{i}" for i in range(n_background)]
    level = rng.lognormal(2, 1.5, size=len(ids))
    tpm = (level * rng.lognormal(0, 0.8, size=(n_tumours, len(ids)))).astype(np.float32)
    tpm[rng.random(tpm.shape) < 0.05] = 0.0  # dropouts: ties at zero
    obs = pd.DataFrame(index=[f"T{seed}_{i:04d}" for i in range(n_tumours)])
    var = pd.DataFrame({"symbol": symbols}, index=ids)
    return ad.AnnData(X=np.log1p(tpm), obs=obs, var=var, layers={"tpm": tpm})


@pytest.fixture(scope="module")
def reference_cohort():
    return cohort(60, seed=1)


@pytest.fixture(scope="module")
def reference(reference_cohort):
    return rtl.reference_statistics(reference_cohort, source="test reference")


def _columns(adata, signature):
    return [adata.var_names.get_loc(g.ensembl) for g in signature.genes]


# ---------------------------------------------------------------- reference statistics


def test_reference_statistics_are_plain_per_gene_numbers(reference_cohort, reference):
    gene = CATALOG["toustrup_hypoxia"].genes[0]
    x = np.asarray(reference_cohort[:, gene.ensembl].X, dtype=np.float64).ravel()
    stats = reference.gene(gene.ensembl)
    assert stats == pytest.approx({"median": np.median(x), "mean": x.mean(), "sd": x.std(ddof=1)})
    assert reference.n_tumours == 60
    assert set(reference.scores["kim_radiosensitivity"]) == {"singscore", "ssgsea"}
    assert set(reference.scores["buffa_hypoxia"]) == {"median_dichotomy"}


def test_reference_statistics_round_trip_through_json(tmp_path, reference):
    path = tmp_path / "reference.json"
    reference.save(path)
    assert ReferenceStatistics.load(path) == reference
    with pytest.raises(InputError, match="not an rtpredict reference"):
        ReferenceStatistics.from_json('{"genes": {}}')
    with pytest.raises(InputError, match="version"):
        ReferenceStatistics.from_dict({"format": "rtpredict.reference_statistics", "version": 9})
    with pytest.raises(InputError, match="at least 2"):
        rtl.reference_statistics(cohort(1, seed=2))


# ---------------------------------------------------------------- published rules


def test_every_catalog_rule_matches_a_numpy_twin(reference):
    adata = cohort(40, seed=3)
    rtl.score_signatures(adata, reference=reference)
    X = adata.X.astype(np.float64)
    tpm = adata.layers["tpm"].astype(np.float64)

    def stat(signature, what):
        return np.array([reference.gene(g.ensembl)[what] for g in signature.genes])

    ranks = rankdata(X, axis=1)
    twins = {}
    for name in SIGNATURES:
        s = CATALOG[name]
        cols = _columns(adata, s)
        if s.rule.method == "median_dichotomy":
            twins[name] = np.where(X[:, cols] > stat(s, "median"), 1, -1).sum(axis=1)
        elif s.rule.method == "sample_median":
            twins[name] = np.median(X[:, cols], axis=1)
        elif s.rule.method == "mean_z":
            twins[name] = ((X[:, cols] - stat(s, "mean")) / stat(s, "sd")).mean(axis=1)
        elif s.rule.method == "mean":
            twins[name] = X[:, cols].mean(axis=1)
        elif s.rule.method == "geometric_mean":
            twins[name] = np.exp(np.log(tpm[:, cols] + s.rule.offset).mean(axis=1))
        else:  # gene_set, singscore
            k, n = len(cols), X.shape[1]
            twins[name] = (ranks[:, cols].mean(axis=1) - (k + 1) / 2) / (n - k) - 0.5
    for name, twin in twins.items():
        np.testing.assert_allclose(adata.obs[name], twin, rtol=1e-12, atol=1e-12, err_msg=name)
        assert (adata.obs[f"{name}_coverage"] == 1.0).all()
    record = adata.uns["signatures"]
    assert record["params"]["reference"] == "test reference"
    assert record["signatures"]["buffa_hypoxia"]["status"] == "scored"
    assert (
        record["thresholds"]["eustace_hypoxia"]
        == reference.scores["eustace_hypoxia"]["sample_median"]["median"]
    )


@pytest.mark.parametrize("method", ["singscore", "ssgsea"])
def test_a_tumour_alone_scores_as_it_does_among_500_others(reference, method):
    crowd = cohort(501, seed=4)
    alone = crowd[[250]].copy()
    rtl.score_signatures(crowd, reference=reference, method=method)
    rtl.score_rsi(crowd)
    rtl.score_signatures(alone, reference=reference, method=method)
    rtl.score_rsi(alone)
    for name in [*SIGNATURES, "rsi"]:
        assert alone.obs[name].iloc[0] == crowd.obs[name].iloc[250], name
        assert np.isfinite(alone.obs[name].iloc[0]), name


def test_without_reference_the_cohort_is_used_and_a_warning_says_so():
    adata = cohort(30, seed=5)
    with pytest.warns(CohortRelativeWarning, match="depend on which tumours"):
        rtl.score_signatures(adata, ["buffa_hypoxia", "ifng_6"])
    assert adata.uns["signatures"]["params"]["reference"] == "the scored cohort itself"
    frozen = ReferenceStatistics.from_json(adata.uns["signatures"]["reference_statistics"])
    again = cohort(30, seed=5)
    rtl.score_signatures(again, ["buffa_hypoxia"], reference=frozen)
    np.testing.assert_array_equal(again.obs["buffa_hypoxia"], adata.obs["buffa_hypoxia"])
    # no warning when no rule needs a reference
    rtl.score_signatures(cohort(5, seed=6), ["ifng_6", "kim_radiosensitivity"])


def test_reference_may_be_an_anndata_or_a_json_path(tmp_path, reference_cohort, reference):
    path = tmp_path / "ref.json"
    reference.save(path)
    a, b, c = (cohort(10, seed=7) for _ in range(3))
    rtl.score_signatures(a, ["toustrup_hypoxia"], reference=reference)
    rtl.score_signatures(b, ["toustrup_hypoxia"], reference=str(path))
    rtl.score_signatures(c, ["toustrup_hypoxia"], reference=reference_cohort)
    np.testing.assert_array_equal(a.obs["toustrup_hypoxia"], b.obs["toustrup_hypoxia"])
    np.testing.assert_array_equal(a.obs["toustrup_hypoxia"], c.obs["toustrup_hypoxia"])


# ---------------------------------------------------------------- methods, genes, coverage


def test_ssgsea_method_and_user_gene_sets(reference):
    adata = cohort(12, seed=8)
    genes = ["STAT1", "CXCL10", "ENSG00000204287.14", "C20orf20", "GZMA", "NOT_A_GENE"]
    rtl.score_signatures(
        adata, {"mine": genes}, method="ssgsea", key_added="user", reference=reference
    )
    cols = [adata.var_names.get_loc(e) for e in ["ENSG00000115415", "ENSG00000169245"]]
    cols += [adata.var_names.get_loc(e) for e in ["ENSG00000204287", "ENSG00000101189"]]
    cols += [adata.var_names.get_loc("ENSG00000145649")]
    indptr, indices = kernels.sets_to_csr([sorted(cols)])
    expect = kernels.ssgsea(adata.X, indptr, indices)[:, 0]
    np.testing.assert_allclose(adata.obs["user_mine"], expect, rtol=1e-12)
    assert (adata.obs["user_mine_coverage"] == 5 / 6).all()
    assert adata.uns["user"]["signatures"]["mine"]["missing"] == ["NOT_A_GENE"]
    assert adata.uns["user"]["params"]["method"] == "ssgsea"


def test_many_gene_sets_write_obs_in_one_step_and_rescoring_keeps_column_order():
    """150 new columns at once (pandas warns of a fragmented frame past 100 inserts), and on
    scoring again the existing columns are replaced where they stand."""
    adata = cohort(6, seed=11)
    adata.obs["before"] = 1.0
    sets = {f"set{k}": list(adata.var_names[k : k + 5]) for k in range(75)}
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.PerformanceWarning)
        rtl.score_signatures(adata, sets, method="singscore")
    expected = ["before", *(f"set{k}{end}" for k in range(75) for end in ("", "_coverage"))]
    assert [c for c in adata.obs.columns if c not in ("cohort", "site")][-151:] == expected
    first = adata.obs["set0"].copy()
    adata.obs["set0"] = np.nan
    rtl.score_signatures(adata, {"set0": sets["set0"]}, method="singscore")
    assert [c for c in adata.obs.columns if c not in ("cohort", "site")][-151:] == expected
    np.testing.assert_array_equal(adata.obs["set0"], first)


def test_symbol_var_names_and_aliases_resolve():
    adata = cohort(8, seed=9)
    by_id = adata.copy()
    rtl.score_signatures(by_id, ["ifng_18", "eustace_hypoxia"])
    symbols = adata.var["symbol"].tolist()
    symbols[symbols.index("MRGBP")] = "C20orf20"
    renamed = ad.AnnData(adata.X, obs=adata.obs, var=pd.DataFrame(index=symbols))
    rtl.score_signatures(renamed, ["ifng_18", "eustace_hypoxia"])
    for name in ("ifng_18", "eustace_hypoxia"):
        np.testing.assert_array_equal(renamed.obs[name], by_id.obs[name])


def test_low_coverage_gives_nan_and_logs_the_reason(caplog, reference):
    adata = cohort(6, seed=10)
    ifng6 = [g.ensembl for g in CATALOG["ifng_6"].genes]
    adata = adata[:, ~adata.var_names.isin(ifng6[:2])].copy()  # 4 of 6 left: 0.67 < 0.8
    with caplog.at_level(logging.WARNING, logger="rtpredict.tl"):
        rtl.score_signatures(adata, ["ifng_6", "ifng_18"], reference=reference)
    assert adata.obs["ifng_6"].isna().all()
    np.testing.assert_allclose(adata.obs["ifng_6_coverage"], 4 / 6)
    assert adata.obs["ifng_18"].notna().all()
    assert "ifng_6 scored NaN: coverage 0.67 < 0.80" in caplog.text
    assert "CXCL9" in adata.uns["signatures"]["signatures"]["ifng_6"]["status"]
    rtl.score_signatures(adata, ["ifng_6"], min_coverage=0.5, reference=reference)
    assert adata.obs["ifng_6"].notna().all()


def test_geometric_mean_uses_tpm_layer_or_expm1_of_x():
    adata = cohort(7, seed=11)
    bare = ad.AnnData(adata.X.copy(), obs=adata.obs, var=adata.var)
    rtl.score_signatures(adata, ["cytolytic_activity"])
    rtl.score_signatures(bare, ["cytolytic_activity"])
    np.testing.assert_allclose(
        adata.obs["cytolytic_activity"], bare.obs["cytolytic_activity"], rtol=1e-5
    )


def test_copy_bad_input_and_params():
    adata = cohort(5, seed=12)
    out = rtl.score_signatures(adata, ["ifng_6"], copy=True)
    assert "ifng_6" in out.obs
    assert "ifng_6" not in adata.obs
    adata.X[0, 0] = np.nan
    with pytest.raises(InputError, match="non-finite"):
        rtl.score_signatures(adata, ["kim_radiosensitivity"])
    with pytest.raises(InputError, match="method"):
        rtl.score_signatures(adata, ["ifng_6"], method="gsva")
    with pytest.raises(InputError, match="unknown signature"):
        rtl.score_signatures(adata, ["winter_hypoxia"])
    with pytest.raises(InputError, match="layer"):
        rtl.score_signatures(adata, ["ifng_6"], layer="nope")


def test_reference_percentile_places_each_tumour_in_the_reference_cohort():
    from rtpredict.simulate import simulate_anndata

    reference_cohort = simulate_anndata(200, seed=21, n_background_genes=20)
    new = simulate_anndata(30, seed=22, n_background_genes=20)
    stats = rtl.reference_statistics(reference_cohort, ["eustace_hypoxia", "buffa_hypoxia"])
    scored_ref = rtl.score_signatures(
        reference_cohort, ["eustace_hypoxia"], reference=stats, copy=True
    )
    rtl.score_signatures(new, ["eustace_hypoxia", "buffa_hypoxia"], reference=stats)
    ref_scores = scored_ref.obs["eustace_hypoxia"].to_numpy()
    empirical = [(ref_scores < v).mean() * 100 for v in new.obs["eustace_hypoxia"]]
    np.testing.assert_allclose(new.obs["eustace_hypoxia_reference_percentile"], empirical, atol=5)
    alone = rtl.score_signatures(new[:1].copy(), ["eustace_hypoxia"], reference=stats, copy=True)
    assert alone.obs["eustace_hypoxia_reference_percentile"].iloc[0] == pytest.approx(
        new.obs["eustace_hypoxia_reference_percentile"].iloc[0]
    )
    assert new.obs["buffa_hypoxia_reference_percentile"].between(0, 100).all()


def test_model_signature_features_are_the_signatures_scored_by_default():
    from rtpredict.models._feature import SIGNATURE_FEATURES

    assert sorted(SIGNATURE_FEATURES) == sorted(SIGNATURES)


def test_non_finite_values_are_counted_and_located_in_the_error():
    adata = cohort(6, seed=12)
    adata.X[2, 0], adata.X[2, 1], adata.X[4, 3] = np.nan, np.inf, -np.inf
    message = "3 non-finite values in 2 tumours \\(first: row 2\\)"
    with pytest.raises(InputError, match=message):
        rtl.score_signatures(adata, ["kim_radiosensitivity"])
