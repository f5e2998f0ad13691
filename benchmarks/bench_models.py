"""Time RadiosensitivityModel fit and predict on 500 and 5,000 tumours x 200 features.

Synthetic survival data: 199 numeric features (10 % missing) and a categorical tumour site;
recurrence depends on 5 of them. Times are wall-clock seconds, best of ``--repeats`` runs.

Usage::

    python benchmarks/bench_models.py [--sizes 500 5000] [--threads 1] [--n-bootstrap 20]
                                      [--repeats 3] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rtpredict.models import RadiosensitivityModel

N_FEATURES = 200


def synthetic(n: int, seed: int = 0) -> pd.DataFrame:
    """Tumours x 200 features with a planted survival signal."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, N_FEATURES - 1))
    lp = x[:, :5] @ np.array([0.8, -0.6, 0.5, 0.4, -0.3])
    x[rng.uniform(size=x.shape) < 0.1] = np.nan
    df = pd.DataFrame(x, columns=[f"f{i:03d}" for i in range(N_FEATURES - 1)])
    df["site"] = rng.choice(["breast", "head_and_neck", "glioma", "lung"], n)
    t = rng.exponential(np.exp(-lp) * 3)
    c = rng.uniform(0.5, 10, n)
    df["recurrence_event"] = (t <= c).astype(int)
    df["recurrence_years"] = np.minimum(t, c)
    df.index = [f"T{i:05d}" for i in range(n)]
    return df


def best_time(fn, repeats: int) -> float:
    """Best wall-clock time of ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bench(n: int, *, threads: int, n_bootstrap: int, repeats: int) -> dict:
    """Time fitting and predicting for one cohort size."""
    data = synthetic(n)
    new = synthetic(n, seed=1)
    features = [c for c in data.columns if c.startswith("f")] + ["site"]
    model = RadiosensitivityModel(
        "recurrence", features=features, n_jobs=threads, n_bootstrap=0, horizon=5.0
    )
    fit_single = best_time(lambda: model.fit(data), repeats)
    ensemble = RadiosensitivityModel(
        "recurrence", features=features, n_jobs=threads, n_bootstrap=n_bootstrap, horizon=5.0
    )
    fit_ensemble = best_time(lambda: ensemble.fit(data), 1)
    return {
        "tumours": n,
        "features": N_FEATURES,
        "threads": threads,
        "n_estimators": model.n_estimators,
        "max_depth": model.max_depth,
        "fit_s": fit_single,
        f"fit_with_{n_bootstrap}_bootstrap_s": fit_ensemble,
        "predict_s": best_time(lambda: model.predict(new), repeats),
        "predict_survival_s": best_time(lambda: model.predict_survival(new, [1, 3, 5]), repeats),
        "shap_s": best_time(lambda: model.explain(new), repeats),
        f"uncertainty_{n_bootstrap}_bootstrap_s": best_time(
            lambda: ensemble.predict_uncertainty(new), repeats
        ),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a table (and JSON when asked)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 5000])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--n-bootstrap", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    rows = [
        bench(n, threads=args.threads, n_bootstrap=args.n_bootstrap, repeats=args.repeats)
        for n in args.sizes
    ]
    table = pd.DataFrame(rows).set_index("tumours")
    print(table.T.to_string(float_format=lambda v: f"{v:.3f}"))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
