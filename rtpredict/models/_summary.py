"""The training-cohort summary of a model card: one schema for central and federated training."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from rtpredict.models._target import Target

#: keys every summary has, whatever the target; ``None`` where the training did not know it
COMMON_KEYS = ("n", "sites", "cohorts", "missing", "missing_not_released", "federation")
#: the outcome keys of each target kind
OUTCOME_KEYS = {
    "survival": ("n_events", "time_years"),
    "binary": ("n_positive",),
    "regression": ("mean", "sd"),
}


def training_summary(
    kind: str,
    *,
    n: int,
    outcome: Mapping[str, object],
    missing: Mapping[str, int],
    sites: Mapping[str, int] | None = None,
    cohorts: Mapping[str, int] | None = None,
    missing_not_released: Sequence[str] = (),
    federation: Mapping | None = None,
) -> dict:
    """Return the card's ``training`` section, with the same keys for every model of a kind.

    Parameters
    ----------
    kind
        The target kind: ``survival``, ``binary`` or ``regression``.
    n
        Training tumours.
    outcome
        The outcome statistics of `OUTCOME_KEYS` for ``kind`` (``None`` for one not known);
        any other key is an error.
    missing
        Missing values per feature (features without any left out).
    sites
        Training tumours per tumour site (the sheet's ``site`` column).
    cohorts
        Training tumours per cohort: the sheet's ``cohort`` column, or a federation's
        hospitals (as in the card's per-cohort validation).
    missing_not_released
        Features some federated site did not release its missing-value count for.
    federation
        How a federated model was trained (sites, strategy, rounds, privacy); None if central.

    Returns
    -------
    dict
        ``n``, the outcome keys, ``sites``, ``cohorts``, ``missing``, ``missing_not_released``
        and ``federation``.
    """
    expected = OUTCOME_KEYS[kind]
    unknown = set(outcome) - set(expected)
    if unknown:
        raise ValueError(f"outcome statistics {sorted(unknown)} are not those of a {kind} target")
    summary: dict = {"n": int(n)}
    summary.update({key: outcome.get(key) for key in expected})
    summary["sites"] = _counts(sites)
    summary["cohorts"] = _counts(cohorts)
    summary["missing"] = {str(k): int(v) for k, v in missing.items() if v > 0}
    summary["missing_not_released"] = list(missing_not_released)
    summary["federation"] = dict(federation) if federation is not None else None
    return summary


def central_summary(
    table: pd.DataFrame, frame: pd.DataFrame, values: np.ndarray, target: Target
) -> dict:
    """Summarise a central training cohort (`training_summary` of its rows).

    Parameters
    ----------
    table
        The training rows' sheet (``site`` and ``cohort`` columns counted when present).
    frame
        The model matrix of the training rows (missing values counted per feature).
    values
        The outcome: (event, time) rows for survival, else one value per row.
    target
        The fitted target.

    Returns
    -------
    dict
        The card's ``training`` section.
    """
    if target.kind == "survival":
        times = values[:, 1]
        outcome: dict = {
            "n_events": int(values[:, 0].sum()),
            "time_years": {
                "min": float(times.min()),
                "median": float(np.median(times)),
                "max": float(times.max()),
            },
        }
    elif target.kind == "binary":
        outcome = {"n_positive": int(values.sum())}
    else:
        outcome = {"mean": float(values.mean()), "sd": float(values.std(ddof=1))}
    groups = {}
    for column in ("site", "cohort"):
        if column in table.columns:
            labels = table[column].astype(str).where(table[column].notna(), "NA")
            groups[column] = labels.value_counts().to_dict()
    return training_summary(
        target.kind,
        n=len(frame),
        outcome=outcome,
        missing=frame.isna().sum().to_dict(),
        sites=groups.get("site"),
        cohorts=groups.get("cohort"),
    )


def _counts(counts: Mapping[str, int] | None) -> dict[str, int] | None:
    """Counts by name, sorted by name; None stays None."""
    if counts is None:
        return None
    return {str(k): int(v) for k, v in sorted(counts.items(), key=lambda kv: str(kv[0]))}
