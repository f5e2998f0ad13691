"""Time rtpredict's signature kernels against peer tools on the same float32 matrix.

Matrix: ``--genes`` genes x ``--tumours`` tumours, float32, log1p(TPM)-like with ties at zero;
``--sets`` random gene sets of ``--min-size``..``--max-size`` genes (seeded). Every measurement
runs in its own process: wall time of the call (the fastest of ``--repeat`` calls), peak memory of
the process while it builds the input and runs (VmHWM reset after imports and warm-up, minus the
RSS at that point, so the input matrix counts once), and, apart, the first-call time (Numba
compile: cold with an empty cache, then cached).

rtpredict: within-sample ranks, singscore, ssGSEA (all sets in one pass), RSI, and
``singscore_adata``: ``rtpredict.tl.score_signatures`` on a float32 AnnData (gene names resolved,
input checked, scores written to ``obs``).
Peers: gseapy ``ssgsea``, decoupler ``aucell`` and ``ulm`` (``ulm_adata``: on the same AnnData),
scanpy ``tl.score_genes`` (one call per set). gseapy takes minutes at 10,000 tumours: by
default it runs up to ``--gseapy-max-tumours`` and larger sizes are extrapolated linearly,
labelled as such.

Examples::

    python benchmarks/bench_signatures.py                         # 1,000 and 10,000 tumours
    python benchmarks/bench_signatures.py --tumours 1000 --peers none
    python benchmarks/bench_signatures.py --tumours 1000 10000 --peers aucell ulm score_genes

Targets (10,000 tumours, 2 cores): ssGSEA 50 sets <= 10 s, singscore <= 5 s, peak memory
<= 2.5 x the input matrix.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

OURS = ("ranks", "singscore", "ssgsea", "rsi", "singscore_adata")
PEERS = ("gseapy", "aucell", "ulm", "score_genes", "ulm_adata")
TARGETS = {"ssgsea": 10.0, "singscore": 5.0, "singscore_adata": 5.0}
ROOT = Path(__file__).resolve().parents[1]


# ----------------------------------------------------------------------------- workload


def make_matrix(n_tumours: int, n_genes: int, seed: int) -> np.ndarray:
    """Return a float32 tumours x genes matrix built in place (no float64 temporaries)."""
    rng = np.random.default_rng(seed)
    level = rng.normal(1.5, 1.5, n_genes).astype(np.float32)
    X = np.empty((n_tumours, n_genes), np.float32)
    for start in range(0, n_tumours, 512):
        block = X[start : start + 512]
        rng.standard_normal(dtype=np.float32, out=block)
        block += level
        np.maximum(block, 0, out=block)  # about 15% zeros: ties, as in log1p(TPM)
    return X


def make_sets(n_genes: int, n_sets: int, low: int, high: int, seed: int) -> list[np.ndarray]:
    """Return ``n_sets`` sorted random gene-index sets of ``low``..``high`` genes."""
    rng = np.random.default_rng(seed + 1)
    return [
        np.sort(rng.choice(n_genes, rng.integers(low, high + 1), replace=False))
        for _ in range(n_sets)
    ]


# ----------------------------------------------------------------------------- memory


def _status(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


# ----------------------------------------------------------------------------- workers


def _adata(X: np.ndarray):
    """Wrap ``X`` (not copied) as an AnnData with sample names S0.. and gene names G0..."""
    import anndata as ad
    import pandas as pd

    obs = pd.DataFrame(index=[f"S{i}" for i in range(X.shape[0])])
    return ad.AnnData(X, obs=obs, var=pd.DataFrame(index=[f"G{j}" for j in range(X.shape[1])]))


def _our_call(tool: str):
    from rtpredict import kernels, tl
    from rtpredict.signatures import get_signature

    coefficients = np.array(get_signature("rsi").weights)

    def call(X, sets):
        if tool == "singscore_adata":
            adata = _adata(X)
            gmt = {f"set{k}": [f"G{j}" for j in s] for k, s in enumerate(sets)}
            tl.score_signatures(adata, gmt, method="singscore")
            return adata.obs[list(gmt)].to_numpy()
        if tool == "ranks":
            return kernels.rank_average(X)
        if tool == "rsi":
            return kernels.rsi_rank(X, np.linspace(0, X.shape[1] - 1, 10).astype(int), coefficients)
        indptr, indices = kernels.sets_to_csr(sets)
        if tool == "singscore":
            return kernels.singscore(X, indptr, indices)
        return kernels.ssgsea(X, indptr, indices, ties="gseapy")  # gseapy's tie order

    return call


def _peer_call(tool: str, threads: int):
    import pandas as pd

    def names(X):
        return [f"S{i}" for i in range(X.shape[0])], [f"G{j}" for j in range(X.shape[1])]

    def net(sets, genes):
        rows = [(f"set{k}", genes[j]) for k, s in enumerate(sets) for j in s]
        return pd.DataFrame(rows, columns=["source", "target"]).assign(weight=1.0)

    if tool == "gseapy":
        import gseapy

        def call(X, sets):
            samples, genes = names(X)
            frame = pd.DataFrame(X.T, index=genes, columns=samples)
            gmt = {f"set{k}": [genes[j] for j in s] for k, s in enumerate(sets)}
            result = gseapy.ssgsea(
                frame, gmt, min_size=1, max_size=10_000, threads=threads, outdir=None
            )
            table = result.res2d.pivot_table(
                index="Name", columns="Term", values="ES", aggfunc="first"
            )
            return table.loc[samples, list(gmt)].to_numpy(dtype=np.float64)

        return call
    if tool in ("aucell", "ulm", "ulm_adata"):
        import decoupler as dc

        method = getattr(dc.mt, tool.removesuffix("_adata"))

        def call(X, sets):
            samples, genes = names(X)
            if tool == "ulm_adata":
                adata = _adata(X)
                method(adata, net(sets, genes), tmin=1)
                return adata.obsm["score_ulm"]
            return method([X, samples, genes], net(sets, genes), tmin=1)

        return call
    import anndata as ad
    import scanpy as sc

    def call(X, sets):
        samples, genes = names(X)
        adata = ad.AnnData(X, obs=pd.DataFrame(index=samples), var=pd.DataFrame(index=genes))
        for k, s in enumerate(sets):
            sc.tl.score_genes(adata, [genes[j] for j in s], score_name=f"set{k}", random_state=0)
        return adata.obs.to_numpy()

    return call


def worker(args: argparse.Namespace) -> dict:
    """Measure one tool at one size in this process; return the figures."""
    t0 = time.perf_counter()
    call = _our_call(args.worker) if args.worker in OURS else _peer_call(args.worker, args.threads)
    tiny_sets = make_sets(args.genes, min(args.sets, 3), args.min_size, args.max_size, args.seed)
    tiny = make_matrix(4, args.genes, args.seed + 7)
    t1 = time.perf_counter()
    call(tiny, tiny_sets)  # Numba compile / cache load, library warm-up
    t2 = time.perf_counter()
    exact_peak = _reset_peak()
    baseline = _status("VmRSS")
    X = make_matrix(args.tumours, args.genes, args.seed)
    sets = make_sets(args.genes, args.sets, args.min_size, args.max_size, args.seed)
    runs, out = [], None
    for _ in range(args.repeat):
        out = None  # the previous call's result is not part of the next call's peak
        t3 = time.perf_counter()
        out = call(X, sets)
        runs.append(time.perf_counter() - t3)
    peak = _status("VmHWM")
    if args.save:
        np.save(args.save, np.asarray(out, dtype=np.float64))
    return {
        "tool": args.worker,
        "tumours": args.tumours,
        "import_s": t1 - t0,
        "first_call_s": t2 - t1,
        "run_s": min(runs),
        "input_bytes": X.nbytes,
        "peak_bytes": peak - baseline,
        "peak_exact": exact_peak,
    }


# ----------------------------------------------------------------------------- driver


def _run_worker(tool: str, tumours: int, args, env, save: Path | None = None) -> dict:
    cmd = [sys.executable, __file__, "--worker", tool, "--tumours", str(tumours)]
    cmd += ["--genes", str(args.genes), "--sets", str(args.sets), "--seed", str(args.seed)]
    cmd += ["--min-size", str(args.min_size), "--max-size", str(args.max_size)]
    cmd += ["--threads", str(args.threads), "--repeat", str(args.repeat)]
    cmd += ["--save", str(save)] if save else []
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{tool} at {tumours} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    """Parse options; run workers; print a Markdown table (and optional JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tumours", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--genes", type=int, default=20000)
    parser.add_argument("--sets", type=int, default=50)
    parser.add_argument("--min-size", type=int, default=10)
    parser.add_argument("--max-size", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--repeat", type=int, default=1, help="calls per measurement; the fastest is reported"
    )
    parser.add_argument(
        "--ours", nargs="+", default=list(OURS), choices=[*OURS, "none"], help="our kernels"
    )
    parser.add_argument(
        "--peers", nargs="+", default=list(PEERS), choices=[*PEERS, "none"], help="peer tools"
    )
    parser.add_argument(
        "--gseapy-max-tumours",
        type=int,
        default=1000,
        help="run gseapy up to this size; extrapolate larger sizes linearly (labelled)",
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--save", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        args.tumours = args.tumours[0]
        print(json.dumps(worker(args)))
        return

    ours = [t for t in args.ours if t != "none"]
    peers = [t for t in args.peers if t != "none"]
    env = dict(os.environ, NUMBA_NUM_THREADS=str(args.threads))
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    rows, compile_rows, checks = [], [], []
    with tempfile.TemporaryDirectory(prefix="bench-signatures-") as scratch:

        def env_for(tool: str) -> dict:  # one Numba cache per tool: cold, then cached
            return dict(env, NUMBA_CACHE_DIR=str(Path(scratch) / f"numba-{tool}"))

        for tool in ours:
            cold = _run_worker(tool, 2, args, env_for(tool))
            cached = _run_worker(tool, 2, args, env_for(tool))
            compile_rows.append((tool, cold["first_call_s"], cached["first_call_s"]))
        for n in sorted(args.tumours):
            for tool in ours + peers:
                if tool == "gseapy" and n > args.gseapy_max_tumours:
                    base = [r for r in rows if r["tool"] == "gseapy" and not r.get("note")]
                    if base:
                        ref = max(base, key=lambda r: r["tumours"])
                        rows.append(
                            {
                                "tool": "gseapy",
                                "tumours": n,
                                "run_s": ref["run_s"] * n / ref["tumours"],
                                "note": f"extrapolated x{n / ref['tumours']:g} from "
                                f"{ref['tumours']:,}",
                            }
                        )
                    continue
                save = Path(scratch) / f"{tool}-{n}.npy" if tool in ("ssgsea", "gseapy") else None
                rows.append(_run_worker(tool, n, args, env_for(tool), save))
                print(f"  {tool:12s} {n:>6,}: {rows[-1]['run_s']:.2f} s", file=sys.stderr)
            ours_file, theirs = Path(scratch) / f"ssgsea-{n}.npy", Path(scratch) / f"gseapy-{n}.npy"
            if ours_file.exists() and theirs.exists():
                diff = np.abs(np.load(ours_file) - np.load(theirs))
                checks.append((n, float(diff.max()), float(np.abs(np.load(theirs)).max())))

    print(
        f"\n{args.genes:,} genes, {args.sets} sets of {args.min_size}-{args.max_size} genes, "
        f"float32, {args.threads} threads (provisional: shared machine)\n"
    )
    print("| tool | tumours | run (s) | peak memory (MB) | peak / input | target |")
    print("|---|---:|---:|---:|---:|---|")
    for r in rows:
        if "note" in r:
            print(
                f"| {r['tool']} | {r['tumours']:,} | {r['run_s']:.1f} | n/a | n/a | {r['note']} |"
            )
            continue
        ratio = r["peak_bytes"] / r["input_bytes"]
        target = ""
        if r["tool"] in TARGETS and r["tumours"] >= 10000:
            ok = r["run_s"] <= TARGETS[r["tool"]] and ratio <= 2.5
            target = f"<= {TARGETS[r['tool']]:g} s, <= 2.5x: {'met' if ok else 'MISSED'}"
        print(
            f"| {r['tool']} | {r['tumours']:,} | {r['run_s']:.2f} | {r['peak_bytes'] / 2**20:,.0f} "
            f"| {ratio:.2f} | {target} |"
        )
    if compile_rows:
        print("\n| kernel | first call, cold cache (s) | first call, cached (s) |")
        print("|---|---:|---:|")
        for tool, cold, cached in compile_rows:
            print(f"| {tool} | {cold:.2f} | {cached:.2f} |")
    peer_first = [r for r in rows if r["tool"] in PEERS and "note" not in r]
    if peer_first:
        print("\n| peer | import (s) | first call on 4 tumours (s) |")
        print("|---|---:|---:|")
        seen = set()
        for r in peer_first:
            if r["tool"] not in seen:
                seen.add(r["tool"])
                print(f"| {r['tool']} | {r['import_s']:.2f} | {r['first_call_s']:.2f} |")
    for n, diff, scale in checks:
        print(
            f"\nssGSEA vs gseapy at {n:,} tumours: max |ES diff| = {diff:.2e} "
            f"(|ES| up to {scale:.0f})"
        )
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "compile": compile_rows}, indent=1))


if __name__ == "__main__":
    main()
