"""Tabulate the workflow's ``benchmark:`` files: wall time and peak memory of each step.

Usage: ``python benchmarks/workflow_steps.py [results/benchmarks]`` — prints a Markdown table
with, per rule, the number of jobs, the median and maximum wall time (s) and the maximum
resident memory (MB).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd


def summarise(directory: Path) -> pd.DataFrame:
    """Return one row per rule: jobs, median and max seconds, max RSS (MB)."""
    rows = []
    for path in sorted(directory.rglob("*.tsv")):
        rule = path.parent.name if path.parent != directory else path.stem
        table = pd.read_csv(path, sep="\t")
        rows.append({"rule": rule, "s": table["s"].iloc[-1], "max_rss": table["max_rss"].iloc[-1]})
    jobs = pd.DataFrame(rows)
    summary = jobs.groupby("rule").agg(
        jobs=("s", "size"),
        median_s=("s", "median"),
        max_s=("s", "max"),
        total_s=("s", "sum"),
        max_rss_mb=("max_rss", "max"),
    )
    return summary.sort_values("total_s", ascending=False).round(1)


if __name__ == "__main__":
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "results/benchmarks")
    print(summarise(folder).to_markdown())
