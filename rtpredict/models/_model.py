"""RadiosensitivityModel: gradient-boosted trees (XGBoost) for radiotherapy outcomes.

The estimator's parameters, `fit` and the training-ID register; its ensemble fitting
(`rtpredict.models._ensemble`), predictions (`rtpredict.models._predicting`) and XGBoost
plumbing (`rtpredict.models._xgb`) live beside it.
"""

from __future__ import annotations

import os
import secrets
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xgboost as xgb
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator

from rtpredict.errors import InputError
from rtpredict.models._ensemble import EnsembleFitting
from rtpredict.models._feature import BIAS
from rtpredict.models._predicting import Predictions
from rtpredict.models._register import ID_SECRET_ENV, hash_sample_ids
from rtpredict.models._schema import FeatureSchema, obs_table
from rtpredict.models._summary import central_summary
from rtpredict.models._target import resolve_target
from rtpredict.models._xgb import AFT_DISTRIBUTIONS, make_dmatrix, tree_params, xgb_params

if TYPE_CHECKING:
    from anndata import AnnData


class RadiosensitivityModel(Predictions, EnsembleFitting, BaseEstimator):
    """Predict a radiotherapy outcome of each tumour with gradient-boosted trees (XGBoost).

    Parameters are stored as given (scikit-learn style); `fit` learns the state, exposed with a
    trailing underscore (``booster_``, ``feature_names_in_``, ``feature_schema_``, ``target_``,
    ``bootstrap_``…).

    Parameters
    ----------
    target
        Outcome column (``"sf2"``, ``"response"``), a name with ``<name>_event`` and
        ``<name>_years`` columns (``"recurrence"``, ``"os"``; ``<name>_months`` etc. with
        ``time_unit``), or an ``(event, time)`` pair. Binary outcomes and event flags may be
        0/1, True/False or two text labels (``yes``/``no``, ``dead``/``alive``…; see
        ``positive``).
    features
        ``obs`` (or DataFrame) columns used as features; ``None`` takes the standard feature
        columns present (`rtpredict.models.DEFAULT_FEATURES`, also under a ``key_added``
        prefix the scoring tools recorded in ``uns``, plus ``dna_*``). Text and
        categorical columns are native XGBoost categoricals; NaN means missing. A column with
        no value at all (all NaN) is left out with an `EmptyFeatureWarning`; InputError when
        no feature is left.
    genes
        Genes whose expression (``X`` or ``layer``) is used as features, named as in signatures:
        Ensembl IDs (any version), symbols (var names or ``var["symbol"]``) or unambiguous
        aliases (`rtpredict.signatures.GeneResolver`). Each gene feature keeps the name given
        and records the symbol and Ensembl ID it resolved to (in the card), so the model finds
        its genes in a matrix named by either; an error names the genes not found and how the
        matrix at hand names its genes. All-NaN gene columns are left out likewise.
    layer
        AnnData layer for ``genes``; ``None`` uses ``X`` (log1p TPM).
    kind
        ``"regression"``, ``"binary"`` or ``"survival"``; inferred from the target when ``None``.
    objective
        XGBoost objective; defaults per kind: ``reg:squarederror``, ``binary:logistic``,
        ``survival:cox``. ``survival:aft`` (accelerated failure time, interval-censored labels)
        is also available.
    time_unit
        Unit of the survival time column: ``"years"`` (default), ``"months"``, ``"weeks"`` or
        ``"days"`` (365.25 days and 12 months a year). Times are converted to years, the unit
        of ``horizon``, of `predict_survival` and of the model card; the card records the unit.
    positive
        Value of a binary outcome or event column counted as 1 (the event, the responder),
        e.g. ``"CR"`` or ``2``. Needed for text labels other than the known pairs
        (``yes``/``no``, ``true``/``false``, ``y``/``n``, ``1``/``0``, ``positive``/``negative``,
        ``present``/``absent``, ``event``/``censored``, ``dead``/``alive``,
        ``deceased``/``alive``; case-blind) and for numbers other than 0/1.
    horizon
        Time (years) at which survival models report event probabilities.
    n_estimators, learning_rate, max_depth, min_child_weight, subsample, reg_lambda, reg_alpha
        Boosting parameters (XGBoost's ``num_boost_round``, ``eta``, ``max_depth``…).
    colsample_bytree, max_bin
        Share of the features each tree may use, and XGBoost's bins per feature (``hist``).
        ``"auto"``: 1.0 and 256 (XGBoost's defaults), or 0.3 and 32 for a wide model of more
        than 1,000 features (a gene-level model); the values used are in ``tree_params_`` and
        on the model card.
    aft_distribution, aft_scale
        Error distribution and scale of ``survival:aft``.
    early_stopping_rounds
        When set, the number of rounds is chosen by early stopping on a stratified hold-out of
        ``validation_fraction`` of the training data, then the model is refitted on all of it
        with that number of rounds (``n_estimators_``). Within cross-validation this hold-out
        comes from the training folds only.
    validation_fraction
        Share of the training data held out for early stopping.
    n_bootstrap
        Boosters fitted on stratified bootstrap resamples, giving each prediction an interval
        and a standard deviation (`predict_uncertainty`); 0 disables them. Each costs about
        one more fit: set 0 when no interval is needed (`cross_validate` never fits them).
    id_salt
        Salt of the HMAC-SHA256 register of training sample IDs (stored in the card); ``None``
        draws a random one. Set ``RTPREDICT_ID_SECRET`` to key it with a secret never stored.
    random_state
        Seed of subsampling, bootstrap and hold-out draws.
    n_jobs
        Threads (``None`` or below 1: all cores). The main booster trains on ``n_jobs``
        XGBoost threads; the bootstrap boosters train ``n_jobs`` at a time on one thread each,
        so they are the same whatever ``n_jobs``.

    Notes
    -----
    ``predict`` returns the value (regression), the probability of class 1 (binary), or a risk
    score, higher meaning an earlier event (survival: the log hazard ratio relative to the
    average training tumour for Cox, minus the log time ratio for AFT). A categorical value never
    seen in training (a new tumour site) is treated as missing with an `UnseenCategoryWarning`.

    Fitting time grows with features x bins x rounds x (1 + ``n_bootstrap``): at every node
    XGBoost weighs every bin of every feature it may use, so a gene-level model spends nearly
    all its time there. Hence the wide defaults: 30% of the genes per tree and 32 bins make a
    5,000-gene, 111-tumour fit with 20 bootstrap boosters about 4x faster
    (``benchmarks/bench_fit.py``), and in cross-validation on simulated 240-tumour, 5,000-gene
    cohorts they ranked tumours as well as XGBoost's defaults (C-index 0.597 vs 0.606 and 0.593
    vs 0.580, CIs overlapping; ``benchmarks/bench_fit.py --quality``). Feature names are checked
    once per fit and per prediction, not at every round. Further: ``n_bootstrap=0`` unless
    intervals are needed, ``n_jobs`` set to the cores available.

    Research use only; not a clinically validated device.
    """

    def __init__(
        self,
        target: str | Sequence[str] = "recurrence",
        *,
        features: Sequence[str] | None = None,
        genes: Sequence[str] | None = None,
        layer: str | None = None,
        kind: str | None = None,
        objective: str | None = None,
        time_unit: str = "years",
        positive: str | float | None = None,
        horizon: float | None = None,
        n_estimators: int = 300,
        learning_rate: float = 0.05,
        max_depth: int = 3,
        min_child_weight: float = 1.0,
        subsample: float = 0.8,
        reg_lambda: float = 1.0,
        reg_alpha: float = 0.0,
        colsample_bytree: float | str = "auto",
        max_bin: int | str = "auto",
        aft_distribution: str = "normal",
        aft_scale: float = 1.0,
        early_stopping_rounds: int | None = None,
        validation_fraction: float = 0.2,
        n_bootstrap: int = 20,
        id_salt: str | None = None,
        random_state: int = 0,
        n_jobs: int | None = 1,
    ):
        self.target = target
        self.features = features
        self.genes = genes
        self.layer = layer
        self.kind = kind
        self.objective = objective
        self.time_unit = time_unit
        self.positive = positive
        self.horizon = horizon
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.min_child_weight = min_child_weight
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.max_bin = max_bin
        self.reg_lambda = reg_lambda
        self.reg_alpha = reg_alpha
        self.aft_distribution = aft_distribution
        self.aft_scale = aft_scale
        self.early_stopping_rounds = early_stopping_rounds
        self.validation_fraction = validation_fraction
        self.n_bootstrap = n_bootstrap
        self.id_salt = id_salt
        self.random_state = random_state
        self.n_jobs = n_jobs

    # ------------------------------------------------------------------ fitting
    def fit(self, X: AnnData | pd.DataFrame, y: ArrayLike | None = None) -> RadiosensitivityModel:
        """Fit the booster, its bootstrap ensemble and the survival baseline on ``X``.

        Parameters
        ----------
        X
            AnnData (features in ``obs``, genes in ``X``) or DataFrame, one row per tumour.
        y
            Outcome values overriding the target columns of ``X``: shape (n,) (numbers or
            labels), or (n, 2) = numeric (event, time) for survival, time in ``time_unit``.
            Rows with a missing outcome are left out, with a warning.

        Returns
        -------
        self
        """
        self._check_params()
        table = obs_table(X)
        outcome = table if y is None else self._outcome_frame(y, table.index)
        target = resolve_target(
            self.target,
            outcome.columns,
            outcome,
            kind=self.kind,
            objective=self.objective,
            time_unit=self.time_unit,
            positive=self.positive,
        )
        values = target.values(outcome)
        schema = FeatureSchema.from_data(X, self.features, self.genes, layer=self.layer)
        frame = schema.frame(X)
        known = np.all(np.isfinite(np.atleast_2d(values.T)), axis=0)
        if not known.all():
            warnings.warn(
                f"{int((~known).sum())} of {known.size} tumours have no {target.name!r} outcome "
                "and are left out of training.",
                UserWarning,
                stacklevel=2,
            )
        frame, values = frame[known], values[known]
        if len(frame) < 10:
            raise InputError(f"only {len(frame)} tumours with an outcome; at least 10 needed.")
        flags = values.reshape(len(frame), -1)[:, 0]
        if (target.kind == "binary" and np.unique(flags).size < 2) or (
            target.kind == "survival" and not flags.any()
        ):
            raise InputError(f"target {target.name!r} has a single class / no events to learn.")

        self.target_ = target
        self.feature_schema_ = schema
        self.feature_names_in_ = np.asarray(schema.names, dtype=object)
        self.n_features_in_ = len(schema.names)
        self.tree_params_ = tree_params(self.max_bin, self.colsample_bytree, len(schema.names))
        params = self._xgb_params(self.random_state)
        self.n_estimators_ = (
            self._rounds_by_early_stopping(frame, values, params)
            if self.early_stopping_rounds
            else self.n_estimators
        )
        train = self._train_dmatrix(frame, values)
        main = self._fit_member(train, values, params)
        self.booster_ = main.booster
        self.risk_offset_ = main.risk_offset
        self.baseline_hazard_ = main.baseline_hazard
        self.bootstrap_ = self._fit_bootstrap(train, values)
        margin = self._margin(main.booster, self._dmatrix(frame))
        train_pred = self._transform(margin, main.risk_offset)
        self.training_quantiles_ = np.quantile(train_pred, np.linspace(0, 1, 101))
        shap = self._contributions(main.booster, frame)
        self.global_importance_ = shap.drop(columns=BIAS).abs().mean().sort_values(ascending=False)
        self.training_summary_ = central_summary(table.loc[frame.index], frame, values, target)
        self.id_register_ = self._register(frame.index)
        return self

    def _check_params(self) -> None:
        """Raise InputError for parameter values XGBoost would reject or misread."""
        if self.aft_distribution not in AFT_DISTRIBUTIONS:
            raise InputError(f"aft_distribution must be one of {AFT_DISTRIBUTIONS}.")
        if int(self.n_bootstrap) < 0 or int(self.n_estimators) < 1:
            raise InputError("n_bootstrap must be >= 0 and n_estimators >= 1.")
        if not 0 < self.validation_fraction < 1:
            raise InputError("validation_fraction must lie strictly between 0 and 1.")

    def _outcome_frame(self, y, index: pd.Index) -> pd.DataFrame:
        """Turn an explicit ``y`` into outcome columns named after the target."""
        arr = np.asarray(y)
        if arr.shape[0] != len(index) or arr.ndim > 2 or (arr.ndim == 2 and arr.shape[1] != 2):
            raise InputError(
                f"y must have shape ({len(index)},) or ({len(index)}, 2); got {arr.shape}."
            )
        if arr.ndim == 1:
            name = self.target if isinstance(self.target, str) else "y"
            return pd.DataFrame({name: pd.Series(arr, index=index)}).infer_objects()
        try:
            arr = arr.astype(float)
        except ValueError:
            raise InputError("a 2-column y must hold numbers: event 0/1 and time.") from None
        cols = (
            (f"{self.target}_event", f"{self.target}_{self.time_unit}")
            if isinstance(self.target, str)
            else tuple(self.target)
        )
        return pd.DataFrame(dict(zip(cols, arr.T, strict=True)), index=index)

    def _xgb_params(self, seed: int, *, nthread: int | None = None) -> dict:
        """Return the XGBoost training parameters for this model and seed (``n_jobs`` threads
        unless ``nthread`` is given)."""
        return xgb_params(
            self.target_.objective,
            {**self.get_params(deep=False), **self.tree_params_},
            seed=seed,
            nthread=self.n_jobs if nthread is None else nthread,
        )

    def _train_dmatrix(self, frame: pd.DataFrame, values: np.ndarray) -> xgb.DMatrix:
        """Build the training DMatrix of ``frame`` with labels (or AFT bounds), unnamed.

        XGBoost re-reads and compares a matrix's feature names and types at every boosting
        round, which with thousands of genes took a third of each round: the booster is named
        once trained (`_fit_member`). With a categorical feature the matrix is built from the
        frame and keeps its types, so that boosters record the categories; otherwise from the
        float32 array (`FeatureSchema.matrix`), which skips pandas' per-column conversion.
        """
        objective, nthread = self.target_.objective, self.n_jobs or -1
        if "c" not in self.feature_schema_.xgboost_types:
            return make_dmatrix(
                self.feature_schema_.matrix(frame), values, objective, nthread=nthread
            )
        matrix = make_dmatrix(frame, values, objective, nthread=nthread)
        matrix.feature_names = None
        return matrix

    def _dmatrix(self, frame: pd.DataFrame) -> xgb.DMatrix:
        """Build the prediction DMatrix of ``frame`` from its float32 array
        (`FeatureSchema.matrix`), named and typed: XGBoost checks the names once."""
        schema = self.feature_schema_
        return make_dmatrix(
            schema.matrix(frame),
            None,
            self.target_.objective,
            nthread=self.n_jobs or -1,
            feature_names=schema.names,
            feature_types=schema.xgboost_types,
        )

    def _register(self, ids: pd.Index) -> dict:
        """Hash the training sample IDs for the data-use register (HMAC-SHA256)."""
        secret = os.environ.get(ID_SECRET_ENV)
        if secret:
            key, salt = secret, None
        else:
            key = salt = self.id_salt or secrets.token_hex(16)
        return {
            "scheme": "hmac-sha256(key, sample_id)",
            "salt": salt,
            "key": f"secret from ${ID_SECRET_ENV}, not stored" if secret else "the salt",
            "hashes": hash_sample_ids(ids, key=key),
        }
