"""Try every kind of bad input on the real entry points; print what the user sees (Markdown).

Each case builds a broken input in a temporary folder from a small simulated cohort, runs the
command a user would run (the workflow with ``snakemake -n`` where the check happens at parse
time, or the one job that reads the file), and reports the first line of the error and whether
any output was left behind looking complete.

Usage: ``python scripts/bad_input_table.py`` (about a minute).
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rtpredict.simulate import SimulationParams, write_cohort  # noqa: E402

ENV = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


def run(cmd: list[str], cwd: Path) -> tuple[int, str]:
    result = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True, check=False)
    return result.returncode, result.stdout + result.stderr


def snakemake(workdir: Path, *args: str) -> tuple[int, str]:
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(ROOT / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(workdir / "config.yaml"),
        "--cores",
        "1",
        *args,
    ]
    return run(cmd, workdir)


def rtpredict(workdir: Path, *args: str) -> tuple[int, str]:
    return run([sys.executable, "-m", "rtpredict", *args], workdir)


def config(workdir: Path, cohort: Path, **overrides) -> None:
    data = {
        "samples": str(workdir / "samples.tsv"),
        "clinical": str(workdir / "clinical.tsv"),
        "reference": {
            "gtf": str(cohort / "reference" / "annotation.gtf"),
            "transcriptome_fasta": str(cohort / "reference" / "transcripts.fa"),
        },
        **overrides,
    }
    (workdir / "config.yaml").write_text(yaml.safe_dump(data))


def first_error(output: str) -> str:
    """The line of the output that says what is wrong."""
    for pattern in (
        r"invalid (?:input|config): (.*)",
        r"rtpredict \S+: error: (.*)",
        r"InputError: (.*)",
        r"(.*(?:is not valid|must|Additional properties).*)",
    ):
        match = re.search(pattern, output)
        if match:
            return match.group(1).strip()
    return output.strip().splitlines()[-1] if output.strip() else "(no message)"


def leftovers(workdir: Path) -> str:
    results = workdir / "results"
    files = (
        [
            p
            for p in results.rglob("*")
            if p.is_file() and "logs" not in p.parts and "benchmarks" not in p.parts
        ]
        if results.exists()
        else []
    )
    return "none" if not files else ", ".join(str(p.relative_to(workdir)) for p in files[:3])


def main() -> int:
    base = Path(tempfile.mkdtemp(prefix="rtpredict-bad-"))
    cohort = base / "cohort"
    write_cohort(cohort, SimulationParams(n_tumours=2, read_pairs=2000, n_background_genes=20))
    sheet = (cohort / "samples.tsv").read_text().replace("fastq/", f"{cohort}/fastq/")
    sheet = sheet.replace("vcf/", f"{cohort}/vcf/")
    clinical = (cohort / "clinical.tsv").read_text()

    def case(name: str, prepare: Callable[[Path], None], check: Callable[[Path], tuple]):
        workdir = base / re.sub(r"\W+", "_", name)
        workdir.mkdir()
        (workdir / "samples.tsv").write_text(sheet)
        (workdir / "clinical.tsv").write_text(clinical)
        config(workdir, cohort)
        prepare(workdir)
        code, output = check(workdir)
        planned = re.search(r"^total\s+(\d+)", output, re.MULTILINE)
        message = (
            f"dry run plans all {planned.group(1)} jobs"
            if code == 0 and planned
            else first_error(output).replace(str(workdir) + "/", "").replace(str(cohort), "…")
        )
        print(f"| {name} | exit {code}: `{message}` | {leftovers(workdir)} |")

    def fastq(workdir: Path, data: bytes) -> None:
        target = workdir / "bad_R1.fastq.gz"
        target.write_bytes(data)
        text = (workdir / "samples.tsv").read_text()
        text = text.replace(f"{cohort}/fastq/SIM001_L001_R1.fastq.gz", str(target))
        (workdir / "samples.tsv").write_text(text)

    r1 = (cohort / "fastq" / "SIM001_L001_R1.fastq.gz").read_bytes()
    plain = gzip.decompress(r1)
    job = ("results/trimmed/SIM001_R1.fastq.gz",)

    print("| bad input | what the user sees | outputs left |")
    print("|---|---|---|")
    case(
        "truncated gzip FASTQ", lambda w: fastq(w, r1[: len(r1) // 2]), lambda w: snakemake(w, *job)
    )
    corrupt = bytearray(r1)
    corrupt[len(r1) // 2 : len(r1) // 2 + 32] = b"\0" * 32
    case("corrupt gzip FASTQ", lambda w: fastq(w, bytes(corrupt)), lambda w: snakemake(w, *job))
    case("empty FASTQ", lambda w: fastq(w, gzip.compress(b"")), lambda w: snakemake(w, *job))
    case(
        "CRLF FASTQ",
        lambda w: fastq(w, gzip.compress(plain.replace(b"\n", b"\r\n"))),
        lambda w: snakemake(w, *job),
    )
    lines = plain.split(b"\n")
    case(
        "R1 with 2 reads fewer than R2",
        lambda w: fastq(w, gzip.compress(b"\n".join(lines[8:]))),
        lambda w: snakemake(w, *job),
    )
    renamed = plain.replace(b"@SIM001.L1.000000000", b"@OTHER.L1.000000000", 1)
    case(
        "R1/R2 read names differ",
        lambda w: fastq(w, gzip.compress(renamed)),
        lambda w: snakemake(w, *job),
    )

    def sheet_text(text: str) -> Callable[[Path], None]:
        return lambda w: (w / "samples.tsv").write_bytes(text.encode("utf-8"))

    header, *rows = sheet.splitlines()
    case(
        "sample sheet with BOM and CRLF (accepted)",
        lambda w: (w / "samples.tsv").write_bytes(
            ("\ufeff" + sheet).replace("\n", "\r\n").encode()
        ),
        lambda w: snakemake(w, "-n"),
    )
    case(
        "sample sheet with a duplicate column",
        sheet_text(header + "\tfastq_1\n" + "\n".join(r + "\tx.fastq.gz" for r in rows) + "\n"),
        lambda w: snakemake(w, "-n"),
    )
    case(
        "sample sheet with a duplicate ID",
        sheet_text(sheet + rows[-1] + "\n"),
        lambda w: snakemake(w, "-n"),
    )
    case(
        "unknown config key",
        lambda w: config(w, cohort, quantifer="star"),
        lambda w: snakemake(w, "-n"),
    )
    case(
        "clinical table with a date of birth",
        lambda w: (w / "clinical.tsv").write_text(
            clinical.replace("\tcohort", "\tdate_of_birth\tcohort", 1)
            .replace("\nSIM001\t", "\nSIM001\t1957-03-12\t")
            .replace("\nSIM002\t", "\nSIM002\t1962-01-02\t")
        ),
        lambda w: snakemake(w, "-n"),
    )
    case(
        "GTF of another release than the transcriptome",
        lambda w: (w / "other.gtf").write_text(
            '1\tx\texon\t1\t100\t.\t+\t.\tgene_id "ENSG1"; transcript_id "ENST1";\n'
        ),
        lambda w: (
            config(
                w,
                cohort,
                reference={
                    "gtf": str(w / "other.gtf"),
                    "transcriptome_fasta": str(cohort / "reference" / "transcripts.fa"),
                },
            ),
            snakemake(w, "results/qc/reference_check.json"),
        )[1],
    )
    case(
        "GTF and genome of different naming styles (mixed build)",
        lambda w: (w / "renamed.gtf").write_text(
            (cohort / "reference" / "annotation.gtf").read_text().replace("simchr", "chr")
        ),
        lambda w: (
            config(
                w,
                cohort,
                reference={
                    "gtf": str(w / "renamed.gtf"),
                    "genome_fasta": str(cohort / "reference" / "genome.fa"),
                },
            ),
            snakemake(w, "results/qc/reference_check.json"),
        )[1],
    )
    vcf = next((cohort / "vcf").glob("*.vcf.gz"))
    case(
        "VCF of the wrong build (GRCh38 file read as GRCh37)",
        lambda w: None,
        lambda w: rtpredict(
            w, "variants", str(vcf), "--genome", "GRCh37", "--output", str(w / "results" / "v.tsv")
        ),
    )
    case(
        "features missing from a model's schema",
        lambda w: (w / "t.tsv").write_text("sample_id\trsi\nP1\t0.4\n"),
        lambda w: rtpredict(w, "predict", str(w / "t.tsv"), "--tsv", str(w / "results" / "p.tsv")),
    )
    shutil.rmtree(base)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
