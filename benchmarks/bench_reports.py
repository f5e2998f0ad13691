"""Time the HTML reports: 1,000 tumour reports and the cohort report of a simulated cohort.

The cohort is built the way the workflow builds it (simulated expression and somatic VCFs,
``rtpredict.tl`` features against the demo model's frozen reference, predictions, uncertainty
and SHAP values of both shipped models) plus salmon-route QC metrics; the last tumour is a
poor library (QC fail). Times are wall-clock seconds (best of ``--repeats``) for: the shared
view (QC verdicts, cards, signature facts), all tumour reports with 1 and ``--jobs`` processes,
and the cohort report (with its PCA), and the CPU time per tumour report with one
process (less sensitive to a busy machine). Also reports the file sizes.

Usage::

    python benchmarks/bench_reports.py [--tumours 1000] [--jobs 2] [--repeats 1] [--json out.json]
                                       [--h5ad cohort1000.h5ad]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

import anndata
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rtpredict import tl
from rtpredict.genomics import read_somatic_vcf
from rtpredict.models import default_reference, load_default
from rtpredict.report import cohort_view, write_cohort_report, write_tumour_reports
from rtpredict.simulate import SimulationParams, simulate_cohort


def cohort(n: int):
    """A simulated cohort AnnData with features, predictions and QC metrics."""
    simulated = simulate_cohort(SimulationParams(n_tumours=n, read_pairs=1, seed=11))
    adata = simulated.to_anndata()
    with tempfile.TemporaryDirectory(prefix="rtpredict-bench-vcf-") as folder:
        variants = {s: read_somatic_vcf(p) for s, p in simulated.write_vcfs(folder).items()}
    tl.score_rsi(adata)
    tl.gard(adata, target_gard=33.0)
    reference = tl.ReferenceStatistics.load(default_reference("demo_recurrence"))
    tl.score_signatures(adata, reference=reference)
    tl.dna_features(adata, variants, callable_mb=30.0)
    del adata.obsm["truth"]
    rng = np.random.default_rng(3)
    pairs = rng.integers(10_000_000, 40_000_000, n).astype(float)
    mapping = rng.uniform(0.8, 0.97, n)
    mapping[-1] = 0.5
    qc = pd.DataFrame(
        {
            "n_read_pairs": pairs,
            "mapping_rate": mapping,
            "n_fragments_mapped": (pairs * mapping).astype(int),
            "strand_forward_fraction": rng.uniform(0.0, 0.02, n),
            "strandedness": "reverse",
            "genes_detected": adata.n_vars,
        },
        index=adata.obs_names,
    )
    adata.obs = pd.concat([qc, adata.obs], axis=1)
    adata.uns["rtpredict"] = {"version": "bench", "tools": {"salmon": "1.10.1"}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sites unseen by the real-data model
        for name in ("demo_recurrence", "recurrence"):
            tl.predict(adata, load_default(name), key_added=name, horizon=5.0)
    return adata


def best_time(fn, repeats: int) -> tuple[float, float, object]:
    """Best wall-clock and this process's CPU time of ``repeats`` calls, and the last result."""
    times, cpu, result = [], [], None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return min(times), min(cpu), result


def main() -> int:
    """Build the cohort, time the reports, print (and optionally save) the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tumours", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--h5ad", type=Path, help="cache of the built cohort: read if present, else written"
    )
    args = parser.parse_args()

    start = time.perf_counter()
    if args.h5ad is not None and args.h5ad.is_file():
        adata = anndata.read_h5ad(args.h5ad)
    else:
        adata = cohort(args.tumours)
        if args.h5ad is not None:
            adata.write_h5ad(args.h5ad)
    print(f"cohort of {adata.n_obs} tumours x {adata.n_vars} genes built in "
          f"{time.perf_counter() - start:.1f} s")  # fmt: skip
    results: dict = {"tumours": adata.n_obs, "genes": adata.n_vars}
    with tempfile.TemporaryDirectory(prefix="rtpredict-bench-reports-") as folder:
        out = Path(folder)
        results["view_s"], _, view = best_time(lambda: cohort_view(adata), args.repeats)
        for jobs in sorted({1, args.jobs}):
            seconds, cpu, sizes = best_time(
                lambda jobs=jobs: write_tumour_reports(view, out / f"j{jobs}", jobs=jobs),
                args.repeats,
            )
            results[f"tumour_reports_jobs{jobs}_s"] = seconds
            results[f"per_tumour_jobs{jobs}_ms"] = 1000 * seconds / adata.n_obs
            if jobs == 1:  # the workers' CPU time is not this process's
                results["per_tumour_cpu_ms"] = 1000 * cpu / adata.n_obs
        results["cohort_report_s"], _, path = best_time(
            lambda: write_cohort_report(adata, out / "cohort.html", view=view), args.repeats
        )
        values = np.array(list(sizes.values()))
        results["tumour_report_kb"] = {
            "min": values.min() / 1024,
            "median": float(np.median(values)) / 1024,
            "max": values.max() / 1024,
        }
        results["cohort_report_kb"] = path.stat().st_size / 1024
    for key, value in results.items():
        print(f"{key}: {value:.3g}" if isinstance(value, float) else f"{key}: {value}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
