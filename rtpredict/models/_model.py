"""RadiosensitivityModel: gradient-boosted trees (XGBoost) for radiotherapy outcomes."""

from __future__ import annotations

import os
import secrets
import threading
import warnings
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xgboost as xgb
from numpy.typing import ArrayLike
from scipy.special import expit
from scipy.stats import norm
from sklearn.base import BaseEstimator

from rtpredict.errors import InputError
from rtpredict.models._register import hash_sample_ids
from rtpredict.models._schema import BIAS, FeatureSchema, obs_table
from rtpredict.models._summary import central_summary
from rtpredict.models._survival import breslow_cumulative_hazard, step_value
from rtpredict.models._target import resolve_target

if TYPE_CHECKING:
    from anndata import AnnData

AFT_DISTRIBUTIONS = ("normal", "logistic", "extreme")
_EVAL_METRIC = {
    "reg:squarederror": "rmse",
    "binary:logistic": "logloss",
    "survival:cox": "cox-nloglik",
    "survival:aft": "aft-nloglik",
}
#: more features than this make a model wide (gene-level): "auto" then bins and samples columns
WIDE_FEATURES = 1000
#: XGBoost's ``max_bin`` and ``colsample_bytree`` for "auto": narrow models, wide models
DEFAULT_BINS, WIDE_BINS = 256, 32
DEFAULT_COLSAMPLE, WIDE_COLSAMPLE = 1.0, 0.3
#: environment variable holding a secret key for the training-ID register (never stored)
ID_SECRET_ENV = "RTPREDICT_ID_SECRET"


def xgb_params(
    objective: str,
    params: Mapping[str, Any],
    *,
    seed: int,
    nthread: int | None = None,
    base_score: float | None = None,
) -> dict:
    """Return XGBoost training parameters from `RadiosensitivityModel`'s parameter names
    (``learning_rate``, ``max_depth``, …), for central and federated training alike."""
    out = {
        "objective": objective,
        "eval_metric": _EVAL_METRIC[objective],
        "eta": float(params["learning_rate"]),
        "max_depth": int(params["max_depth"]),
        "min_child_weight": float(params["min_child_weight"]),
        "subsample": float(params["subsample"]),
        "colsample_bytree": float(params["colsample_bytree"]),
        "lambda": float(params["reg_lambda"]),
        "alpha": float(params["reg_alpha"]),
        "tree_method": "hist",
        "max_bin": int(params.get("max_bin", DEFAULT_BINS)),
        "seed": int(seed),
    }
    if base_score is not None:
        out["base_score"] = float(base_score)
    if nthread is not None:
        out["nthread"] = int(nthread)
    if objective == "survival:aft":
        out["aft_loss_distribution"] = params["aft_distribution"]
        out["aft_loss_distribution_scale"] = float(params["aft_scale"])
    return out


def tree_params(max_bin: int | str, colsample_bytree: float | str, n_features: int) -> dict:
    """Resolve ``"auto"`` bins and column share for a model of ``n_features`` features.

    A wide model (more than `WIDE_FEATURES`, e.g. thousands of genes) gets `WIDE_BINS` bins
    and `WIDE_COLSAMPLE` of its features per tree, a narrow one XGBoost's defaults: XGBoost
    weighs every bin of every feature at every node, so a wide model's time goes there.
    """
    wide = n_features > WIDE_FEATURES
    if max_bin == "auto":
        max_bin = WIDE_BINS if wide else DEFAULT_BINS
    if colsample_bytree == "auto":
        colsample_bytree = WIDE_COLSAMPLE if wide else DEFAULT_COLSAMPLE
    if isinstance(max_bin, str) or int(max_bin) < 2:
        raise InputError(f"max_bin must be 'auto' or an integer >= 2; got {max_bin!r}.")
    if isinstance(colsample_bytree, str) or not 0 < float(colsample_bytree) <= 1:
        raise InputError(f"colsample_bytree must be 'auto' or in (0, 1]; got {colsample_bytree!r}.")
    return {"max_bin": int(max_bin), "colsample_bytree": float(colsample_bytree)}


def n_workers(n_jobs: int | None) -> int:
    """Return how many threads ``n_jobs`` stands for: every core for None or a value below 1."""
    if n_jobs is None or n_jobs < 1:
        return os.cpu_count() or 1
    return int(n_jobs)


def make_dmatrix(
    data: pd.DataFrame | np.ndarray,
    values: np.ndarray | None,
    objective: str,
    *,
    nthread: int = -1,
    feature_names: Sequence[str] | None = None,
    feature_types: Sequence[str] | None = None,
) -> xgb.DMatrix:
    """Build the DMatrix of ``data``, with labels (Cox: signed times; AFT: interval bounds)
    when ``values`` are given.

    ``data`` is a frame (feature names and types taken from its columns) or an array, named and
    typed by ``feature_names`` and ``feature_types`` (``"c"`` for categorical codes) when given.
    """
    matrix = xgb.DMatrix(
        data,
        enable_categorical=True,
        nthread=nthread,
        feature_names=feature_names,
        feature_types=feature_types,
    )
    if values is None:
        return matrix
    if objective == "survival:cox":
        matrix.set_label(np.where(values[:, 0] == 1, values[:, 1], -values[:, 1]))
    elif objective == "survival:aft":
        matrix.set_float_info("label_lower_bound", values[:, 1])
        matrix.set_float_info(
            "label_upper_bound", np.where(values[:, 0] == 1, values[:, 1], np.inf)
        )
    else:
        matrix.set_label(values)
    return matrix


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


class RadiosensitivityModel(BaseEstimator):
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

    # --------------------------------------------------------------- prediction
    def predict(self, X: AnnData | pd.DataFrame) -> np.ndarray:
        """Predict each tumour: value, probability of class 1, or risk score (survival).

        Parameters
        ----------
        X
            AnnData (features in ``obs``, genes in ``X``) or DataFrame, one row per tumour, with the
            features the model was fitted on.

        Returns
        -------
        numpy.ndarray
            One prediction per tumour.
        """
        margin = self._margin(self.booster_, self._dmatrix(self._frame(X)))
        return self._transform(margin, self.risk_offset_)

    def predict_margin(self, X: AnnData | pd.DataFrame) -> np.ndarray:
        """Return the booster's raw margin (log-odds, log hazard, log time), which SHAP sums to.

        Parameters
        ----------
        X
            AnnData (features in ``obs``, genes in ``X``) or DataFrame, one row per tumour, with the
            features the model was fitted on.

        Returns
        -------
        numpy.ndarray
            One margin per tumour.
        """
        return self._margin(self.booster_, self._dmatrix(self._frame(X)))

    def predict_survival(self, X: AnnData | pd.DataFrame, times: Sequence[float]) -> pd.DataFrame:
        """Return each tumour's survival probability at ``times`` (years).

        Cox: S(t | x) = exp(-H0(t) exp(risk(x))) with Breslow's H0 from the training data.
        AFT: S(t | x) = 1 - F((ln t - margin(x)) / scale) with the model's error distribution.

        Parameters
        ----------
        X
            AnnData (features in ``obs``, genes in ``X``) or DataFrame, one row per tumour, with the
            features the model was fitted on.
        times
            Times at which to evaluate survival, in years.

        Returns
        -------
        pandas.DataFrame
            Tumours × times.
        """
        self._require_survival()
        frame = self._frame(X)
        times = np.atleast_1d(np.asarray(times, dtype=float))
        main = Member(self.booster_, self.risk_offset_, self.baseline_hazard_)
        surv = self._survival(main, self._margin(main.booster, self._dmatrix(frame)), times)
        return pd.DataFrame(surv, index=frame.index, columns=times)

    def predict_uncertainty(
        self, X: AnnData | pd.DataFrame, *, level: float = 0.95, horizon: float | None = None
    ) -> pd.DataFrame:
        """Return each tumour's prediction with the bootstrap ensemble's spread.

        Columns: ``prediction`` (the main booster), ``sd``, ``lower`` and ``upper`` (percentile
        interval at ``level`` over the bootstrap boosters), ``percentile`` (rank of the
        prediction among the training tumours' predictions, 0–100). Survival models with a
        horizon (argument or ``self.horizon``) add ``event_probability`` by the horizon with its
        ``_sd``, ``_lower`` and ``_upper``. Without bootstrap boosters the spread is NaN.

        Parameters
        ----------
        X
            AnnData (features in ``obs``, genes in ``X``) or DataFrame, one row per tumour, with the
            features the model was fitted on.
        level
            Coverage of the percentile interval.
        horizon
            Time (years) of the event probability of survival models; default ``self.horizon``.

        Returns
        -------
        pandas.DataFrame
            One row per tumour.
        """
        frame = self._frame(X)
        horizon = self.horizon if horizon is None else horizon
        if horizon is not None:
            self._require_survival()
        matrix = self._dmatrix(frame)
        main = Member(self.booster_, self.risk_offset_, self.baseline_hazard_)
        members = [main, *self.bootstrap_]
        preds, probs = [], []
        for member in members:
            margin = self._margin(member.booster, matrix)
            preds.append(self._transform(margin, member.risk_offset))
            if horizon is not None:
                probs.append(1.0 - self._survival(member, margin, np.array([horizon]))[:, 0])
        out = pd.DataFrame(index=frame.index)
        _spread(out, "prediction", np.asarray(preds), level)
        out["percentile"] = self.training_percentile(out["prediction"].to_numpy())
        if horizon is not None:
            _spread(out, "event_probability", np.asarray(probs), level)
        return out

    def training_percentile(self, prediction: np.ndarray) -> np.ndarray:
        """Return where predictions fall among the training tumours' predictions (0–100).

        Parameters
        ----------
        prediction
            Predictions on the scale of :meth:`predict`.

        Returns
        -------
        numpy.ndarray
            Percentiles, of the shape of ``prediction``.
        """
        q = self.training_quantiles_
        grid = np.linspace(0, 100, q.size)
        unique, first = np.unique(q, return_index=True)
        _, last = np.unique(q[::-1], return_index=True)
        mid = (grid[first] + grid[q.size - 1 - last]) / 2
        return np.interp(np.asarray(prediction, dtype=float), unique, mid)

    def explain(self, X: AnnData | pd.DataFrame) -> pd.DataFrame:
        """Return per-tumour SHAP values on the margin scale (XGBoost ``pred_contribs``).

        One column per feature plus ``"(bias)"``; each row sums to `predict_margin`
        (Lundberg SM et al., Nat Mach Intell 2020;2:56–67).

        Parameters
        ----------
        X
            AnnData (features in ``obs``, genes in ``X``) or DataFrame, one row per tumour, with the
            features the model was fitted on.

        Returns
        -------
        pandas.DataFrame
            Tumours × (features + ``"(bias)"``).
        """
        return self._contributions(self.booster_, self._frame(X))

    # ----------------------------------------------------------------- helpers
    def _frame(self, X) -> pd.DataFrame:
        """Validate ``X`` against the fitted schema and return the model matrix."""
        if not hasattr(self, "booster_"):
            raise InputError("this RadiosensitivityModel is not fitted; call fit() or load one.")
        return self.feature_schema_.frame(X)

    def _margin(self, booster: xgb.Booster, matrix: xgb.DMatrix) -> np.ndarray:
        """Return a booster's raw margin on a `_dmatrix`."""
        return booster.predict(matrix, output_margin=True).astype(float)

    def _contributions(self, booster: xgb.Booster, frame: pd.DataFrame) -> pd.DataFrame:
        """Return SHAP contributions (features + bias) of ``frame``."""
        contrib = booster.predict(self._dmatrix(frame), pred_contribs=True).astype(float)
        return pd.DataFrame(contrib, index=frame.index, columns=[*frame.columns, BIAS])

    def _transform(self, margin: np.ndarray, offset: float) -> np.ndarray:
        """Turn a margin into the prediction scale of ``predict``."""
        objective = self.target_.objective
        if objective == "binary:logistic":
            return expit(margin)
        if objective == "survival:cox":
            return margin - offset
        if objective == "survival:aft":
            return offset - margin
        return margin

    def _survival(self, member: Member, margin: np.ndarray, times: np.ndarray) -> np.ndarray:
        """Survival probabilities (tumours x times) of one member from its margins."""
        if self.target_.objective == "survival:cox":
            knots, hazard = member.baseline_hazard
            h0 = step_value(knots, hazard, times, initial=0.0)
            return np.exp(-np.outer(np.exp(margin - member.risk_offset), h0))
        with np.errstate(divide="ignore"):
            z = (np.log(times)[None, :] - margin[:, None]) / float(self.aft_scale)
        if self.aft_distribution == "normal":
            return norm.sf(z)
        if self.aft_distribution == "logistic":
            return expit(-z)
        return np.exp(-np.exp(z))

    def _require_survival(self) -> None:
        """Raise InputError unless this is a fitted survival model."""
        if not hasattr(self, "target_") or self.target_.kind != "survival":
            raise InputError("survival probabilities need a fitted survival (time-to-event) model.")


def _spread(out: pd.DataFrame, name: str, values: np.ndarray, level: float) -> None:
    """Write the point value (row 0) and the SD and percentile interval of the bootstrap rows.

    Columns: ``name`` and ``<stem>sd``, ``<stem>lower``, ``<stem>upper``, where the stem is
    empty for ``prediction`` and ``<name>_`` otherwise.
    """
    stem = "" if name == "prediction" else f"{name}_"
    out[name] = values[0]
    boot = values[1:]
    tail = (1 - level) / 2
    enough = boot.shape[0] >= 2
    out[f"{stem}sd"] = boot.std(axis=0, ddof=1) if enough else np.nan
    out[f"{stem}lower"] = np.quantile(boot, tail, axis=0) if enough else np.nan
    out[f"{stem}upper"] = np.quantile(boot, 1 - tail, axis=0) if enough else np.nan
