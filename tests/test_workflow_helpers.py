"""The workflow's helpers (rtpredict._workflow) as plain functions: no Snakemake run."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import yaml
from snakemake.utils import validate

from rtpredict._workflow import WorkflowPlan, check_references, command_options
from rtpredict.commands import aggregate, check_fastq, features, provenance, train
from rtpredict.errors import InputError

ROOT = Path(__file__).parents[1]


def parse(module, words: list[str]) -> argparse.Namespace:
    """Parse rendered options with the command's own parser."""
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    return parser.parse_args(words)


def make_config(**sections) -> dict:
    """The shipped config.yaml, validated (defaults filled in), with sections replaced."""
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    for key, value in sections.items():
        config[key] = config[key] | value if isinstance(value, dict) else value
    validate(config, str(ROOT / "schemas" / "config.schema.yaml"))
    return config


def make_sheet(n: int, *, dna_every: int = 1, two_lanes: tuple[str, ...] = ()) -> pd.DataFrame:
    """A sample sheet as read_sample_sheet returns it: T0001 … with one lane (or two)."""
    rows = []
    for i in range(1, n + 1):
        sample = f"T{i:04d}"
        vcf = f"/data/{sample}.vcf.gz" if i % dna_every == 0 else ""
        for lane in ("L001", "L002") if sample in two_lanes else ("L001",):
            r1, r2 = (f"/data/{sample}_{lane}_R{r}.fastq.gz" for r in (1, 2))
            rows.append((sample, lane, r1, r2, vcf, len(rows) + 2, ""))
    columns = ["sample_id", "lane", "fastq_1", "fastq_2", "vcf", "line", "batch"]
    return pd.DataFrame(rows, columns=columns)


def wc(**names) -> SimpleNamespace:
    return SimpleNamespace(**names)


def test_command_options_follow_each_commands_own_declaration():
    rendered = command_options(
        "check-fastq", {"pair": [("a 1.fq.gz", "a2.fq.gz"), ("b1.fq.gz", "b2.fq.gz")]}
    )
    assert rendered == "--pair 'a 1.fq.gz' a2.fq.gz --pair b1.fq.gz b2.fq.gz"
    words = [*shlex.split(rendered), "--output", "x.json"]
    assert parse(check_fastq, words).pair == [["a 1.fq.gz", "a2.fq.gz"], ["b1.fq.gz", "b2.fq.gz"]]
    assert command_options("predict", {"models": ["m.json", "default:x"], "horizon": None}) == (
        "--model m.json --model default:x"
    )
    assert command_options("report", {"model_card": ["a.card.json", "b.card.json"]}) == (
        "--model-card a.card.json b.card.json"
    )
    assert command_options("features", {"no_expression": True, "panel": None}) == (
        "--no-expression"
    )
    assert command_options("features", {"no_expression": False, "variants": []}) == ""
    with pytest.raises(InputError, match="no option storing 'colour'"):
        command_options("features", {"colour": "red"})
    with pytest.raises(InputError, match="'gsva' is not one of"):
        command_options("features", {"method": "gsva"})


def test_train_options_are_the_config_train_section_key_by_key():
    config = make_config(train={"horizon": 3.0, "seed": 7, "trained_on": "two sites' tumours"})
    plan = WorkflowPlan(config, make_sheet(2))
    args = parse(train, ["cohort.h5ad", "-o", "m.json", *shlex.split(plan.train_args())])
    for key, value in config["train"].items():
        assert getattr(args, "random_state" if key == "seed" else key) == value, key


def test_check_references_refuses_a_route_without_its_reference():
    star = make_config(quantifier="star", reference={"genome_fasta": None})
    with pytest.raises(InputError, match="genome_fasta is needed by quantifier: star"):
        check_references(star)
    neither = make_config(reference={"genome_fasta": None, "transcriptome_fasta": None})
    with pytest.raises(InputError, match=r"give reference\.transcriptome_fasta"):
        check_references(neither)
    check_references(make_config())


def test_lanes_are_merged_only_when_a_tumour_has_several():
    plan = WorkflowPlan(make_config(), make_sheet(2, two_lanes=("T0002",)))
    one, two = wc(sample="T0001"), wc(sample="T0002")
    assert plan.raw_fastqs(one)["r1"] == "/data/T0001_L001_R1.fastq.gz"
    assert plan.raw_fastqs(two)["r1"] == "results/merged/T0002_R1.fastq.gz"
    assert plan.raw_fastqs(two)["checked"] == "results/qc/fastq_check/T0002.json"
    assert plan.lane_fastqs(two)["r2"] == [
        f"/data/T0002_{lane}_R2.fastq.gz" for lane in ("L001", "L002")
    ]
    pairs = parse(check_fastq, [*shlex.split(plan.fastq_pairs(two)), "--output", "x"]).pair
    assert pairs == [
        [f"/data/T0002_{lane}_R{r}.fastq.gz" for r in (1, 2)] for lane in ("L001", "L002")
    ]
    assert plan.tumour_vcf(one) == "/data/T0001.vcf.gz"


def test_resources_grow_with_the_batch_input_and_attempt(tmp_path):
    plan = WorkflowPlan(make_config(cohort={"batch_size": 3}), make_sheet(4))
    assert list(plan.batches) == ["b0001", "b0002"]
    big = tmp_path / "big.bin"
    big.write_bytes(b"\0" * 2**20)  # 1 MiB
    mem = plan.mem_mb(500, per_gb=1024, per_tumour=1000)
    assert mem(wc(batch="b0001"), [str(big)], 1) == 500 + 1 + 3000
    assert mem(wc(batch="b0002"), [str(big), "not/made/yet"], 2) == 2 * (500 + 1 + 1000)
    assert mem(wc(sample="T0001"), [], 1) == 1000, "never below the floor"
    runtime = plan.runtime(10, per_tumour=2)
    assert runtime(wc(batch="b0001"), [], 3) == 3 * (10 + 6)


def test_the_features_command_line_does_not_grow_with_dna_tumours():
    small = WorkflowPlan(make_config(cohort={"batch_size": 5000}), make_sheet(3))
    large = WorkflowPlan(make_config(cohort={"batch_size": 5000}), make_sheet(3000))
    args = large.features_args(wc(batch="b0001"))
    assert args == small.features_args(wc(batch="b0001"))
    parsed = parse(features, ["in.h5ad", "-o", "out.h5ad", *shlex.split(args)])
    assert parsed.variants == ["results/variants/{sample}.tsv"]
    assert parsed.no_expression
    assert str(parsed.reference) == "default:demo_recurrence"
    # the batch's per-tumour files are still its job's inputs, through the list step
    listed = large.batch_step_inputs(wc(batch="b0001", step="features"))
    assert len(listed) == 3000
    assert listed[-1] == "results/variants/T3000.tsv"


def test_a_batch_without_dna_gets_no_variants_option():
    plan = WorkflowPlan(make_config(cohort={"batch_size": 2}), make_sheet(4, dna_every=3))
    assert plan.batches == {"b0001": ["T0001", "T0002"], "b0002": ["T0003", "T0004"]}
    assert "--variants" not in plan.features_args(wc(batch="b0001"))
    assert "--variants" in plan.features_args(wc(batch="b0002"))
    assert plan.batch_step_inputs(wc(batch="b0001", step="features")) == []


def test_star_route_adds_pileups_and_alignment_qc():
    config = make_config(quantifier="star")
    plan = WorkflowPlan(config, make_sheet(2, dna_every=2))
    features_inputs = plan.batch_step_inputs(wc(batch="b0001", step="features"))
    assert features_inputs == [
        "results/variants/T0002.tsv",
        "results/star/T0001/hotspot_pileup.tsv",
        "results/star/T0002/hotspot_pileup.tsv",
    ]
    aggregate_inputs = plan.batch_step_inputs(wc(batch="b0001", step="aggregate"))
    assert "results/featurecounts/T0001.tsv" in aggregate_inputs
    assert "results/star/T0002/bam_qc.json" in aggregate_inputs
    required = ["--quantifier", "star", "--gtf", "g", "--samples", "s", "-o", "o", "--tsv-dir", "t"]
    args = parse(aggregate, [*required, *shlex.split(plan.aggregate_args(wc(batch="b0001")))])
    assert args.quant == ["results/featurecounts/{sample}.tsv"]
    assert args.bam_qc == ["results/star/{sample}/bam_qc.json"]
    assert args.batch == "b0001"
    assert args.batch_size == config["cohort"]["batch_size"]
    salmon = WorkflowPlan(make_config(), make_sheet(2))
    assert salmon.batch_step_inputs(wc(batch="b0001", step="aggregate"))[-1] == (
        "results/salmon/T0002/quant.sf"
    )
    salmon_args = parse(
        aggregate, [*required, *shlex.split(salmon.aggregate_args(wc(batch="b0001")))]
    )
    assert salmon_args.bam_qc == []


def test_shipped_models_and_references_are_no_input_files():
    config = make_config(
        predict={"models": ["default:recurrence", "models/mine.json"]},
        features={"reference": "default:demo_recurrence"},
    )
    plan = WorkflowPlan(config, make_sheet(1))
    assert plan.predict_inputs(wc(batch="b0001"))["models"] == ["models/mine.json"]
    assert plan.model_cards() == ["models/mine.card.json"]
    assert "reference" not in plan.features_inputs(wc(batch="b0001"))
    files = plan.input_files()
    assert files["models"] == ["models/mine.json"]
    assert "reference" not in files
    args = parse(provenance, [*shlex.split(plan.provenance_args(wc())), "-o", "p.json"])
    assert "models=models/mine.json" in args.input
    assert args.fastq_checks == ["results/qc/fastq_check/{sample}.json"]
    own = WorkflowPlan(make_config(features={"reference": "ref/stats.json"}), make_sheet(1))
    assert own.features_inputs(wc(batch="b0001"))["reference"] == "ref/stats.json"
    assert own.input_files()["reference"] == ["ref/stats.json"]


def test_a_batch_digest_changes_with_its_own_rows_only():
    config = make_config(cohort={"batch_size": 2})
    sheet = make_sheet(4)
    before = WorkflowPlan(config, sheet).digests
    changed = sheet.copy()
    changed.loc[changed["sample_id"] == "T0003", "vcf"] = "/data/other.vcf.gz"
    after = WorkflowPlan(config, changed).digests
    assert after["b0001"] == before["b0001"]
    assert after["b0002"] != before["b0002"]
    named = sheet.assign(batch=["b0001", "b0001", "b0002", "b0002"])
    assert WorkflowPlan(config, named).digests == before, "naming the batches re-runs nothing"


def test_final_outputs_and_join_list_every_batch_in_order():
    plan = WorkflowPlan(make_config(cohort={"batch_size": 1}), make_sheet(3))
    assert plan.final_outputs()[2:] == [f"results/reports/b000{i}" for i in (1, 2, 3)]
    assert (
        plan.join_args(wc()) == "results/batches/b0001 results/batches/b0002 results/batches/b0003"
    )
    assert plan.join_inputs(wc())["features.tsv"][1] == "results/batches/b0002/features.tsv"
