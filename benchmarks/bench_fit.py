"""Time fitting a gene-level RadiosensitivityModel, with and without its bootstrap boosters.

Synthetic cohort: ``--tumours`` (111) tumours x ``--genes`` (5,000) genes of float32
log-expression in an AnnData, recurrence (time to event, censored) planted in 10 genes; the
model uses every gene (``features=[]``, plus a categorical ``site`` with ``--site``) at its
default settings (300 rounds, depth 3) and ``--n-bootstrap`` (20) bootstrap boosters. Times are
wall-clock seconds of ``fit``, best of ``--repeats``, each size in its own Python process.

``--quality`` instead cross-validates (5-fold x 2, `cross_validate`) the model at several
``max_bin`` x ``colsample_bytree`` settings on a simulated cohort (``rtpredict.simulate``:
``--tumours`` tumours, log1p TPM of its ``--genes`` most variable genes, recurrence) and prints
each setting's out-of-fold C-index with its 95% CI and its cross-validation time: the evidence
for the wide-model defaults.

This checkout is timed; with ``--before PATH`` (a checkout of the code before a change, e.g. a
``git worktree`` of the previous commit) the same fits of that code run beside it, in a process
whose ``PYTHONPATH`` is that tree. Target (issue 14): 111 x 5,000 with 20 bootstrap boosters
<= 30 s on 2 cores.

Usage::

    python benchmarks/bench_fit.py --quality [--tumours 240] [--genes 5000] [--seed 7]
    python benchmarks/bench_fit.py [--tumours 111] [--genes 5000] [--n-bootstrap 20]
                                   [--n-estimators 300] [--threads 1 2] [--site]
                                   [--repeats 1] [--before ../wt-old] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cohort(n_tumours: int, n_genes: int, *, site: bool, seed: int = 0):
    """AnnData of float32 log-expression whose recurrence depends on the first 10 genes."""
    import anndata as ad
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    x = rng.normal(5, 1, size=(n_tumours, n_genes)).astype(np.float32)
    genes = [f"ENSG{i:011d}" for i in range(n_genes)]
    risk = 3 * (x[:, :10].mean(axis=1) - 5)
    event_time = rng.exponential(2 * np.exp(-risk))
    censor_time = rng.uniform(0.5, 6, n_tumours)
    obs = pd.DataFrame(
        {
            "recurrence_event": (event_time <= censor_time).astype(int),
            "recurrence_years": np.minimum(event_time, censor_time),
        },
        index=[f"T{i:04d}" for i in range(n_tumours)],
    )
    if site:
        obs["site"] = rng.choice(["breast", "head_and_neck", "glioma", "lung"], n_tumours)
    return ad.AnnData(X=x, obs=obs, var=pd.DataFrame(index=genes)), genes


def worker(args: argparse.Namespace) -> dict:
    """Time the fits in this process, with the rtpredict found on ``PYTHONPATH``."""
    import rtpredict
    from rtpredict.models import RadiosensitivityModel

    adata, genes = cohort(args.tumours, args.genes, site=args.site)
    features = ["site"] if args.site else []

    def best(n_bootstrap: int) -> float:
        times = []
        for _ in range(args.repeats):
            model = RadiosensitivityModel(
                "recurrence",
                features=features,
                genes=genes,
                n_estimators=args.n_estimators,
                n_bootstrap=n_bootstrap,
                n_jobs=args.worker,
            )
            start = time.perf_counter()
            model.fit(adata)
            times.append(time.perf_counter() - start)
        return min(times)

    return {
        "rtpredict": str(Path(rtpredict.__file__).resolve().parents[1]),
        "threads": args.worker,
        "fit_s": best(0),
        "fit_bootstrap_s": best(args.n_bootstrap),
    }


#: (max_bin, colsample_bytree) settings of ``--quality``: XGBoost's defaults first
QUALITY_GRID = [(256, 1.0), (64, 1.0), (32, 1.0), (256, 0.3), (64, 0.3), (32, 0.5), (32, 0.3)]
QUALITY_GRID += [(32, 0.2), (16, 0.3)]


def quality(args: argparse.Namespace) -> list[dict]:
    """Cross-validate the gene-level model at each `QUALITY_GRID` setting on a simulated cohort."""
    import warnings

    import numpy as np

    from rtpredict.models import RadiosensitivityModel
    from rtpredict.models.validation import cross_validate
    from rtpredict.simulate import simulate_anndata

    adata = simulate_anndata(args.tumours, seed=args.seed, n_background_genes=args.genes)
    adata.X = np.log1p(adata.layers["tpm"]).astype(np.float32)
    spread = np.asarray(adata.X.var(axis=0)).ravel()
    genes = adata.var_names[np.argsort(spread)[::-1][: args.genes]].tolist()
    rows = []
    for max_bin, colsample in QUALITY_GRID:
        model = RadiosensitivityModel(
            "recurrence",
            features=[],
            genes=genes,
            max_bin=max_bin,
            colsample_bytree=colsample,
            n_estimators=args.n_estimators,
            n_bootstrap=0,
            n_jobs=args.threads[-1],
        )
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = cross_validate(
                model, adata, n_repeats=2, baselines=None, n_random_sets=0, n_ci_bootstrap=500
            )
        c = result.metrics.query("predictor == 'model' and metric == 'c_index'").iloc[0]
        rows.append(
            {
                "max_bin": max_bin,
                "colsample_bytree": colsample,
                "c_index": float(c["estimate"]),
                "lower": float(c["lower"]),
                "upper": float(c["upper"]),
                "cv_s": time.perf_counter() - start,
            }
        )
        print(f"  max_bin={max_bin}, colsample_bytree={colsample}: done", file=sys.stderr)
    return rows


def print_quality(rows: list[dict], args: argparse.Namespace) -> None:
    """Print `quality`'s rows as a Markdown table."""
    print(
        f"\nsimulated cohort (seed {args.seed}): {args.tumours:,} tumours x {args.genes:,} genes, "
        f"recurrence (Cox), {args.n_estimators} rounds; 5-fold x 2 cross-validation\n"
    )
    print("| max_bin | colsample_bytree | C-index (95% CI) | CV seconds |")
    print("|---:|---:|---|---:|")
    for r in rows:
        print(
            f"| {r['max_bin']} | {r['colsample_bytree']} | {r['c_index']:.3f} "
            f"({r['lower']:.3f}–{r['upper']:.3f}) | {r['cv_s']:.1f} |"
        )


def run_worker(tree: Path, threads: int, args: argparse.Namespace) -> dict:
    """Run `worker` in a fresh process importing rtpredict from ``tree``."""
    cmd = [sys.executable, __file__, "--worker", str(threads), "--tumours", str(args.tumours)]
    cmd += ["--genes", str(args.genes), "--n-bootstrap", str(args.n_bootstrap)]
    cmd += ["--n-estimators", str(args.n_estimators), "--repeats", str(args.repeats)]
    cmd += ["--site"] if args.site else []
    env = dict(os.environ, PYTHONPATH=str(tree))
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"fit with {tree} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if Path(result["rtpredict"]) != tree.resolve():
        raise SystemExit(f"expected rtpredict from {tree}, the worker imported {result}.")
    return result


def main(argv: list[str] | None = None) -> int:
    """Time this checkout (and ``--before``) and print a Markdown table (and JSON when asked)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tumours", type=int, default=111)
    parser.add_argument("--genes", type=int, default=5000)
    parser.add_argument("--n-bootstrap", type=int, default=20)
    parser.add_argument("--n-estimators", type=int, default=300)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="n_jobs values")
    parser.add_argument("--site", action="store_true", help="add a categorical site feature")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--before", type=Path, help="checkout of the code before the change")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    parser.add_argument(
        "--quality", action="store_true", help="cross-validate max_bin x colsample_bytree"
    )
    parser.add_argument("--seed", type=int, default=7, help="simulation seed of --quality")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quality:
        rows = quality(args)
        print_quality(rows, args)
        if args.json:
            args.json.write_text(json.dumps(rows, indent=1) + "\n")
        return 0
    if args.worker is not None:
        print(json.dumps(worker(args)))
        return 0

    trees = {"this checkout": ROOT} | ({"before": args.before} if args.before else {})
    rows = []
    for threads in args.threads:
        for label, tree in trees.items():
            rows.append({"code": label, **run_worker(tree, threads, args)})
            print(f"  {label}, n_jobs={threads}: done", file=sys.stderr)
    site = " + site" if args.site else ""
    print(
        f"\n{args.tumours:,} tumours x {args.genes:,} genes{site}, survival (Cox), "
        f"{args.n_estimators} rounds; fit seconds (best of {args.repeats}; shared machine)\n"
    )
    print(f"| code | n_jobs | fit, no bootstrap | fit, {args.n_bootstrap} bootstrap |")
    print("|---|---:|---:|---:|")
    for r in rows:
        print(f"| {r['code']} | {r['threads']} | {r['fit_s']:.2f} | {r['fit_bootstrap_s']:.2f} |")
    if args.before:
        print("\n| n_jobs | speed-up, no bootstrap | speed-up, with bootstrap |")
        print("|---:|---:|---:|")
        for threads in args.threads:
            now, then = (
                next(r for r in rows if r["code"] == c and r["threads"] == threads) for c in trees
            )
            print(
                f"| {threads} | {then['fit_s'] / now['fit_s']:.1f}x | "
                f"{then['fit_bootstrap_s'] / now['fit_bootstrap_s']:.1f}x |"
            )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
