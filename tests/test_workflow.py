"""End to end: the Snakemake workflow on a small simulated cohort, both routes, real tools."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import yaml
from scipy.stats import spearmanr

from rtpredict import tl
from rtpredict.simulate import simulate_anndata

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.workflow
#: the small cohort's one batch (cohort.batch_size is 500)
BATCH = Path("results") / "batches" / "b0001"


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
        "reference": {
            "gtf": str(cohort / "reference" / "annotation.gtf"),
            "transcriptome_fasta": str(cohort / "reference" / "transcripts.fa"),
        },
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


def configure(workdir: Path, cohort: Path, route: str) -> None:
    reference = {"gtf": str(cohort / "reference" / "annotation.gtf")}
    reference.update({k: str(cohort / "reference" / v) for k, v in ROUTES[route].items()})
    write_config(workdir, cohort, quantifier=route, reference=reference)


def run_route(route: str, cohort: Path, workdir: Path) -> Path:
    configure(workdir, cohort, route)
    result = snakemake(workdir)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return workdir


@pytest.fixture(scope="module")
def salmon_run(small_cohort, tmp_path_factory) -> Path:
    return run_route("salmon", small_cohort, tmp_path_factory.mktemp("run_salmon"))


@pytest.fixture(scope="module")
def star_run(small_cohort, tmp_path_factory) -> Path:
    return run_route("star", small_cohort, tmp_path_factory.mktemp("run_star"))


@pytest.fixture(params=list(ROUTES))
def finished_run(request):
    return request.param, request.getfixturevalue(f"{request.param}_run")


def test_gene_tpm_matches_the_truth(finished_run, small_cohort):
    route, workdir = finished_run
    adata = ad.read_h5ad(workdir / BATCH / "expression.h5ad")
    truth = pd.read_csv(small_cohort / "truth" / "gene_tpm.tsv", sep="\t", index_col=0)
    for i, sample in enumerate(adata.obs_names):
        estimate = pd.Series(adata.layers["tpm"][i], index=adata.var_names)
        true = truth[sample].reindex(estimate.index)
        expressed = true >= 1
        rho = spearmanr(estimate[expressed], true[expressed])[0]
        assert rho >= 0.90, f"{route} {sample}: Spearman {rho:.3f} over {expressed.sum()} genes"


def test_cohort_anndata_contents(finished_run, small_cohort):
    route, workdir = finished_run
    adata = ad.read_h5ad(workdir / BATCH / "expression.h5ad")
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
    exported = pd.read_csv(workdir / BATCH / "gene_tpm.tsv", sep="\t", index_col=0)
    assert exported.shape == (adata.n_vars, adata.n_obs + 1)
    assert (adata.obs["batch"] == "b0001").all()


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
    line = (tmp_path / "config.yaml").read_text().splitlines().index("quantifer: salmon")
    expected = f"config.yaml, line {line + 1}, setting quantifer: unknown setting; "
    assert expected + "did you mean quantifier?" in result.stdout + result.stderr
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


@pytest.mark.parametrize("route", list(ROUTES))
def test_cohort_steps_command_lines_do_not_grow_with_the_cohort(tmp_path, small_cohort, route):
    """Thousands of SAMPLE=PATH pairs would overflow the shell's 128 KiB limit."""
    configure(tmp_path, small_cohort, route)
    result = snakemake(tmp_path, "-n", "-p", "--forceall")
    assert result.returncode == 0, result.stderr[-2000:]
    commands = [
        line for line in result.stdout.splitlines() if re.search(r" (aggregate|provenance) ", line)
    ]
    assert len(commands) == 2
    for command in commands:
        assert "--samples" in command
        assert not re.search(r"SIM00\d", command), command
    if route == "star":
        assert "--rna-pileup 'results/star/{sample}/hotspot_pileup.tsv'" in result.stdout
    features = [line for line in result.stdout.splitlines() if " rtpredict features " in line]
    assert len(features) == 1
    assert "--variants 'results/variants/{sample}.tsv'" in features[0]
    assert not re.search(r"SIM00\d", features[0]), features[0]


def test_features_predictions_and_provenance(finished_run, small_cohort):
    _, workdir = finished_run
    adata = ad.read_h5ad(workdir / "results" / "cohort.h5ad")
    assert adata.X is None, "the joined cohort holds no expression"
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
    reports = workdir / "results" / "reports"
    assert [p.name for p in reports.glob("*.html")] == ["cohort.html"]
    names = sorted(p.stem for p in (reports / "b0001").glob("*.html"))
    assert names == ["SIM001", "SIM002", "SIM003"]
    assert 'href="b0001/SIM001.html"' in (reports / "cohort.html").read_text()
    poor = (reports / "b0001" / "SIM003.html").read_text()
    assert "withheld" in poor.lower(), "the poor library's score is withheld"
    assert (workdir / "results" / "multiqc" / "rtpredict_qc_mqc.tsv").is_file()


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


def _comparable(adata: ad.AnnData) -> dict:
    """What two runs on the same inputs must agree on (not timestamps, paths or timings)."""
    obs = adata.obs.drop(
        columns=[c for c in adata.obs if c.endswith("_percentile")], errors="ignore"
    )
    return {"obs": obs, "var": adata.var, **{k: adata.layers[k] for k in adata.layers}}


def test_killed_run_resumes_to_the_same_results(star_run, small_cohort, tmp_path):
    """SIGKILL the STAR route mid-way, start it again: the results equal an uninterrupted run.

    The STAR + featureCounts route is deterministic; salmon 1.10's online phase is not, even on
    one thread (COMBINE-lab/salmon#102), so its estimates differ slightly between any two runs.
    """
    configure(tmp_path, small_cohort, "star")
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"),
           "--directory", str(tmp_path), "--configfile", str(tmp_path / "config.yaml"),
           "--cores", "2"]  # fmt: skip
    process = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    milestone = tmp_path / "results" / "star" / "SIM001" / "Aligned.sortedByCoord.out.bam"
    deadline = time.monotonic() + 600
    while not milestone.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert process.poll() is None, "the run ended before it could be interrupted"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert not (tmp_path / "results" / "cohort.h5ad").exists()

    # as after a crash or a killed node: unlock, run again (the profile sets rerun-incomplete)
    assert snakemake(tmp_path, "--unlock").returncode == 0
    result = snakemake(tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for name in (
        BATCH / "expression.h5ad",
        BATCH / "features.h5ad",
        BATCH / "predictions.h5ad",
        Path("results") / "cohort.h5ad",
    ):
        resumed = _comparable(ad.read_h5ad(tmp_path / name))
        reference = _comparable(ad.read_h5ad(star_run / name))
        pd.testing.assert_frame_equal(resumed.pop("obs"), reference.pop("obs"))
        pd.testing.assert_frame_equal(resumed.pop("var"), reference.pop("var"))
        for key, matrix in reference.items():
            np.testing.assert_array_equal(resumed[key], matrix, err_msg=f"{name} {key}")
    for table in (BATCH / "gene_counts.tsv", Path("results") / "tables" / "features.tsv"):
        resumed = (tmp_path / table).read_bytes()
        assert resumed == (star_run / table).read_bytes(), table
    leftovers = list((tmp_path / "results").rglob(".*.tmp*"))
    assert leftovers == [], "no temporary file is left behind"


def test_train_target_then_predict_with_the_local_model(salmon_run, small_cohort, tmp_path):
    # train on a cohort large enough to train on (simulated without reads), via the rule
    trainer = tmp_path / "train"
    write_config(trainer, small_cohort)
    config = yaml.safe_load((trainer / "config.yaml").read_text())
    config["train"] = {
        "name": "tiny",
        "target": "recurrence",
        "features": ["rsi", "buffa_hypoxia", "site"],
        "validate": "none",
        "n_random_sets": 0,
        "trained_on": "60 simulated tumours (a test)",
    }
    (trainer / "config.yaml").write_text(yaml.safe_dump(config))
    cohort = simulate_anndata(60, seed=3, n_background_genes=30)
    tl.score_rsi(cohort)
    tl.score_signatures(cohort, ["buffa_hypoxia"], reference=tl.reference_statistics(
        cohort, ["buffa_hypoxia"]))  # fmt: skip
    (trainer / "results").mkdir()
    cohort.write_h5ad(trainer / "results" / "cohort.h5ad")
    result = snakemake(trainer, "train", "--allowed-rules", "train")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    card = json.loads((trainer / "results" / "model" / "tiny.card.json").read_text())
    assert card["trained_on"] == "60 simulated tumours (a test)"
    assert [f["name"] for f in card["feature_schema"]["features"]] == config["train"]["features"]

    # then score the workflow's cohort with it, beside the shipped model
    workdir = tmp_path / "run"
    shutil.copytree(salmon_run, workdir, symlinks=True)
    shutil.copytree(trainer / "results" / "model", workdir / "model")
    config = yaml.safe_load((workdir / "config.yaml").read_text())
    config["predict"] = {"models": ["model/tiny.json", "default:recurrence"]}
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    result = snakemake(workdir)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    adata = ad.read_h5ad(workdir / "results" / "cohort.h5ad")
    assert {"tiny_prediction", "recurrence_prediction"} <= set(adata.obs)
    models = json.loads(adata.uns["rtpredict"]["provenance"])["models"]
    assert models["tiny"]["sha256"] == card["files"]["model"]["sha256"]


def test_identifying_clinical_column_stops_the_run_unless_allowed(tmp_path, small_cohort):
    clinical = pd.read_csv(small_cohort / "clinical.tsv", sep="\t")
    clinical["date_naissance"] = ["1957-03-12", "1962-11-02", "1949-07-30"]
    clinical.to_csv(tmp_path / "clinical.tsv", sep="\t", index=False)
    write_config(tmp_path, small_cohort, clinical=str(tmp_path / "clinical.tsv"))
    result = snakemake(tmp_path, "-n")
    assert result.returncode != 0
    out = result.stdout + result.stderr
    assert "line 1, field date_naissance: the column name says it holds a date" in out
    assert "1957" not in out, "the identifier itself is not printed"
    assert not (tmp_path / "results").exists()

    allow = {"allow_columns": {"date_naissance": "synthetic dates of a simulated cohort"}}
    write_config(tmp_path, small_cohort, clinical=str(tmp_path / "clinical.tsv"), privacy=allow)
    result = snakemake(tmp_path, "results/provenance.json")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    manifest = json.loads((tmp_path / "results" / "provenance.json").read_text())
    assert manifest["allowed_identifier_columns"] == allow["allow_columns"]


def test_federated_site_rule_is_defined_by_the_config(tmp_path, small_cohort):
    for name in ("plan.yaml", "ca.crt", "H01.key"):
        (tmp_path / name).write_text("placeholder\n")
    federated = {
        "plan": str(tmp_path / "plan.yaml"),
        "site_code": "H01",
        "superlink": "127.0.0.1:9092",
        "ca": str(tmp_path / "ca.crt"),
        "key": str(tmp_path / "H01.key"),
    }
    reference = {
        "gtf": str(small_cohort / "reference" / "annotation.gtf"),
        "transcriptome_fasta": str(small_cohort / "reference" / "transcripts.fa"),
    }
    write_config(tmp_path, small_cohort, reference=reference, federated=federated)
    result = snakemake(tmp_path, "federated_site", "-n")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "federated_site" in result.stdout
    write_config(tmp_path, small_cohort, reference=reference)
    assert snakemake(tmp_path, "federated_site", "-n").returncode != 0, "no plan, no rule"


def test_a_reference_without_genome_or_transcriptome_is_refused(tmp_path, small_cohort):
    reference = {"gtf": str(small_cohort / "reference" / "annotation.gtf")}
    write_config(tmp_path, small_cohort, reference=reference)  # a GTF only
    result = snakemake(tmp_path, "-n")
    assert result.returncode != 0
    assert "give reference.transcriptome_fasta, or reference.genome_fasta" in (
        result.stdout + result.stderr
    )


def _hashes(results: Path) -> dict[str, str]:
    """sha256 of every file a batch or a tumour owns (not the cohort-level joins)."""
    cohort_level = ("logs", "benchmarks", "tables", "multiqc", ".snakemake")
    return {
        str(p.relative_to(results)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(results.rglob("*"))
        if p.is_file()
        and p.relative_to(results).parts[0] not in cohort_level
        and p.name not in ("cohort.h5ad", "cohort.html", "provenance.json")
    }


def test_new_tumours_run_alone_and_batches_change_no_result(star_run, small_cohort, tmp_path):
    """Append a tumour to a finished run: only its own jobs, its batch's and the cohort joins
    run, every earlier file keeps its bytes, and the cohort equals the one-batch run's."""
    text = (small_cohort / "samples.tsv").read_text()
    text = text.replace("fastq/", f"{small_cohort}/fastq/").replace("vcf/", f"{small_cohort}/vcf/")
    header, *rows = text.splitlines(keepends=True)
    sheet = tmp_path / "samples.tsv"
    sheet.write_text(header + "".join(r for r in rows if not r.startswith("SIM003")))
    configure(tmp_path, small_cohort, "star")
    config = yaml.safe_load((tmp_path / "config.yaml").read_text())
    # the one-batch run's reference statistics, frozen: cohort-relative scores then agree
    frozen = str(star_run / BATCH / "features.reference.json")
    config |= {
        "samples": str(sheet),
        "cohort": {"batch_size": 2},
        "features": {"reference": frozen},
    }
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    result = snakemake(tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    before = _hashes(tmp_path / "results")

    sheet.write_text(header + "".join(rows))  # SIM003 arrives
    plan = snakemake(tmp_path, "-n")
    assert plan.returncode == 0, plan.stderr[-2000:]
    wildcards = {
        w
        for job in re.findall(r"wildcards: (.+)$", plan.stdout, re.MULTILINE)
        for w in job.split(", ")
        if not w.startswith("step=")  # the batch's input lists: aggregate, features
    }
    assert wildcards == {"sample=SIM003", "batch=b0002"}, wildcards
    for rule in ("aggregate", "features", "predict", "report", "join", "cohort_report"):
        assert re.search(rf"^{rule}\s+1$", plan.stdout, re.MULTILINE), rule
    assert re.search(r"^batch_inputs\s+2$", plan.stdout, re.MULTILINE)
    result = snakemake(tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    after = _hashes(tmp_path / "results")
    assert {k: after[k] for k in before} == before, "earlier tumours' files are untouched"
    assert (tmp_path / "results" / "reports" / "b0002" / "SIM003.html").is_file()

    batched = ad.read_h5ad(tmp_path / "results" / "cohort.h5ad")
    whole = ad.read_h5ad(star_run / "results" / "cohort.h5ad")
    assert list(batched.obs["batch"]) == ["b0001", "b0001", "b0002"]
    pd.testing.assert_frame_equal(
        batched.obs.drop(columns="batch")[whole.obs.columns.drop("batch")],
        whole.obs.drop(columns="batch"),
        check_dtype=False,
        check_categorical=False,
    )
    for key in whole.obsm:
        np.testing.assert_array_equal(np.asarray(batched.obsm[key]), np.asarray(whole.obsm[key]))


def test_new_tumour_command_adds_one_tumour_and_writes_its_report(small_cohort, tmp_path):
    """The clinic's path: one tumour's FASTQ, VCF and covariates in, its report out; the run's
    other tumours keep every byte, and the sheet names the batches it already had."""
    text = (small_cohort / "samples.tsv").read_text()
    text = text.replace("fastq/", f"{small_cohort}/fastq/").replace("vcf/", f"{small_cohort}/vcf/")
    header, *rows = text.splitlines(keepends=True)
    (tmp_path / "samples.tsv").write_text(header + "".join(r for r in rows if "SIM002" in r))
    clinical = pd.read_csv(small_cohort / "clinical.tsv", sep="\t", dtype=str)
    clinical[clinical["sample_id"] == "SIM002"].to_csv(
        tmp_path / "clinical.tsv", sep="\t", index=False
    )
    reference = {k: str(small_cohort / "reference" / v) for k, v in ROUTES["salmon"].items()}
    reference["gtf"] = str(small_cohort / "reference" / "annotation.gtf")
    frozen = {"reference": "default:demo_recurrence"}  # the cohort's frozen statistics
    write_config(tmp_path, small_cohort, samples="samples.tsv", clinical="clinical.tsv",
                 reference=reference, features=frozen)  # fmt: skip
    result = snakemake(tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    before = _hashes(tmp_path / "results")

    row = clinical.set_index("sample_id").loc["SIM003"]
    values = [f"--clinical={c}={row[c]}" for c in ("site", "dose_per_fraction", "fractions")]
    r1, r2 = (small_cohort / "fastq" / f"SIM003_L001_R{m}.fastq.gz" for m in (1, 2))
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"

    def new_tumour(*args: str) -> subprocess.CompletedProcess:
        cmd = [sys.executable, "-m", "rtpredict", "new-tumour", "--directory", str(tmp_path),
               "--sample-id", "SIM003", "--fastq-1", str(r1), "--fastq-2", str(r2),
               *args]  # fmt: skip
        return subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)

    sheet_text, clinical_text = (
        (tmp_path / f).read_text() for f in ("samples.tsv", "clinical.tsv")
    )
    bad = new_tumour(*values, "--clinical=received_rt=yes")
    assert bad.returncode == 2
    assert "clinical.tsv (the tumour's row added), line 3, field received_rt" in bad.stderr
    assert (tmp_path / "samples.tsv").read_text() == sheet_text, "nothing changed"
    assert (tmp_path / "clinical.tsv").read_text() == clinical_text
    assert not list(tmp_path.glob(".*.tmp"))

    vcf = small_cohort / "vcf" / "SIM003.vcf.gz"
    result = new_tumour("--vcf", str(vcf), *values, "--cores", "2")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = tmp_path / "results" / "reports" / "SIM003" / "SIM003.html"
    assert f"wrote {report}" in result.stdout
    assert "dna" in report.read_text().lower()
    after = _hashes(tmp_path / "results")
    assert {k: after[k] for k in before} == before, "the other tumours' files are untouched"
    sheet = pd.read_csv(tmp_path / "samples.tsv", sep="\t", dtype=str, keep_default_na=False)
    assert list(sheet["batch"]) == ["b0001", "SIM003"]
    added = pd.read_csv(tmp_path / "clinical.tsv", sep="\t", dtype=str, keep_default_na=False)
    assert added.set_index("sample_id").loc["SIM003", "site"] == row["site"]

    again = new_tumour()
    assert again.returncode == 2
    assert "SIM003 is already in the sample sheet" in again.stderr
