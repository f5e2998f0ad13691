"""The ``rtpredict features`` command: cohort .h5ad in, features .h5ad + TSV out."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from rtpredict import cli
from rtpredict import tl as rtl
from rtpredict.commands import features
from rtpredict.signatures import load_catalog

CATALOG = load_catalog()


def write_cohort(path, n: int, seed: int) -> ad.AnnData:
    rng = np.random.default_rng(seed)
    genes = {g.ensembl: g.symbol for s in CATALOG.values() for g in s.genes}
    ids = [*genes, *(f"RTPSIMG{i:06d}" for i in range(200))]
    tpm = rng.lognormal(2, 1.5, size=(n, len(ids))).astype(np.float32)
    # RSI genes at levels ranked to give RSI near 0.29 (GARD and target fractions defined)
    order = {"SUMO1": 1, "IRF1": 2, "HDAC1": 3, "ABL1": 4, "STAT1": 5, "JUN": 6, "PAK2": 7}
    order |= {"AR": 8, "RELA": 9, "PRKCB": 10}
    for gene in CATALOG["rsi"].genes:
        noise = rng.lognormal(0, 0.3, n)
        tpm[:, ids.index(gene.ensembl)] = 2.0 ** order[gene.symbol] * noise
    obs = pd.DataFrame(
        {
            "dose_per_fraction": rng.choice([1.8, 2.0, 2.5], n),
            "fractions": rng.choice([25.0, 30.0, 32.5], n),
            "site": pd.Categorical(rng.choice(["hnscc", "lung"], n)),
        },
        index=[f"S{seed}_{i:03d}" for i in range(n)],
    )
    var = pd.DataFrame({"symbol": [*genes.values(), *(f"SIM{i}" for i in range(200))]}, index=ids)
    adata = ad.AnnData(np.log1p(tpm), obs=obs, var=var, layers={"tpm": tpm})
    adata.uns["rtpredict"] = {"versions": {"rtpredict": "test"}}
    adata.write_h5ad(path)
    return adata


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    features.add_arguments(parser)
    return parser.parse_args(argv)


def test_features_without_reference_builds_saves_and_warns(tmp_path, caplog):
    write_cohort(tmp_path / "cohort.h5ad", 25, seed=1)
    out = tmp_path / "results" / "cohort.features.h5ad"
    args = parse([str(tmp_path / "cohort.h5ad"), "-o", str(out), "--target-gard", "33"])
    with caplog.at_level(logging.WARNING):
        assert features.run(args) == 0
    assert "no --reference" in caplog.text
    result = ad.read_h5ad(out)
    table = pd.read_csv(out.with_name("cohort.features.tsv"), sep="\t", index_col="sample_id")
    expected = ["rsi", "rsi_coverage", "gard", "gard_fractions_to_target"]
    expected += [c for n in CATALOG if n != "rsi" for c in (n, f"{n}_coverage")]
    dna = [c for c in table.columns if c.startswith("dna_")]
    assert sorted(set(table.columns) - set(dna)) == sorted(expected)
    assert "dna_available" in dna, "DNA columns are always there, missing without DNA"
    assert not table["dna_available"].any()
    assert table[[c for c in dna if c != "dna_available"]].isna().all().all()
    assert table.index.tolist() == result.obs_names.tolist()
    assert table[expected].notna().all().all()
    np.testing.assert_allclose(table["gard"], result.obs["gard"])
    reference = out.with_name("cohort.features.reference.json")
    assert json.loads(reference.read_text())["n_tumours"] == 25
    record = result.uns["rtpredict"]["features"]
    assert record["reference"]["source"] == "input cohort (cohort-relative)"
    assert record["params"]["target_gard"] == 33.0
    assert result.uns["rtpredict"]["versions"]["rtpredict"] == "test"
    assert not list(out.parent.glob(".*tmp*"))  # no temporary files left


def test_frozen_reference_makes_scores_independent_of_the_cohort(tmp_path):
    write_cohort(tmp_path / "ref.h5ad", 40, seed=2)
    full = write_cohort(tmp_path / "cohort.h5ad", 30, seed=3)
    full[:1].copy().write_h5ad(tmp_path / "one.h5ad")
    assert features.run(parse([str(tmp_path / "ref.h5ad"), "-o", str(tmp_path / "r.h5ad")])) == 0
    ref_json = str(tmp_path / "r.reference.json")
    for name in ("cohort", "one"):
        args = parse([str(tmp_path / f"{name}.h5ad"), "-o", str(tmp_path / f"{name}.f.h5ad")])
        args.reference = tmp_path / "r.reference.json"
        assert features.run(args) == 0
    both = [pd.read_csv(tmp_path / f"{n}.f.tsv", sep="\t", index_col=0) for n in ("cohort", "one")]
    pd.testing.assert_frame_equal(both[1], both[0].iloc[:1])
    # a reference cohort .h5ad gives the same frozen statistics as its JSON
    args = parse([str(tmp_path / "one.h5ad"), "-o", str(tmp_path / "two.h5ad")])
    args.reference = tmp_path / "ref.h5ad"
    assert features.run(args) == 0
    assert rtl.ReferenceStatistics.load(tmp_path / "two.reference.json").genes == (
        rtl.ReferenceStatistics.load(ref_json).genes
    )


def test_extra_signature_files_and_cli_registration(tmp_path, monkeypatch, capsys):
    write_cohort(tmp_path / "cohort.h5ad", 10, seed=4)
    gmt = tmp_path / "mine.gmt"
    gmt.write_text("my_set\tdemo\tSTAT1\tIRF1\tJUN\tGZMA\n")
    monkeypatch.setattr(cli, "COMMANDS", {"features": "features"})
    out = tmp_path / "f.h5ad"
    argv = ["features", str(tmp_path / "cohort.h5ad"), "-o", str(out), "--signatures", str(gmt)]
    assert cli.main([*argv, "--method", "ssgsea"]) == 0
    assert "my_set" in ad.read_h5ad(out).obs
    gmt.write_text("rsi\tclash\tSTAT1\n")
    assert cli.main(argv) == 2
    assert "already used: rsi" in capsys.readouterr().err
    assert cli.main(["features", str(tmp_path / "absent.h5ad"), "-o", str(out)]) == 2


def test_missing_dose_plan_is_a_clear_error(tmp_path):
    adata = write_cohort(tmp_path / "cohort.h5ad", 5, seed=5)
    del adata.obs["fractions"]
    adata.write_h5ad(tmp_path / "cohort.h5ad")
    args = parse([str(tmp_path / "cohort.h5ad"), "-o", str(tmp_path / "f.h5ad")])
    with pytest.raises(ValueError, match="'fractions'"):
        features.run(args)


def test_a_coverage_shortfall_is_logged_once_per_run(tmp_path, caplog):
    adata = write_cohort(tmp_path / "full.h5ad", 25, seed=4)
    buffa = [g.ensembl for g in CATALOG["buffa_hypoxia"].genes[:20]]
    adata[:, ~adata.var_names.isin(buffa)].copy().write_h5ad(tmp_path / "cohort.h5ad")
    out = tmp_path / "cohort.features.h5ad"
    with caplog.at_level(logging.WARNING):
        assert features.run(parse([str(tmp_path / "cohort.h5ad"), "-o", str(out)])) == 0
    shortfalls = [r for r in caplog.records if "buffa_hypoxia scored NaN" in r.getMessage()]
    assert len(shortfalls) == 1


def test_a_variants_pattern_reads_each_tumour_whose_table_exists(tmp_path):
    """``--variants results/variants/{sample}.tsv`` (the workflow's, whatever the number of DNA
    tumours) gives the same features as one SAMPLE=PATH pair per tumour with DNA."""
    adata = write_cohort(tmp_path / "cohort.h5ad", 6, seed=4)
    vcfs = Path(__file__).parent / "data" / "vcf"
    dna = {adata.obs_names[1]: "mutect2_csq.vcf", adata.obs_names[4]: "snpeff_ann.vcf"}
    (tmp_path / "variants").mkdir()
    for sample, vcf in dna.items():
        argv = ["variants", str(vcfs / vcf), "-o", str(tmp_path / "variants" / f"{sample}.tsv")]
        assert cli.main(argv) == 0
    common = [str(tmp_path / "cohort.h5ad"), "--callable-mb", "30"]
    pattern = str(tmp_path / "variants" / "{sample}.tsv")
    by_pattern = [*common, "-o", str(tmp_path / "a.h5ad"), "--variants", pattern]
    pairs = [f"{s}={tmp_path / 'variants' / s}.tsv" for s in dna]
    by_pairs = [*common, "-o", str(tmp_path / "b.h5ad"), "--variants", *pairs]
    assert features.run(parse(by_pattern)) == 0
    assert features.run(parse(by_pairs)) == 0
    a, b = ad.read_h5ad(tmp_path / "a.h5ad"), ad.read_h5ad(tmp_path / "b.h5ad")
    columns = [c for c in a.obs.columns if c.startswith("dna_")]
    assert a.obs["dna_available"].tolist() == [s in dna for s in a.obs_names]
    assert a.obs.loc[list(dna), "dna_tmb"].gt(0).all()
    pd.testing.assert_frame_equal(a.obs[columns], b.obs[columns])
    assert a.uns["rtpredict"]["features"]["params"]["dna_tumours"] == 2
    assert b.uns["rtpredict"]["features"]["params"]["dna_tumours"] == 2
