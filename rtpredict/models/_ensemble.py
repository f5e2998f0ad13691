"""The booster ensemble of `RadiosensitivityModel`: members, bootstrap resamples, early stopping.

`EnsembleFitting` is a mixin of `RadiosensitivityModel`: its methods read the estimator's
parameters and fitted target and schema.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xgboost as xgb

from rtpredict.errors import InputError
from rtpredict.models._survival import breslow_cumulative_hazard
from rtpredict.models._xgb import n_workers


@dataclass
class Member:
    """One booster of the ensemble and what turns its margin into predictions.

    ``risk_offset`` is the booster's mean margin on its training rows (survival only), so risk
    scores are log hazard ratios relative to the average training tumour; ``baseline_hazard``
    is Breslow's (knots, cumulative hazard) for that centred risk (Cox only).
    """

    booster: xgb.Booster
    risk_offset: float = 0.0
    baseline_hazard: tuple[np.ndarray, np.ndarray] | None = None


class EnsembleFitting:
    """Fit the members of a `RadiosensitivityModel`: the main booster and the bootstrap ones."""

    def _strata(self, values: np.ndarray) -> np.ndarray:
        """Labels to stratify resampling on: event / class, or quintiles of a continuous target."""
        if self.target_.kind == "survival":
            return values[:, 0].astype(int)
        if self.target_.kind == "binary":
            return values.astype(int)
        edges = np.quantile(values, [0.2, 0.4, 0.6, 0.8])
        return np.searchsorted(edges, values)

    def _rounds_by_early_stopping(
        self, frame: pd.DataFrame, values: np.ndarray, params: dict
    ) -> int:
        """Choose the number of rounds by early stopping on a stratified hold-out of the data."""
        rng = np.random.default_rng(self.random_state)
        strata = self._strata(values)
        held = np.zeros(len(frame), dtype=bool)
        for label in np.unique(strata):
            rows = np.flatnonzero(strata == label)
            n_held = round(rows.size * self.validation_fraction)
            held[rng.choice(rows, size=n_held, replace=False)] = True
        if held.all() or not held.any():
            raise InputError("too few tumours to hold out a validation part for early stopping.")
        train = self._train_dmatrix(frame[~held], values[~held])
        valid = self._train_dmatrix(frame[held], values[held])
        booster = xgb.train(
            params,
            train,
            num_boost_round=int(self.n_estimators),
            evals=[(valid, "validation")],
            early_stopping_rounds=int(self.early_stopping_rounds),
            verbose_eval=False,
        )
        return int(booster.best_iteration) + 1

    def _fit_member(self, matrix: xgb.DMatrix, values: np.ndarray, params: dict) -> Member:
        """Train one booster for ``n_estimators_`` rounds on a `_train_dmatrix` of the rows of
        ``values``, with its survival state, then give it the feature names and types."""
        booster = xgb.train(params, matrix, num_boost_round=self.n_estimators_)
        member = Member(booster)
        if self.target_.kind == "survival":
            margin = self._margin(booster, matrix)
            member.risk_offset = float(margin.mean())
            if self.target_.objective == "survival:cox":
                member.baseline_hazard = breslow_cumulative_hazard(
                    values[:, 1], values[:, 0], margin - member.risk_offset
                )
        booster.feature_names = self.feature_schema_.names
        booster.feature_types = self.feature_schema_.xgboost_types
        return member

    def _fit_bootstrap(self, matrix: xgb.DMatrix, values: np.ndarray) -> list[Member]:
        """Fit a booster on each bootstrap resample (`_bootstrap_rows`) of the training matrix.

        The boosters train on one thread each, ``n_jobs`` at a time, so each is the same
        whatever ``n_jobs``; their rows are sliced from ``matrix``, built once.
        """
        lock = threading.Lock()

        def fit(resample: tuple[np.ndarray, int]) -> Member:
            rows, seed = resample
            with lock:  # slices are taken one at a time from the shared matrix
                part = matrix.slice(rows)
            return self._fit_member(part, values[rows], self._xgb_params(seed, nthread=1))

        with ThreadPoolExecutor(max_workers=n_workers(self.n_jobs)) as pool:
            return list(pool.map(fit, self._bootstrap_rows(values)))

    def _bootstrap_rows(self, values: np.ndarray):
        """Yield (row indices, XGBoost seed) of each stratified bootstrap resample."""
        strata = self._strata(values)
        groups = [np.flatnonzero(strata == s) for s in np.unique(strata)]
        children = np.random.SeedSequence(self.random_state).spawn(int(self.n_bootstrap))
        for i, child in enumerate(children):
            rng = np.random.default_rng(child)
            rows = np.concatenate([rng.choice(g, size=g.size, replace=True) for g in groups])
            yield np.sort(rows), int(self.random_state) + 1 + i
