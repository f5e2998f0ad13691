"""Baselines every model is compared with on the same folds: RSI, GARD, clinical covariates.

A `ScoreBaseline` uses one column as it is (only its direction may be learned on the training
folds), so it ranks tumours but gives no probabilities. A `GLMBaseline` fits a classical model
on the training folds: Cox proportional hazards (lifelines) for survival, logistic regression
for binary outcomes, least squares for continuous ones.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter
from sklearn.linear_model import LogisticRegression

from rtpredict.errors import InputError
from rtpredict.models import _metrics

#: clinical covariates of the "clinical alone" baseline, where present
CLINICAL = ("site", "dose_per_fraction", "fractions", "received_rt")
_LEARNED = "direction learned on the training folds"


@dataclass(frozen=True)
class ScoreBaseline:
    """Use one column as the prediction (risk, score or value).

    ``sign`` +1 means higher values predict a higher outcome (risk for survival, probability
    for binary, value for regression), -1 the reverse; ``None`` learns the sign on the training
    folds (one fitted bit, no peeking at the test fold). Missing values get the training median.

    Parameters
    ----------
    column
        The column read as the prediction.
    sign
        +1, -1 or None (learned on the training folds).
    description
        How reports name the baseline (default: the class and its column).
    """

    column: str
    sign: int | None = None
    description: str = ""

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns this baseline reads."""
        return (self.column,)

    @property
    def provides_survival(self) -> bool:
        """Whether it predicts survival probabilities (a bare score does not)."""
        return False

    def fit(self, table: pd.DataFrame, values: np.ndarray, kind: str) -> _FittedScore:
        """Learn the median (for imputation) and, unless fixed, the sign.

        Parameters
        ----------
        table
            The training rows' features.
        values
            Their outcome: (n,) values or classes, or (n, 2) event and time (survival).
        kind
            ``"regression"``, ``"binary"`` or ``"survival"``.

        Returns
        -------
        object
            The fitted baseline, with ``predict(table)``.
        """
        x = _numeric(table, self.column)
        median = float(np.nanmedian(x))
        sign = self.sign
        if sign is None:
            sign = 1 if _association(np.where(np.isnan(x), median, x), values, kind) >= 0 else -1
        return _FittedScore(self.column, int(sign), median)


@dataclass(frozen=True)
class _FittedScore:
    column: str
    sign: int
    median: float
    calibrated: bool = False

    def predict(self, table: pd.DataFrame) -> np.ndarray:
        x = _numeric(table, self.column)
        return self.sign * np.where(np.isnan(x), self.median, x)

    def predict_survival(self, table: pd.DataFrame, times: np.ndarray) -> None:
        return None


@dataclass(frozen=True)
class GLMBaseline:
    """Fit a classical regression on ``columns`` (and products of ``interactions``).

    Numeric columns are imputed with the training median and standardised; categorical ones are
    one-hot coded on the training categories (first one dropped; an unseen category codes as
    the reference). ``penalizer`` is an L2 penalty (lifelines' ``penalizer``, 1/C for logistic
    regression, the ridge λ for least squares). ``strata`` (survival only) fits a Cox model
    stratified by that column, each stratum with its own baseline hazard, so coefficients
    reflect within-stratum (e.g. within-cohort) contrasts; it then predicts a risk score but no
    survival probabilities (a new stratum has no baseline hazard).

    Parameters
    ----------
    columns
        The covariates.
    interactions
        Pairs of covariates whose product is a covariate too.
    penalizer
        The L2 penalty (0: none).
    strata
        Column stratifying a Cox model (survival only), or None.
    description
        How reports name the baseline (default: the class and its columns).
    """

    columns: tuple[str, ...]
    interactions: tuple[tuple[str, str], ...] = ()
    penalizer: float = 0.0
    strata: str | None = None
    description: str = ""

    @property
    def provides_survival(self) -> bool:
        """Whether it predicts survival probabilities (unstratified Cox models do)."""
        return self.strata is None

    def fit(self, table: pd.DataFrame, values: np.ndarray, kind: str) -> _FittedGLM:
        """Fit the regression on the training rows.

        Parameters
        ----------
        table
            The training rows' covariates.
        values
            Their outcome: (n,) values or classes, or (n, 2) event and time (survival).
        kind
            ``"regression"`` (least squares), ``"binary"`` (logistic) or ``"survival"`` (Cox).

        Returns
        -------
        object
            The fitted regression, with ``predict(table)`` and ``predict_survival(table, times)``.
        """
        design = _Design.learn(table, self.columns, self.interactions)
        x = design.transform(table)
        if self.strata is not None and kind != "survival":
            raise InputError("GLMBaseline strata apply to survival (Cox) baselines only.")
        if kind == "survival":
            frame = pd.DataFrame(x, columns=design.names)
            frame["_time"], frame["_event"] = values[:, 1], values[:, 0]
            strata = None
            if self.strata is not None:
                frame["_stratum"] = table[self.strata].astype(str).to_numpy()
                strata = ["_stratum"]
            fitted = CoxPHFitter(penalizer=self.penalizer).fit(
                frame, "_time", "_event", strata=strata
            )
        elif kind == "binary":
            c = 1.0 / self.penalizer if self.penalizer > 0 else np.inf
            fitted = LogisticRegression(C=c, max_iter=1000).fit(x, values.astype(int))
        else:
            fitted = _ridge(x, values, self.penalizer)
        return _FittedGLM(design, kind, fitted, calibrated=self.provides_survival)


class _FittedGLM:
    def __init__(self, design: _Design, kind: str, fitted, *, calibrated: bool):
        self.design, self.kind, self.fitted = design, kind, fitted
        self.calibrated = calibrated

    def predict(self, table: pd.DataFrame) -> np.ndarray:
        x = self.design.transform(table)
        if self.kind == "survival":
            frame = pd.DataFrame(x, columns=self.design.names)
            return self.fitted.predict_log_partial_hazard(frame).to_numpy(dtype=float)
        if self.kind == "binary":
            return self.fitted.predict_proba(x)[:, 1]
        intercept, coef = self.fitted
        return intercept + x @ coef

    def predict_survival(self, table: pd.DataFrame, times: np.ndarray) -> np.ndarray | None:
        if self.kind != "survival" or not self.calibrated:
            return None
        frame = pd.DataFrame(self.design.transform(table), columns=self.design.names)
        return self.fitted.predict_survival_function(frame, times=times).to_numpy(dtype=float).T


@dataclass
class _Design:
    """Training-fold recipe of a design matrix: imputation, one-hot coding, scaling."""

    medians: dict[str, float]
    levels: dict[str, list[str]]  # non-reference categories
    interactions: tuple[tuple[str, str], ...]
    names: list[str] = field(default_factory=list)
    mean: np.ndarray | None = None
    sd: np.ndarray | None = None
    keep: np.ndarray | None = None

    @classmethod
    def learn(
        cls, table: pd.DataFrame, columns: Sequence[str], interactions: Sequence[tuple[str, str]]
    ) -> _Design:
        """Learn medians, categories and scaling on the training rows; drop constant columns."""
        medians, levels = {}, {}
        for column in columns:
            if column in table.columns and _is_text(table[column]):
                labels = sorted(table[column].dropna().astype(str).unique())
                levels[column] = labels[1:]
            else:
                medians[column] = float(np.nanmedian(_numeric(table, column)))
        stray = sorted({c for pair in interactions for c in pair} - set(medians))
        if stray:
            raise InputError(f"interaction column(s) {stray} must be numeric baseline columns.")
        design = cls(medians, levels, tuple(interactions))
        raw, names = design._raw(table)
        sd = raw.std(axis=0)
        keep = sd > 0
        design.names = [n for n, k in zip(names, keep, strict=True) if k]
        design.mean, design.sd, design.keep = raw.mean(axis=0)[keep], sd[keep], keep
        return design

    def _raw(self, table: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
        """Imputed, one-hot coded columns (with interaction products), unscaled."""
        cols, names = [], []
        for column, median in self.medians.items():
            x = _numeric(table, column)
            cols.append(np.where(np.isnan(x), median, x))
            names.append(column)
        for column, levels in self.levels.items():
            labels = table[column].astype(str).where(table[column].notna())
            for level in levels:
                cols.append((labels == level).to_numpy(dtype=float))
                names.append(f"{column}={level}")
        for a, b in self.interactions:
            cols.append(cols[names.index(a)] * cols[names.index(b)])
            names.append(f"{a}:{b}")
        return np.column_stack(cols), names

    def transform(self, table: pd.DataFrame) -> np.ndarray:
        """Return the standardised design matrix of ``table``."""
        raw, _ = self._raw(table)
        return (raw[:, self.keep] - self.mean) / self.sd


def default_baselines(kind: str, columns: Sequence[str]) -> dict:
    """Return the standard baselines whose columns are present: RSI, GARD, GLM on GARD, clinical.

    Parameters
    ----------
    kind
        The outcome's kind (``"regression"``, ``"binary"``, ``"survival"``): picks the GLM.
    columns
        The columns of the data.

    Returns
    -------
    dict
        Name -> `ScoreBaseline` / `GLMBaseline`.
    """
    glm = {"survival": "Cox model", "binary": "logistic regression"}.get(kind, "linear regression")
    out: dict = {}
    if "rsi" in columns:
        out["rsi"] = ScoreBaseline("rsi", description=f"RSI alone ({_LEARNED})")
    if "gard" in columns:
        out["gard"] = ScoreBaseline("gard", description=f"GARD alone ({_LEARNED})")
        out["gard_glm"] = GLMBaseline(("gard",), description=f"{glm} on GARD")
    clinical = tuple(c for c in CLINICAL if c in columns)
    if clinical:
        out["clinical"] = GLMBaseline(
            clinical, penalizer=0.1, description=f"{glm} on {', '.join(clinical)} (L2 0.1)"
        )
    return out


def with_input(baselines: dict, table: pd.DataFrame) -> dict:
    """Return the baselines that have input: one whose every column is all NaN (e.g. RSI on a
    matrix without the RSI genes) is dropped, a GLM keeps its columns that hold values; one
    warning names what was dropped."""
    out, dropped = {}, []
    for name, baseline in baselines.items():
        empty = [c for c in baseline.columns if c in table.columns and table[c].isna().all()]
        paired = {c for pair in getattr(baseline, "interactions", ()) for c in pair}
        if not empty:
            out[name] = baseline
        elif len(empty) < len(baseline.columns) and not paired & set(empty):
            out[name] = replace(
                baseline, columns=tuple(c for c in baseline.columns if c not in empty)
            )
            dropped.append(f"{', '.join(empty)} from {name}")
        else:
            dropped.append(f"{name} ({', '.join(empty)} all NaN)")
    if dropped:
        warnings.warn(
            f"baseline input without any value (all NaN) left out: {'; '.join(dropped)}.",
            UserWarning,
            stacklevel=3,
        )
    return out


def _association(x: np.ndarray, values: np.ndarray, kind: str) -> float:
    """Signed association of x with the outcome (risk for survival), 0 = none."""
    if kind == "survival":
        return _metrics.harrell_c(values[:, 1], values[:, 0], x) - 0.5
    if kind == "binary":
        return _metrics.auroc(values, x) - 0.5
    return _metrics.spearman(values, x)


def _ridge(x: np.ndarray, y: np.ndarray, penalty: float) -> tuple[float, np.ndarray]:
    """Least squares with an unpenalised intercept and an L2 penalty on the coefficients."""
    xc, yc = x - x.mean(axis=0), y - y.mean()
    coef = np.linalg.solve(xc.T @ xc + penalty * np.eye(x.shape[1]), xc.T @ yc)
    return float(y.mean() - x.mean(axis=0) @ coef), coef


def _numeric(table: pd.DataFrame, column: str) -> np.ndarray:
    if column not in table.columns:
        raise InputError(f"baseline column {column!r} missing from the data.")
    series = table[column]
    if _is_text(series):
        raise InputError(f"baseline column {column!r} must be numeric, not {series.dtype}.")
    return series.to_numpy(dtype=float, na_value=np.nan)


def _is_text(series: pd.Series) -> bool:
    return isinstance(series.dtype, pd.CategoricalDtype) or not (
        pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)
    )
