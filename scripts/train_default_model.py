"""Train rtpredict's shipped recurrence model on the pooled GARD cohort (deterministic).

Reads ``gard_pooled_dev.csv`` (1,265 real patients from 7 cohorts of the pooled GARD analysis,
Scott JG et al., Lancet Oncol 2021; public repository jessicascarborough/GARD_Meta-Analysis,
MIT licence), validates the model leave-one-cohort-out against RSI alone, GARD alone and Cox
models on GARD, fits it on all eligible patients and writes ``recurrence.json``,
``recurrence.bootstrap.json``, ``recurrence.card.json`` and the data licence into
``rtpredict/data/models/``. Prints the validation table (Markdown).

Usage::

    python scripts/train_default_model.py [--data CSV] [--out DIR] [--n-ci-bootstrap 1000]

Data handling (also recorded in the model card):

* Glioma (TCGA, 244 patients) has overall survival only, no recurrence: not used.
* Recurrence time 0 (6 patients): 4 Head & Neck (NKI) recurrences at time 0 (disease present at
  the start of follow-up, not a recurrence after radiotherapy) and 2 Endometrium (TCC)
  censorings at 0 (no follow-up; one of them carries the data set's negative overall-survival
  time, -38.1 years) are left out: a time-to-event model needs positive follow-up.
* Non-integer fraction numbers (165 patients, e.g. 29.7 or 38.89) are the source's total dose
  divided by dose per fraction; they are kept, so n x d equals the recorded total dose.
* Untreated patients carry a sham schedule (their would-be dose); ``received_rt`` = 0 tells
  the model they were not irradiated.
* GARD is recomputed from RSI, d and n (beta = 0.05 Gy^-2, alpha = ln(RSI)/(-2) - 2 beta,
  GARD = n d (alpha + beta d)) and checked against the authors' column.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rtpredict.models import RadiosensitivityModel, save_model  # noqa: E402
from rtpredict.models.validation import (  # noqa: E402
    GLMBaseline,
    ScoreBaseline,
    cross_validate,
)
from rtpredict.radiobiology import gard  # noqa: E402

DATA_NAME = "gard_pooled_cohort/gard_pooled_dev.csv"
SOURCE = (
    "jessicascarborough/GARD_Meta-Analysis (GitHub), commit b2c6c5a, Data/data.csv: 7 of the 11 "
    "cohorts of the pooled GARD analysis (Scott JG, Sedor G, et al. Lancet Oncol 2021; "
    "medRxiv 10.1101/2020.12.19.20248484)"
)
LICENCE = "MIT License, Copyright (c) 2020 gsedor (LICENSE-gard-pooled-data.txt)"
#: build date of the shipped model (fixed for byte-identical rebuilds)
CREATED = "2025-01-01T00:00:00+00:00"
SITES = {
    "breast": "breast",
    "breast_TN": "breast_triple_negative",
    "endometrial": "endometrium",
    "glioma": "glioma",
    "HN": "head_and_neck",
    "melanoma": "melanoma",
}
FEATURES = ["rsi", "gard", "dose_per_fraction", "fractions", "site", "received_rt"]
SEED = 20210101


def shared_data_dir() -> Path:
    """Return the shared data folder: ``$RTPREDICT_SHARED/data`` or ``../shared/data``."""
    shared = os.environ.get("RTPREDICT_SHARED")
    return Path(shared) / "data" if shared else ROOT.parent / "shared" / "data"


def prepare(csv: Path) -> tuple[pd.DataFrame, dict]:
    """Map the CSV to rtpredict's obs names and apply the documented exclusions.

    Returns the eligible patients (index ``gard_dev_<row>``, the 1-based CSV row) and a record
    of what was left out and why.
    """
    raw = pd.read_csv(csv)
    computed = gard(raw["RSI"], raw["d"], raw["n"])
    gard_error = float(np.max(np.abs(computed - raw["GARD"])))
    if gard_error > 1e-9:
        raise SystemExit(f"recomputed GARD differs from the authors' by {gard_error}")
    unknown_sites = set(raw["Site"]) - set(SITES)
    if unknown_sites:
        raise SystemExit(f"unmapped Site values {unknown_sites}")
    df = pd.DataFrame(
        {
            "rsi": raw["RSI"].astype(float),
            "gard": computed.astype(float),
            "dose_per_fraction": raw["d"].astype(float),
            "fractions": raw["n"].astype(float),
            "site": raw["Site"].map(SITES),
            "received_rt": raw["Received_RT"].astype(int),
            "cohort": raw["Cohort"].astype(str),
            "recurrence_event": raw["Event"],
            "recurrence_years": raw["Time"],
        }
    )
    df.index = [f"gard_dev_{i + 1:04d}" for i in range(len(df))]
    no_recurrence = df["recurrence_event"].isna() | df["recurrence_years"].isna()
    zero_time = ~no_recurrence & (df["recurrence_years"] <= 0)
    record = {
        "csv_rows": len(df),
        "csv_sha256": hashlib.sha256(csv.read_bytes()).hexdigest(),
        "gard_max_abs_difference_vs_authors": gard_error,
        "excluded_no_recurrence_data": _by_cohort(df[no_recurrence]),
        "excluded_recurrence_time_zero": {
            "events": _by_cohort(df[zero_time & (df["recurrence_event"] == 1)]),
            "censored": _by_cohort(df[zero_time & (df["recurrence_event"] == 0)]),
        },
        "non_integer_fractions_kept": int((df["fractions"] % 1 != 0).sum()),
        "negative_os_time_rows": [str(i) for i in df.index[raw["Time_OS"].to_numpy() < 0]],
    }
    eligible = df[~no_recurrence & ~zero_time].copy()
    eligible["recurrence_event"] = eligible["recurrence_event"].astype(int)
    eligible["site"] = eligible["site"].astype("category")
    eligible["cohort"] = eligible["cohort"].astype("category")
    record["eligible"] = len(eligible)
    return eligible, record


def model() -> RadiosensitivityModel:
    """The shipped model's specification (set before validation, not tuned on its results)."""
    return RadiosensitivityModel(
        "recurrence",
        features=FEATURES,
        objective="survival:cox",
        horizon=5.0,
        n_estimators=1000,
        learning_rate=0.03,
        max_depth=2,
        subsample=0.8,
        early_stopping_rounds=50,
        validation_fraction=0.2,
        n_bootstrap=20,
        id_salt="rtpredict-recurrence-gard-pooled-v1",
        random_state=SEED,
        n_jobs=1,
    )


def baselines() -> dict:
    """Comparators on the same folds: published-direction scores and Cox models (lifelines)."""
    return {
        "rsi": ScoreBaseline(
            "rsi", sign=1, description="RSI alone (published direction: higher = more resistant)"
        ),
        "gard": ScoreBaseline(
            "gard", sign=-1, description="GARD alone (published direction: higher = fewer events)"
        ),
        "gard_cox": GLMBaseline(("gard",), description="Cox model on GARD (lifelines)"),
        "gard_cox_by_cohort": GLMBaseline(
            ("gard",),
            strata="cohort",
            description="Cox model on GARD stratified by cohort (within-cohort effect)",
        ),
        "gard_rt_cox_by_cohort": GLMBaseline(
            ("gard", "received_rt"),
            interactions=(("gard", "received_rt"),),
            strata="cohort",
            description="Cox model on GARD, RT and GARD x RT, stratified by cohort",
        ),
        "clinical": GLMBaseline(
            ("site", "dose_per_fraction", "fractions", "received_rt"),
            penalizer=0.1,
            description="Cox model on site, dose per fraction, fractions, RT (L2 0.1)",
        ),
    }


def main(argv: list[str] | None = None) -> int:
    """Validate, fit and write the shipped recurrence model."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=shared_data_dir() / DATA_NAME)
    parser.add_argument("--out", type=Path, default=ROOT / "rtpredict" / "data" / "models")
    parser.add_argument("--n-ci-bootstrap", type=int, default=1000)
    args = parser.parse_args(argv)

    data, record = prepare(args.data)
    validation = cross_validate(
        model(),
        data,
        cv="cohort",
        baselines=baselines(),
        n_random_sets=0,
        n_ci_bootstrap=args.n_ci_bootstrap,
        random_state=SEED,
    )
    fitted = model().fit(data)
    n, events = record["eligible"], int(data["recurrence_event"].sum())
    info = {
        "name": "recurrence",
        "title": "First recurrence after radiotherapy from RSI, GARD, schedule and site",
        "description": (
            "XGBoost Cox model of time to first recurrence. Features: rsi, gard, "
            "dose_per_fraction, fractions, site (breast, breast_triple_negative, endometrium, "
            "head_and_neck, melanoma; other sites are treated as missing), received_rt. "
            "Prediction: log hazard ratio vs the average training patient; event probability "
            "by 5 years from a Breslow baseline. Validation: leave-one-cohort-out, where 4 of "
            "6 held-out cohorts have a site the fold's model never saw. See data_handling for "
            "the patients left out and why."
        ),
        "trained_on": (
            f"real patients: {n} with recurrence follow-up ({events} recurrences) from 6 "
            "cohorts of the pooled GARD analysis"
        ),
        "data_source": f"{SOURCE}; csv sha256 {record['csv_sha256']}",
        "data_handling": {
            **record,
            "rules": [
                "no recurrence follow-up (Event/Time missing): left out",
                "recurrence time 0 (event at the start of follow-up, or no follow-up): left out",
                "non-integer fractions (total dose / dose per fraction): kept as given",
                "untreated patients: sham schedule kept, received_rt = 0",
                "gard recomputed from rsi, d, n (beta 0.05) and checked against the authors'",
            ],
        },
        "licence": LICENCE,
        "created": CREATED,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    save_model(fitted, args.out / "recurrence.json", info=info, validation=validation)
    shutil.copyfile(args.data.parent / "LICENSE", args.out / "LICENSE-gard-pooled-data.txt")
    print(_markdown(validation))
    return 0


def _by_cohort(frame: pd.DataFrame) -> dict[str, int]:
    return {str(k): int(v) for k, v in frame["cohort"].value_counts().sort_index().items()}


def _markdown(validation) -> str:
    """The leave-one-cohort-out results as Markdown tables."""
    m = validation.metrics
    lines = ["| predictor | " + " | ".join(m.metric.unique()) + " |"]
    lines.append("|---" * (1 + m.metric.nunique()) + "|")
    summary = validation.summary()
    for predictor, row in summary.iterrows():
        lines.append(f"| {predictor} | " + " | ".join(str(v) for v in row) + " |")
    per = validation.per_cohort
    per = per.assign(text=per.apply(lambda r: f"{r.estimate:.3f} ({r.lower:.3f}–{r.upper:.3f})", 1))
    wide = per.pivot_table(index="cohort", columns="predictor", values="text", aggfunc="first")
    wide = wide[list(m.predictor.unique())]
    lines += ["", "| cohort (C-index) | " + " | ".join(wide.columns) + " |"]
    lines.append("|---" * (1 + wide.shape[1]) + "|")
    for cohort, row in wide.iterrows():
        lines.append(f"| {cohort} | " + " | ".join(row) + " |")
    lines += ["", f"| model minus ({validation.primary_metric}) | difference (paired 95% CI) |"]
    lines.append("|---|---|")
    for r in validation.comparisons.itertuples():
        lines.append(f"| {r.predictor} | {r.difference:+.3f} ({r.lower:+.3f} to {r.upper:+.3f}) |")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
