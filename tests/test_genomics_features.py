"""rtpredict.tl.dna_features against a slow per-tumour oracle written from the documented rules."""

from __future__ import annotations

import math
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from rtpredict.errors import InputError
from rtpredict.genomics import read_panel, read_somatic_vcf, write_variants
from rtpredict.tl import dna_features

VCF = Path(__file__).parent / "data" / "vcf"
PROTEIN_ALTERING = {
    "missense_variant",
    "stop_gained",
    "stop_lost",
    "start_lost",
    "frameshift_variant",
    "inframe_insertion",
    "inframe_deletion",
    "protein_altering_variant",
    "splice_donor_variant",
    "splice_acceptor_variant",
    "transcript_ablation",
}
CODING_TOO = {
    "synonymous_variant",
    "stop_retained_variant",
    "start_retained_variant",
    "incomplete_terminal_codon_variant",
    "coding_sequence_variant",
}


def oracle(table: pd.DataFrame | None, callable_mb: float) -> dict[str, object]:
    """Features of one tumour, computed row by row."""
    panel = read_panel()
    if table is None:
        return {"dna_available": False}
    out: dict[str, object] = {"dna_available": True}
    passing = [r for r in table.to_dict("records") if r["filter"] in ("PASS", ".")]
    for gene in panel.genes:
        hits = [
            r
            for r in passing
            if r["gene"] == gene and (r["hotspot"] or r["consequence"] in PROTEIN_ALTERING)
        ]
        out[f"dna_{gene}_mutated"] = bool(hits)
        vafs = [r["vaf"] for r in hits if not math.isnan(r["vaf"])]
        out[f"dna_{gene}_max_vaf"] = (max(vafs) if vafs else math.nan) if hits else 0.0
    for group in panel.groups:
        out[f"dna_{group.name}"] = any(out[f"dna_{g}_mutated"] for g in group.genes)
    out["dna_hotspot_count"] = sum(bool(r["hotspot"]) for r in passing)
    unknown = any(r["consequence"] is None and not r["hotspot"] for r in passing)
    coding = sum(
        bool(r["hotspot"]) or r["consequence"] in PROTEIN_ALTERING | CODING_TOO for r in passing
    )
    out["dna_tmb"] = math.nan if unknown else coding / callable_mb
    return out


def cohort(n: int = 5) -> ad.AnnData:
    obs = pd.DataFrame(index=[f"T{i}" for i in range(n)])
    return ad.AnnData(np.zeros((n, 2), dtype=np.float32), obs=obs)


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return {
        "T0": read_somatic_vcf(VCF / "mutect2_csq.vcf"),
        "T1": read_somatic_vcf(VCF / "snpeff_ann.vcf"),
        "T2": read_somatic_vcf(VCF / "unannotated_b37_names.vcf"),
        "T3": read_somatic_vcf(VCF / "no_passing.vcf"),
        # T4 has no DNA
    }


def assert_matches_oracle(adata: ad.AnnData, tables: dict[str, pd.DataFrame], mb: float) -> None:
    for sample in adata.obs_names:
        expected = oracle(tables.get(sample), mb)
        row = adata.obs.loc[sample]
        for name, value in expected.items():
            got = row[name]
            if isinstance(value, float) and math.isnan(value):
                assert pd.isna(got), (sample, name, got)
            else:
                assert got == pytest.approx(value), (sample, name, got, value)
        if not expected["dna_available"]:
            others = [c for c in adata.obs.columns if c.startswith("dna_") and c != "dna_available"]
            assert row[others].isna().all(), sample


def test_features_match_oracle(tables):
    adata = cohort()
    assert dna_features(adata, tables, callable_mb=32.5) is None
    assert_matches_oracle(adata, tables, 32.5)
    obs = adata.obs
    assert obs.loc["T0", "dna_nrf2_pathway"]
    assert obs.loc["T0", "dna_repair_defect"]
    assert obs.loc["T0", "dna_TP53_max_vaf"] == pytest.approx(0.6)
    assert obs.loc["T1", "dna_KEAP1_mutated"]
    assert obs.loc["T1", "dna_nrf2_pathway"]
    # unannotated tumour: TP53 hotspots count, KEAP1 by coordinates does not; TMB unknowable
    assert obs.loc["T2", "dna_TP53_mutated"]
    assert not obs.loc["T2", "dna_KEAP1_mutated"]
    assert np.isnan(obs.loc["T2", "dna_tmb"])
    assert obs.loc["T2", "dna_hotspot_count"] == 3
    # sequenced, nothing passing: zeros; not sequenced: missing
    assert obs.loc["T3", "dna_tmb"] == 0.0
    assert not obs.loc["T3", "dna_TP53_mutated"]
    assert not obs.loc["T4", "dna_available"]
    assert pd.isna(obs.loc["T4", "dna_TP53_mutated"])
    assert str(obs["dna_TP53_mutated"].dtype) == "boolean"
    assert str(obs["dna_hotspot_count"].dtype) == "Int64"
    params = adata.uns["dna"]["params"]
    assert params["callable_mb"] == 32.5
    assert "NFE2L2" in params["panel_genes"]
    assert adata.uns["dna"]["n_with_dna"] == 4


def test_long_table_with_categorical_sample_ids_and_paths(tables, tmp_path):
    long = pd.concat([t.assign(sample_id=s) for s, t in tables.items()], ignore_index=True)
    long["sample_id"] = pd.Categorical(long["sample_id"], categories=list(tables))
    from_long = dna_features(cohort(), long, callable_mb=30.0, copy=True)
    paths = {}
    for sample, table in tables.items():
        paths[sample] = tmp_path / f"{sample}.tsv"
        write_variants(table, paths[sample])
    from_paths = dna_features(cohort(), paths, callable_mb=30.0, copy=True)
    from_frames = dna_features(cohort(), tables, callable_mb=30.0, copy=True)
    pd.testing.assert_frame_equal(from_long.obs, from_frames.obs)
    pd.testing.assert_frame_equal(from_paths.obs, from_frames.obs)
    # plain (non-categorical) IDs: a tumour without passing rows is then unknown, as documented
    long["sample_id"] = long["sample_id"].astype(str)
    plain = dna_features(cohort(), long, callable_mb=30.0, copy=True)
    assert not plain.obs.loc["T3", "dna_available"]


def test_per_sample_callable_size_and_truncating_group(tables, tmp_path):
    panel = tmp_path / "panel.yaml"
    panel.write_text(
        "name: strict\ngenes:\n  - symbol: TP53\n  - symbol: ATM\n"
        "groups:\n  truncated:\n    genes: [TP53, ATM]\n    qualifying: truncating\n"
    )
    sizes = {"T0": 10.0, "T1": 20.0, "T2": 30.0, "T3": 40.0}
    adata = dna_features(cohort(), tables, panel=panel, callable_mb=sizes, copy=True)
    assert adata.obs.loc["T0", "dna_tmb"] == pytest.approx(8 / 10.0)
    assert adata.obs.loc["T1", "dna_tmb"] == pytest.approx(4 / 20.0)
    assert adata.obs.loc["T0", "dna_truncated"]  # ATM R250* and TP53 frameshift
    assert not adata.obs.loc["T1", "dna_truncated"]  # missense (hotspot too) and in-frame only
    assert "dna_KEAP1_mutated" not in adata.obs
    with pytest.raises(InputError, match="no size given for samples T3"):
        dna_features(cohort(), tables, callable_mb={"T0": 1.0, "T1": 1.0, "T2": 1.0})
    with pytest.raises(InputError, match="positive"):
        dna_features(cohort(), tables, callable_mb=0)


def test_unknown_vaf_of_a_mutated_gene_is_nan(tables):
    t0 = tables["T0"].copy()
    t0.loc[t0["gene"] == "ATM", "vaf"] = np.nan
    adata = dna_features(cohort(1), {"T0": t0}, callable_mb=1.0, copy=True)
    assert adata.obs.loc["T0", "dna_ATM_mutated"]
    assert np.isnan(adata.obs.loc["T0", "dna_ATM_max_vaf"])


def test_filtered_rows_ignored_even_at_hotspots(tables):
    kept = read_somatic_vcf(VCF / "no_passing.vcf", pass_only=False)
    assert kept["hotspot"].all()
    assert len(kept) == 1
    adata = dna_features(cohort(1), {"T0": kept}, callable_mb=1.0, copy=True)
    assert not adata.obs.loc["T0", "dna_TP53_mutated"]
    assert adata.obs.loc["T0", "dna_tmb"] == 0


def test_samples_outside_adata_are_reported_and_key_added(tables, caplog):
    adata = cohort(2)
    dna_features(adata, {"T0": tables["T0"], "X9": tables["T1"]}, callable_mb=1.0, key_added="wes")
    assert "wes_available" in adata.obs
    assert "wes_TP53_mutated" in adata.obs
    assert adata.uns["wes"]["samples_not_in_adata"] == ["X9"]
    assert "X9" in caplog.text


def test_h5ad_round_trip(tables, tmp_path):
    adata = cohort()
    dna_features(adata, tables, callable_mb=30.0)
    adata.write_h5ad(tmp_path / "c.h5ad")
    back = ad.read_h5ad(tmp_path / "c.h5ad")
    pd.testing.assert_frame_equal(back.obs, adata.obs)


def test_bad_variants_argument():
    with pytest.raises(InputError, match="sample_id column"):
        dna_features(cohort(), pd.DataFrame({"gene": ["TP53"]}), callable_mb=1.0)
    with pytest.raises(InputError, match="lack columns consequence"):
        dna_features(
            cohort(),
            {"T0": pd.DataFrame({"gene": ["TP53"], "vaf": [0.1], "hotspot": [True]})},
            callable_mb=1.0,
        )
    with pytest.raises(InputError, match="mapping sample ID"):
        dna_features(cohort(), [1, 2], callable_mb=1.0)
