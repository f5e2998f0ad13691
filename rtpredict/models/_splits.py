"""Cross-validation splits: repeated stratified k-fold and leave-one-cohort-out."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import RepeatedStratifiedKFold

from rtpredict.errors import InputError


@dataclass(frozen=True)
class Split:
    """One train/test split: row positions of each part, and its repeat, fold and name."""

    repeat: int
    fold: int
    name: str
    train: np.ndarray
    test: np.ndarray


def stratified_kfold(
    strata: np.ndarray, *, n_splits: int, n_repeats: int, random_state: int
) -> list[Split]:
    """Return repeated stratified k-fold splits, stratified on ``strata`` (event / class)."""
    _, counts = np.unique(strata, return_counts=True)
    if counts.min() < n_splits:
        raise InputError(
            f"the rarest outcome class has {counts.min()} tumours, fewer than n_splits="
            f"{n_splits}; lower n_splits or gather more data."
        )
    splitter = RepeatedStratifiedKFold(
        n_splits=n_splits, n_repeats=n_repeats, random_state=random_state
    )
    out = []
    for k, (train, test) in enumerate(splitter.split(np.zeros(len(strata)), strata)):
        repeat, fold = divmod(k, n_splits)
        out.append(Split(repeat, fold, f"repeat{repeat + 1}_fold{fold + 1}", train, test))
    return out


def leave_one_cohort_out(cohorts: pd.Series, key: str) -> list[Split]:
    """Return one split per cohort: train on all other cohorts, test on it."""
    if cohorts.isna().any():
        raise InputError(
            f"{int(cohorts.isna().sum())} tumours have no {key!r}; leave-one-cohort-out needs "
            "every tumour's cohort."
        )
    labels = cohorts.astype(str).to_numpy()
    names = sorted(set(labels))
    if len(names) < 2:
        raise InputError(f"leave-one-cohort-out needs at least 2 values of {key!r}, got {names}.")
    return [
        Split(0, i, name, np.flatnonzero(labels != name), np.flatnonzero(labels == name))
        for i, name in enumerate(names)
    ]
