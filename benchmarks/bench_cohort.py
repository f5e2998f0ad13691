"""Cohort scale: planning, the cohort steps per batch, and incremental runs at real size.

Builds a synthetic workflow state for N tumours at the size of the human transcriptome: a GTF of
``--genes`` genes and ``--transcripts`` transcripts that holds every catalog signature gene
(real Ensembl IDs and symbols) plus background genes, and, per tumour, the outputs of the
per-tumour steps (FASTQ check, fastp JSON, salmon's quant directory with a ``quant.sf`` of every
transcript). ``--distinct`` different ``quant.sf`` files are hard-linked under every tumour's
name: parsing costs the same, but the files come from the page cache, not from disk. Then it
measures Snakemake itself, each run in its own process (wall time; peak RSS of the largest
process from ``getrusage``):

``plan``         ``snakemake -n`` on a fresh sheet of N tumours (every job of a first run):
                 wall time, peak memory, growth exponent between the smallest and largest N.
``cohort``       the cohort steps from the per-tumour outputs (tx2gene, then per batch:
                 aggregate, features, predict, tumour reports; provenance, join, cohort
                 report): wall time of the run and, from the rules' ``benchmark:`` files, time
                 and peak memory of each step, and seconds per tumour.
``incremental``  after ``cohort``: appends ``--add`` tumours to the sheet, prints the jobs the
                 dry run plans, runs them, and checks that every earlier batch's and tumour's
                 file kept its bytes.
``scale``        the steps that grow with N (join, cohort report) at N tumours, over copies of
                 a ``cohort`` run's batches (``--source``) under new IDs: the batch steps cost
                 the same per batch at any N.

Examples::

    python benchmarks/bench_cohort.py plan --tumours 1000 2000 5000 10000 20000
    python benchmarks/bench_cohort.py cohort --tumours 1000 --workdir /tmp/cohort1k
    python benchmarks/bench_cohort.py cohort --tumours 50000 --workdir /tmp/cohort50k \
        --no-gene-tables --until predict            # aggregate, features, predict only
    python benchmarks/bench_cohort.py incremental --workdir /tmp/cohort1k --add 10
    python benchmarks/bench_cohort.py scale --tumours 50000 --source /tmp/cohort1k \
        --workdir /tmp/cohort50k
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from workflow_steps import summarise  # noqa: E402

#: a run of one command, measured by a small wrapper process: wall seconds, peak RSS (MB)
_MEASURE = (
    "import json, resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "wall = time.perf_counter() - start\n"
    "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
    "print(json.dumps({'code': code, 's': wall, 'max_rss_mb': rss}))\n"
)


def measure(cmd: list[str], cwd: Path) -> dict:
    """Run ``cmd`` in ``cwd``; return its exit code, wall seconds and peak RSS (MB)."""
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, *cmd], cwd=cwd, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def snakemake(workdir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"),
            "--directory", str(workdir), "--configfile", str(workdir / "config.yaml"),
            "--cores", "2", *args]  # fmt: skip


# ----- the synthetic reference and per-tumour outputs ------------------------------------------
def _catalog_genes() -> dict[str, str]:
    from rtpredict.signatures import load_catalog

    return {g.ensembl: g.symbol for s in load_catalog().values() for g in s.genes if g.ensembl}


def write_reference(folder: Path, n_genes: int, n_transcripts: int, seed: int) -> pd.DataFrame:
    """Write ``annotation.gtf`` and ``transcripts.fa``; return the transcripts (name, length)."""
    rng = np.random.default_rng(seed)
    catalog = _catalog_genes()
    genes = list(catalog) + [f"ENSG9{i:010d}" for i in range(n_genes - len(catalog))]
    symbols = list(catalog.values()) + [f"BG{i}" for i in range(n_genes - len(catalog))]
    # every gene has one transcript, the rest are spread at random
    gene_of = np.concatenate(
        [np.arange(n_genes), rng.integers(0, n_genes, n_transcripts - n_genes)]
    )
    gene_of.sort()
    names = [f"ENST9{i:010d}.{1 + i % 9}" for i in range(n_transcripts)]
    lengths = rng.integers(300, 6000, n_transcripts)
    lines = []
    for t, (g, name, length) in enumerate(zip(gene_of, names, lengths, strict=True)):
        tid, version = name.split(".")
        attrs = (
            f'gene_id "{genes[g]}"; gene_version "1"; transcript_id "{tid}"; '
            f'transcript_version "{version}"; gene_name "{symbols[g]}"; '
            'gene_biotype "protein_coding";'
        )
        start = 1000 + 10_000 * t
        cut = start + length // 2
        lines.append(f"1\tsyn\texon\t{start}\t{cut - 1}\t.\t+\t.\t{attrs}\n")
        lines.append(
            f"1\tsyn\texon\t{cut + 100}\t{cut + 100 + length - length // 2 - 1}\t.\t+\t.\t{attrs}\n"
        )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "annotation.gtf").write_text("".join(lines))
    (folder / "transcripts.fa").write_text(f">{names[0]}\n{'ACGT' * 100}\n")
    return pd.DataFrame({"Name": names, "Length": lengths})


def write_quant(path: Path, transcripts: pd.DataFrame, rng: np.random.Generator) -> None:
    """A salmon ``quant.sf``: many zero abundances, the rest log-normal, 6 significant digits."""
    n = len(transcripts)
    tpm = np.where(rng.random(n) < 0.45, 0.0, rng.lognormal(0.5, 2.0, n))
    tpm *= 1e6 / tpm.sum()
    eff = np.maximum(transcripts["Length"].to_numpy() - 180.0, 20.0)
    reads = tpm * eff / 1e6 * 3e7 / 2000
    table = transcripts.assign(EffectiveLength=eff, TPM=tpm, NumReads=reads)
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, sep="\t", index=False, float_format="%.6g")


def _fastq(path: Path, mate: int) -> dict:
    """A tiny gzipped FASTQ; return its sha256 and size as `rtpredict check-fastq` reports."""
    with gzip.open(path, "wt") as out:
        for i in range(4):
            out.write(f"@r{i} {mate}\n{'ACGT' * 25}\n+\n{'I' * 100}\n")
    blob = path.read_bytes()
    return {"sha256": hashlib.sha256(blob).hexdigest(), "bytes": len(blob)}


def _json(path: Path, value: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value))


FASTP = {
    "summary": {
        "fastp_version": "0.23.2",
        "before_filtering": {"total_reads": 4_000_000, "q30_rate": 0.91},
        "after_filtering": {"total_reads": 3_900_000, "q30_rate": 0.93},
    },
    "adapter_cutting": {"adapter_trimmed_reads": 10_000},
    "duplication": {"rate": 0.05},
}
SALMON_META = {"salmon_version": "1.10.1", "num_processed": 1_950_000, "num_mapped": 1_850_000,
               "percent_mapped": 94.9}  # fmt: skip
SALMON_LIB = {"expected_format": "ISR", "compatible_fragment_ratio": 1.0, "ISF": 9_000,
              "ISR": 1_841_000}  # fmt: skip


def write_cohort(workdir: Path, n: int, *, genes: int, transcripts: int, distinct: int,
                 batch_size: int, gene_tables: bool = True, seed: int = 1) -> None:  # fmt: skip
    """Write the reference, sheet, clinical table, config and every tumour's per-tumour
    outputs (as a finished first run left them, minus the cohort steps)."""
    data = workdir / "data"
    tx = write_reference(data / "reference", genes, transcripts, seed)
    (data / "fastq").mkdir(parents=True, exist_ok=True)
    sums = [_fastq(data / "fastq" / f"template_R{m}.fastq.gz", m) for m in (1, 2)]
    rng = np.random.default_rng(seed)
    quants = [workdir / "template" / f"quant{i}.sf" for i in range(distinct)]
    for path in quants:
        write_quant(path, tx, rng)
    config = {
        "samples": "data/samples.tsv",
        "clinical": "data/clinical.tsv",
        "reference": {"gtf": "data/reference/annotation.gtf",
                      "transcriptome_fasta": "data/reference/transcripts.fa"},
        "cohort": {"batch_size": batch_size, "gene_tables": gene_tables},
        "predict": {"models": ["default:recurrence"], "horizon": 5},
    }  # fmt: skip
    (workdir / "config.yaml").write_text(json.dumps(config))
    (workdir / "sums.json").write_text(json.dumps(sums))
    _json(workdir / "results" / "qc" / "reference_check.json", {"ok": True})
    index = workdir / "resources" / "salmon_index"
    index.mkdir(parents=True, exist_ok=True)
    (index / "versionInfo.json").write_text("{}")
    past = min(p.stat().st_mtime for p in quants) - 3600
    for path in [*(data / "reference").iterdir(), *(data / "fastq").glob("template_*")]:
        os.utime(path, (past, past))  # inputs older than every output
    for path in (workdir / "results" / "qc" / "reference_check.json", index):
        os.utime(path, (past + 60, past + 60))  # the index older than every quantification
    add_tumours(workdir, range(n))


def add_tumours(workdir: Path, numbers) -> list[str]:
    """Append tumours to the sheet and clinical table, with their per-tumour outputs written
    as the per-tumour rules write them; return their IDs."""
    data, results = workdir / "data", workdir / "results"
    sheet, clinical = data / "samples.tsv", data / "clinical.tsv"
    quants = sorted((workdir / "template").glob("quant*.sf"))
    sums = json.loads((workdir / "sums.json").read_text())
    ids = [f"T{i:06d}" for i in numbers]
    rows, clin = [], []
    for k, sample in enumerate(ids):
        fastqs = [data / "fastq" / f"{sample}_R{mate}.fastq.gz" for mate in (1, 2)]
        for mate, link in enumerate(fastqs, 1):
            if not link.exists():
                os.link(data / "fastq" / f"template_R{mate}.fastq.gz", link)
        rows.append(f"{sample}\tfastq/{fastqs[0].name}\tfastq/{fastqs[1].name}\n")
        clin.append(f"{sample}\tlung\t{2.0 if k % 3 else 1.8}\t30\t1\n")
        quant = results / "salmon" / sample
        quant.mkdir(parents=True, exist_ok=True)
        if not (quant / "quant.sf").exists():
            os.link(quants[k % len(quants)], quant / "quant.sf")
        _json(quant / "aux_info" / "meta_info.json", SALMON_META)
        _json(quant / "lib_format_counts.json", SALMON_LIB)
        _json(results / "qc" / "fastp" / f"{sample}.fastp.json", FASTP)
        (results / "qc" / "fastp" / f"{sample}.fastp.html").write_text("<html></html>\n")
        lane = {"fastq_1": str(fastqs[0]), "fastq_2": str(fastqs[1]), "read_pairs": 4,
                "sha256": [s["sha256"] for s in sums],
                "bytes": [s["bytes"] for s in sums]}  # fmt: skip
        _json(results / "qc" / "fastq_check" / f"{sample}.json", {"read_pairs": 4, "lanes": [lane]})
    # each step's outputs newer than its inputs, as a run leaves them; the quant.sf files are
    # hard links sharing the templates' time, so the steps before salmon are dated before it
    # (touching a link would date every tumour's quant.sf, and re-run every batch)
    salmon = min(p.stat().st_mtime for p in quants)
    for sample in ids:
        steps = [
            [results / "qc" / "fastq_check" / f"{sample}.json"],
            [results / "qc" / "fastp" / f"{sample}.fastp.{x}" for x in ("json", "html")],
            [p for p in (results / "salmon" / sample).rglob("*") if p.name != "quant.sf"],
        ]
        for step, paths in enumerate(steps):
            for path in paths:
                os.utime(path, (salmon - 30 + 10 * step, salmon - 30 + 10 * step))
    new = not sheet.exists()
    with sheet.open("a") as out:
        out.write("sample_id\tfastq_1\tfastq_2\n" if new else "")
        out.writelines(rows)
    with clinical.open("a") as out:
        out.write("sample_id\tsite\tdose_per_fraction\tfractions\treceived_rt\n" if new else "")
        out.writelines(clin)
    return ids


# ----- measurements ----------------------------------------------------------------------------
def plan(args: argparse.Namespace) -> None:
    """``snakemake -n`` on fresh sheets of each size."""
    rows = []
    for n in args.tumours:
        workdir = args.workdir / f"plan{n}"
        if not (workdir / "config.yaml").exists():
            write_cohort(workdir, n, genes=200, transcripts=400, distinct=1,
                         batch_size=args.batch_size)  # fmt: skip
            shutil.rmtree(workdir / "results")  # a fresh sheet: every job of a first run
        run = measure(snakemake(workdir, "-n"), workdir)
        assert run["code"] == 0, f"snakemake -n failed at {n} tumours"
        rows.append(
            {"tumours": n, "wall_s": round(run["s"], 1), "peak_rss_mb": round(run["max_rss_mb"])}
        )
    table = pd.DataFrame(rows)
    print(table.to_markdown(index=False))
    first, last = rows[0], rows[-1]
    exponent = math.log(last["wall_s"] / first["wall_s"]) / math.log(
        last["tumours"] / first["tumours"]
    )
    print(f"\ngrowth exponent {first['tumours']} -> {last['tumours']} tumours: {exponent:.2f}")


def cohort(args: argparse.Namespace) -> None:
    """The cohort steps of a finished per-tumour state of N tumours."""
    workdir = args.workdir
    if not (workdir / "config.yaml").exists():
        start = time.perf_counter()
        write_cohort(workdir, args.tumours[0], genes=args.genes, transcripts=args.transcripts,
                     distinct=args.distinct, batch_size=args.batch_size,
                     gene_tables=not args.no_gene_tables)  # fmt: skip
        print(f"wrote the synthetic state in {time.perf_counter() - start:.0f} s")
    until = ["--until", *args.until] if args.until else []
    planned = subprocess.run(
        snakemake(workdir, "-n", *until), capture_output=True, text=True, check=True
    )
    print(_job_stats(planned.stdout))
    run = measure(snakemake(workdir, *until), workdir)
    assert run["code"] == 0, f"the run failed: see {workdir}/.snakemake/log"
    n = args.tumours[0]
    print(f"\n{n} tumours: {run['s']:.0f} s wall ({run['s'] / n:.3f} s per tumour on 2 cores)\n")
    summary = summarise(workdir / "results" / "benchmarks")
    summary["s_per_tumour"] = summary["total_s"] / n
    print(summary.round(3).to_markdown())


def incremental(args: argparse.Namespace) -> None:
    """Append tumours to a finished cohort: what re-runs, how long, what kept its bytes."""
    workdir = args.workdir
    before = _hashes(workdir / "results")
    existing = sum(1 for _ in (workdir / "results" / "salmon").iterdir())
    ids = add_tumours(workdir, range(existing, existing + args.add))
    planned = subprocess.run(snakemake(workdir, "-n"), capture_output=True, text=True, check=True)
    print(_job_stats(planned.stdout))
    wildcards = sorted(set(re.findall(r"wildcards: (\S+)", planned.stdout)))
    print(f"\njob wildcards: {', '.join(wildcards)}")
    run = measure(snakemake(workdir), workdir)
    assert run["code"] == 0
    after = _hashes(workdir / "results")
    changed = sorted(k for k in before if after.get(k) != before[k])
    print(f"\nadded {len(ids)} tumours to {existing}: {run['s']:.0f} s wall")
    print(f"files of earlier batches and tumours: {len(before)}, changed: {len(changed)}")
    for path in changed[:20]:
        print(f"  changed: {path}")


def scale(args: argparse.Namespace) -> None:
    """The cohort-level steps at N tumours: join and the cohort report, over copies of a
    finished run's batches (``--source``, a ``cohort`` work directory) under new tumour IDs.
    The batch steps cost the same per batch at any N; these are the steps that grow with N."""
    import anndata as ad

    sources = sorted((args.source / "results" / "batches").iterdir())
    target = args.workdir / "results"
    n, made = args.tumours[0], 0
    batches = []
    while made < n:
        source = sources[len(batches) % len(sources)]
        batch = target / "batches" / f"b{len(batches) + 1:04d}"
        batch.mkdir(parents=True, exist_ok=True)
        part = ad.read_h5ad(source / "predictions.h5ad")
        ids = [f"T{made + i:06d}" for i in range(part.n_obs)]
        part.obs_names = ids
        part.obs["batch"] = batch.name
        part.write_h5ad(batch / "predictions.h5ad")
        for name in ("samples.tsv", "features.tsv", "predictions.tsv"):
            table = pd.read_csv(source / name, sep="\t", dtype=str, keep_default_na=False)
            table["sample_id"] = ids
            table.to_csv(batch / name, sep="\t", index=False)
        made += part.n_obs
        batches.append(batch)
    rtpredict = [sys.executable, "-m", "rtpredict"]
    rows = []
    join = [*rtpredict, "join", *map(str, batches), "--output", str(target / "cohort.h5ad"),
            "--tables-dir", str(target / "tables")]  # fmt: skip
    report = [*rtpredict, "report", str(target / "cohort.h5ad"), "--outdir",
              str(target / "reports"), "--only", "cohort"]  # fmt: skip
    for step, cmd in (("join", join), ("cohort report", report)):
        run = measure(cmd, args.workdir)
        assert run["code"] == 0, step
        rss = round(run["max_rss_mb"])
        rows.append({"step": step, "tumours": made, "batches": len(batches),
                     "wall_s": round(run["s"], 1), "peak_rss_mb": rss})  # fmt: skip
    size = (target / "reports" / "cohort.html").stat().st_size / 2**20
    print(pd.DataFrame(rows).to_markdown(index=False))
    print(f"\ncohort.html: {size:.1f} MB")


def _job_stats(dry_run: str) -> str:
    match = re.search(r"Job stats:\n(.*?)\n\n", dry_run, re.DOTALL)
    return match.group(1) if match else dry_run[-2000:]


def _hashes(results: Path) -> dict[str, str]:
    """sha256 of every file a batch or a tumour owns (not the cohort-level joins)."""
    skip = ("logs", "benchmarks", "tables", "multiqc")
    return {
        str(p.relative_to(results)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(results.rglob("*"))
        if p.is_file()
        and p.relative_to(results).parts[0] not in skip
        and p.name not in ("cohort.h5ad", "cohort.html", "provenance.json")
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("plan", "cohort", "incremental", "scale"))
    parser.add_argument("--tumours", type=int, nargs="+", default=[1000])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/rtpredict-bench-cohort"))
    parser.add_argument("--genes", type=int, default=60_000)
    parser.add_argument("--transcripts", type=int, default=250_000)
    parser.add_argument("--distinct", type=int, default=8, help="distinct quant.sf files")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--add", type=int, default=10, help="tumours to append (incremental)")
    parser.add_argument(
        "--no-gene-tables", action="store_true", help="config cohort.gene_tables: false"
    )
    parser.add_argument("--source", type=Path, help="a finished `cohort` work directory (scale)")
    parser.add_argument(
        "--until", nargs="+", metavar="RULE", help="cohort: stop after these rules (e.g. predict)"
    )
    args = parser.parse_args()
    steps = {"plan": plan, "cohort": cohort, "incremental": incremental, "scale": scale}
    steps[args.what](args)


if __name__ == "__main__":
    main()
