"""One table, one run: rtpredict before and after a change, each beside the peer tool it must beat.

Rows (all on this machine, in one run, each measurement in its own process):

- singscore vs decoupler ``ulm``: ``--sig-tumours`` (10,000) tumours x 20,000 genes x 50 sets,
  float32 (``bench_signatures.py`` workers: same matrix and sets for every tool), as arrays
  (kernel vs ``ulm``) and as one AnnData (``tl.score_signatures`` vs ``ulm`` on the AnnData);
- ssGSEA vs gseapy ``ssgsea``: ``--gsea-tumours`` (1,000) x 20,000 x 20 sets;
- ``read_somatic_vcf`` vs a bare ``pysam.VariantFile`` loop (``bench_vcf.py``'s generated
  Mutect2 + VEP VCF, best of ``--repeat``);
- ``rtpredict check-fastq`` vs ``salmon quant -l A -p 2`` on one FASTQ pair (``--fastq``) and a
  salmon index of the same transcriptome (``--salmon-index``); skipped when not given.

"Before" runs the code of another checkout (``--before``, e.g. a ``git worktree`` of the commit
before the change), "after" this checkout's; each peer is measured once per run. In the
singscore and ssGSEA rows every tool, ours and the peers, reports the fastest of ``--repeat``
calls on the same input in one process (a shared machine's load comes and goes within a 0.1 s
call). Targets: singscore >= 5x faster than ulm, ssGSEA >= 100x gseapy, the VCF reader within
2x of bare pysam, check-fastq at least as fast as salmon.

    python benchmarks/bench_side_by_side.py --before ../wt-old \\
        --fastq R1.fastq.gz R2.fastq.gz --salmon-index salmon_idx
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
_VCF_SNIPPET = """
import sys, time
from rtpredict.genomics import read_somatic_vcf
times = []
for _ in range(int(sys.argv[2])):
    start = time.perf_counter()
    read_somatic_vcf(sys.argv[1])
    times.append(time.perf_counter() - start)
print(min(times))
"""


@dataclass
class Row:
    """One comparison: our time before and after, the peer's, and the target ratio."""

    what: str
    size: str
    before: float | None
    after: float
    peer: float
    peer_name: str
    target: str
    ok: bool


def _env(code: Path, cache: Path) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(code), NUMBA_CACHE_DIR=str(cache))
    env.setdefault("NUMBA_NUM_THREADS", "2")
    return env


def _signature_worker(tool: str, tumours: int, sets: int, repeat: int, env: dict[str, str]) -> dict:
    cmd = [sys.executable, str(BENCH / "bench_signatures.py"), "--worker", tool]
    cmd += ["--tumours", str(tumours), "--sets", str(sets), "--threads", "2"]
    cmd += ["--repeat", str(repeat)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{tool} at {tumours} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _wall(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    """Run ``cmd`` in ``cwd`` (never a checkout: ``-m``/``-c`` put the cwd first on sys.path)."""
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - start


def signature_rows(codes: dict[str, Path | None], args, scratch: Path) -> list[Row]:
    """singscore vs ulm and ssGSEA vs gseapy, before and after."""
    rows = []
    plans = [
        ("singscore", args.sig_tumours, 50, "ulm", 5.0),
        ("singscore_adata", args.sig_tumours, 50, "ulm_adata", 5.0),
        ("ssgsea", args.gsea_tumours, 20, "gseapy", 100.0),
    ]
    for ours, tumours, sets, peer, factor in plans:
        ran = {}
        for label, code in codes.items():
            if code is not None:
                ran[label] = _signature_worker(
                    ours, tumours, sets, args.repeat, _env(code, scratch / label)
                )
                print(f"  {ours} {label}: {ran[label]['run_s']:.2f} s", file=sys.stderr)
        theirs = _signature_worker(peer, tumours, sets, args.repeat, _env(ROOT, scratch / "peer"))
        theirs = theirs["run_s"]
        print(f"  {peer}: {theirs:.2f} s", file=sys.stderr)
        after = ran["after"]["run_s"]
        peaks = " / ".join(f"{r['peak_bytes'] / 2**20:,.0f}" for r in ran.values())
        rows.append(
            Row(
                ours,
                f"{tumours:,} x 20,000 x {sets} (peak MB {peaks})",
                ran["before"]["run_s"] if "before" in ran else None,
                after,
                theirs,
                peer,
                f">= {factor:g}x faster",
                theirs / after >= factor,
            )
        )
    return rows


def vcf_row(codes: dict[str, Path | None], args, scratch: Path) -> Row:
    """read_somatic_vcf vs a bare pysam loop on one generated VCF."""
    sys.path.insert(0, str(BENCH))
    from bench_vcf import best_time, pysam_loop, write_vcf

    path = scratch / "bench.vcf.gz"
    write_vcf(path, args.variants)
    ours = {}
    for label, code in codes.items():
        if code is not None:
            cmd = [sys.executable, "-c", _VCF_SNIPPET, str(path), str(args.repeat)]
            done = subprocess.run(
                cmd,
                cwd=scratch,
                env=_env(code, scratch / label),
                capture_output=True,
                text=True,
                check=True,
            )
            ours[label] = float(done.stdout.strip().splitlines()[-1])
    floor, _ = best_time(pysam_loop, path, args.repeat)
    return Row(
        "read_somatic_vcf",
        f"{args.variants:,} records",
        ours.get("before"),
        ours["after"],
        floor,
        "bare pysam loop",
        "<= 2x pysam",
        ours["after"] <= 2 * floor,
    )


def fastq_row(codes: dict[str, Path | None], args, scratch: Path) -> Row:
    """check-fastq vs salmon quant on one FASTQ pair."""
    r1, r2 = args.fastq
    ours = {}
    for label, code in codes.items():
        if code is not None:
            cmd = [sys.executable, "-m", "rtpredict", "check-fastq", "--pair", r1, r2]
            cmd += ["--output", str(scratch / f"check-{label}.json")]
            ours[label] = _wall(cmd, scratch, _env(code, scratch / label))
    pairs = json.loads((scratch / "check-after.json").read_text())["read_pairs"]
    salmon = shutil.which("salmon") or "salmon"
    quant = [salmon, "quant", "-i", str(args.salmon_index), "-l", "A", "-1", r1, "-2", r2]
    theirs = _wall([*quant, "-p", "2", "-o", str(scratch / "salmon")], scratch)
    return Row(
        "check-fastq",
        f"{pairs:,} read pairs",
        ours.get("before"),
        ours["after"],
        theirs,
        "salmon quant -p 2",
        "<= salmon",
        ours["after"] <= theirs,
    )


def print_table(rows: list[Row]) -> None:
    """Print the rows as a Markdown table with speed ratios against the peer."""
    print(
        "| rtpredict | size | before (s) | after (s) | peer | peer (s) | peer/before | "
        "peer/after | target |"
    )
    print("|---|---|---:|---:|---|---:|---:|---:|---|")
    for r in rows:
        before = f"{r.before:.2f}" if r.before is not None else "n/a"
        ratio_before = f"{r.peer / r.before:.2f}" if r.before else "n/a"
        print(
            f"| {r.what} | {r.size} | {before} | {r.after:.2f} | {r.peer_name} | {r.peer:.2f} | "
            f"{ratio_before} | {r.peer / r.after:.2f} | {r.target}: "
            f"{'met' if r.ok else 'MISSED'} |"
        )


def main() -> None:
    """Parse options, run every comparison, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="checkout of the code before the change")
    parser.add_argument("--sig-tumours", type=int, default=10_000)
    parser.add_argument("--gsea-tumours", type=int, default=1_000)
    parser.add_argument("--variants", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fastq", nargs=2, metavar=("R1", "R2"))
    parser.add_argument("--salmon-index", type=Path)
    parser.add_argument("--skip", nargs="*", default=[], choices=["signatures", "vcf", "fastq"])
    args = parser.parse_args()
    codes = {"before": args.before.resolve() if args.before else None, "after": ROOT}
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-side-") as folder:
        scratch = Path(folder)
        if "signatures" not in args.skip:
            rows += signature_rows(codes, args, scratch)
        if "vcf" not in args.skip:
            rows.append(vcf_row(codes, args, scratch))
        if "fastq" not in args.skip and args.fastq and args.salmon_index:
            rows.append(fastq_row(codes, args, scratch))
    print("\nNUMBA_NUM_THREADS=2; one process per measurement (shared machine: provisional)\n")
    print_table(rows)


if __name__ == "__main__":
    main()
