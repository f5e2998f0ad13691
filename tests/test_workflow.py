"""End to end: the Snakemake workflow on a small simulated cohort, both routes, real tools."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import yaml
from scipy.stats import spearmanr

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.workflow


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"),
           "--directory", str(workdir), "--configfile", str(workdir / "config.yaml"),
           "--cores", "2", *args]  # fmt: skip
    return subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)


def write_config(workdir: Path, cohort: Path, **overrides) -> None:
    config = {
        "samples": str(cohort / "samples.tsv"),
        "clinical": str(cohort / "clinical.tsv"),
        "reference": {"gtf": str(cohort / "reference" / "annotation.gtf")},
        **overrides,
    }
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))


ROUTES = {
    # salmon needs no genome: the transcriptome as given, versioned FASTA headers
    "salmon": {"transcriptome_fasta": "transcripts.fa"},
    # STAR needs the genome; the salmon route's decoys are not involved
    "star": {"genome_fasta": "genome.fa"},
}


@pytest.fixture(scope="module", params=list(ROUTES))
def finished_run(request, small_cohort, tmp_path_factory):
    route = request.param
    workdir = tmp_path_factory.mktemp(f"run_{route}")
    reference = {"gtf": str(small_cohort / "reference" / "annotation.gtf")}
    reference.update({k: str(small_cohort / "reference" / v) for k, v in ROUTES[route].items()})
    write_config(workdir, small_cohort, quantifier=route, reference=reference)
    result = snakemake(workdir)
    assert result.returncode == 0, result.stderr[-3000:]
    return route, workdir


def test_gene_tpm_matches_the_truth(finished_run, small_cohort):
    route, workdir = finished_run
    adata = ad.read_h5ad(workdir / "results" / "cohort.h5ad")
    truth = pd.read_csv(small_cohort / "truth" / "gene_tpm.tsv", sep="\t", index_col=0)
    for i, sample in enumerate(adata.obs_names):
        estimate = pd.Series(adata.layers["tpm"][i], index=adata.var_names)
        true = truth[sample].reindex(estimate.index)
        expressed = true >= 1
        rho = spearmanr(estimate[expressed], true[expressed])[0]
        assert rho >= 0.90, f"{route} {sample}: Spearman {rho:.3f} over {expressed.sum()} genes"


def test_cohort_anndata_contents(finished_run, small_cohort):
    route, workdir = finished_run
    adata = ad.read_h5ad(workdir / "results" / "cohort.h5ad")
    assert list(adata.obs_names) == ["SIM001", "SIM002", "SIM003"]
    assert adata.obs.loc["SIM001", "n_lanes"] == 2
    np.testing.assert_allclose(adata.X, np.log1p(adata.layers["tpm"]), rtol=1e-5)
    assert {"counts", "tpm", "length_scaled_counts"} <= set(adata.layers)
    assert adata.var.loc["ENSG00000097007", "symbol"] == "ABL1"
    clinical = pd.read_csv(small_cohort / "clinical.tsv", sep="\t", index_col=0)
    np.testing.assert_allclose(adata.obs["fractions"], clinical["fractions"])
    assert (adata.obs["strandedness"] == "reverse").all()
    rates = adata.obs["mapping_rate"]
    assert rates["SIM003"] < 0.7 < rates["SIM002"], "the poor library shows in QC"
    tools = adata.uns["rtpredict"]["tools"]
    assert ("salmon" in tools) if route == "salmon" else ({"STAR", "featureCounts"} <= set(tools))
    if route == "star":
        assert (adata.obs["bam_properly_paired_fraction"] > 0.5).all()
    exported = pd.read_csv(workdir / "results" / "tables" / "gene_tpm.tsv", sep="\t", index_col=0)
    assert exported.shape == (adata.n_vars, adata.n_obs + 1)


def test_second_run_has_nothing_to_do(finished_run):
    _, workdir = finished_run
    result = snakemake(workdir, "-n")
    assert result.returncode == 0
    assert "Nothing to be done" in result.stdout + result.stderr


def test_every_rule_has_log_benchmark_and_resources(finished_run):
    _, workdir = finished_run
    benchmarks = list((workdir / "results" / "benchmarks").rglob("*.tsv"))
    assert benchmarks
    table = pd.read_csv(benchmarks[0], sep="\t")
    assert {"s", "max_rss"} <= set(table.columns)


def test_unknown_config_key_is_refused(tmp_path, small_cohort):
    write_config(tmp_path, small_cohort, quantifer="salmon")
    result = snakemake(tmp_path, "-n")
    assert result.returncode != 0
    assert "quantifer" in result.stdout + result.stderr
    assert not (tmp_path / "results").exists()


def test_bad_sample_sheet_stops_before_any_job(tmp_path, small_cohort):
    sheet = (small_cohort / "samples.tsv").read_text().replace("fastq/", f"{small_cohort}/fastq/")
    sheet = sheet.replace("SIM002_L001_R2", "SIM002_LX_R2").replace("vcf/", f"{small_cohort}/vcf/")
    (tmp_path / "samples.tsv").write_text(sheet)
    write_config(tmp_path, small_cohort, samples=str(tmp_path / "samples.tsv"))
    result = snakemake(tmp_path, "-n")
    assert result.returncode != 0
    message = f"{tmp_path / 'samples.tsv'}, line 4, field fastq_2: file not found"
    assert message in result.stdout + result.stderr
    assert not (tmp_path / "results").exists()


def test_features_predictions_and_provenance(finished_run, small_cohort):
    _, workdir = finished_run
    adata = ad.read_h5ad(workdir / "results" / "cohort.predictions.h5ad")
    for column in ("rsi", "gard", "buffa_hypoxia", "dna_available", "recurrence_prediction"):
        assert column in adata.obs, column
    sheet = pd.read_csv(small_cohort / "samples.tsv", sep="\t", keep_default_na=False)
    with_dna = set(sheet.loc[sheet["vcf"] != "", "sample_id"])
    assert set(adata.obs_names[adata.obs["dna_available"].astype(bool)]) == with_dna
    manifest = json.loads(adata.uns["rtpredict"]["provenance"])
    fastqs = {Path(f["path"]).name: f["sha256"] for f in manifest["inputs"]["fastq"]}
    r1 = small_cohort / "fastq" / "SIM002_L001_R1.fastq.gz"
    assert fastqs[r1.name] == hashlib.sha256(r1.read_bytes()).hexdigest()
    assert manifest["software"]["rtpredict"]
    assert manifest["config"]["quantifier"] in ("salmon", "star")


def test_truncated_fastq_stops_the_tumour_before_any_tool(tmp_path, small_cohort):
    data = tmp_path / "data"
    shutil.copytree(small_cohort, data)
    r1 = data / "fastq" / "SIM002_L001_R1.fastq.gz"
    r1.write_bytes(r1.read_bytes()[: r1.stat().st_size // 3])
    write_config(tmp_path, data)
    result = snakemake(tmp_path, "results/trimmed/SIM002_R1.fastq.gz")
    assert result.returncode != 0
    log = (tmp_path / "results" / "logs" / "check_fastq" / "SIM002.log").read_text()
    assert f"{r1}: the gzip stream is truncated" in log
    assert not (tmp_path / "results" / "qc" / "fastp" / "SIM002.fastp.json").exists()
