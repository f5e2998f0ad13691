"""Predictions of a fitted `RadiosensitivityModel`: values, survival, uncertainty, SHAP.

`Predictions` is a mixin of `RadiosensitivityModel`: its methods read the fitted booster,
ensemble, target and schema.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xgboost as xgb
from scipy.special import expit
from scipy.stats import norm

from rtpredict.errors import InputError
from rtpredict.models._ensemble import Member
from rtpredict.models._feature import BIAS
from rtpredict.models._survival import step_value

if TYPE_CHECKING:
    from anndata import AnnData


class Predictions:
    """Predict with a fitted `RadiosensitivityModel` and explain its predictions."""

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
