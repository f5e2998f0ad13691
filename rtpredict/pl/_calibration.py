"""``pl.calibration``: predicted against observed, by bins of the prediction."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from anndata import AnnData
from matplotlib.axes import Axes

from rtpredict.errors import InputError
from rtpredict.pl._distribution import numeric_obs
from rtpredict.pl._style import ACCENT, NEUTRAL, axes


def calibration_table(
    adata: AnnData,
    observed: str,
    *,
    key: str = "rtpredict",
    time: str | None = None,
    horizon: float | None = None,
    n_bins: int = 5,
) -> pd.DataFrame:
    """Bin the tumours by their prediction and compare it with what was observed in each bin.

    The prediction is ``obs[f"{key}_event_probability"]`` when present (survival models, at
    their horizon), else ``obs[f"{key}_prediction"]``. Bins are quantiles of the prediction.
    Observed: with ``time``, the Kaplan–Meier probability of the event by ``horizon`` (censored
    tumours count until they leave); else the mean of ``obs[observed]`` (the event rate of a
    0/1 outcome).

    Parameters
    ----------
    adata
        Tumours annotated by :func:`rtpredict.tl.predict`, with outcomes.
    observed
        The ``obs`` column observed: the event (1) or censoring (0) with ``time``, else the
        outcome (0/1 or continuous).
    key
        The ``key_added`` the predictions were written under.
    time
        The ``obs`` column of follow-up times (survival outcomes).
    horizon
        Years by which the event probability is compared (default: the predictions' horizon).
    n_bins
        Number of quantile bins (fewer when predictions tie).

    Returns
    -------
    pandas.DataFrame
        One row per bin: ``n``, ``predicted`` (mean), ``observed``; ``attrs`` name the
        prediction column and the horizon.
    """
    column = f"{key}_event_probability"
    column = column if column in adata.obs.columns else f"{key}_prediction"
    predicted = numeric_obs(adata, column).to_numpy()
    outcome = numeric_obs(adata, observed).to_numpy()
    keep = np.isfinite(predicted) & np.isfinite(outcome)
    times = None
    if time is not None:
        times = numeric_obs(adata, time).to_numpy()
        keep &= np.isfinite(times)
        if horizon is None:
            record = adata.uns.get(f"{key}_prediction")
            params = record.get("params", {}) if isinstance(record, Mapping) else {}
            horizon = params.get("horizon")
        if horizon is None:
            raise InputError("give the horizon (years) at which to compare survival outcomes.")
    if keep.sum() < n_bins:
        raise InputError(f"{int(keep.sum())} tumours with a prediction and an outcome: too few.")
    from rtpredict.models.interface import kaplan_meier, step_value  # imports XGBoost: lazily

    edges = np.unique(np.quantile(predicted[keep], np.linspace(0, 1, n_bins + 1)))
    bins = np.clip(np.searchsorted(edges, predicted[keep], side="right") - 1, 0, len(edges) - 2)
    rows = []
    for b in np.unique(bins):
        chosen = bins == b
        if times is None:
            seen = float(outcome[keep][chosen].mean())
        else:
            knots, survival = kaplan_meier(times[keep][chosen], outcome[keep][chosen])
            seen = 1.0 - float(step_value(knots, survival, [horizon], initial=1.0)[0])
        rows.append(
            {
                "n": int(chosen.sum()),
                "predicted": float(predicted[keep][chosen].mean()),
                "observed": seen,
            }
        )
    table = pd.DataFrame(rows)
    table.attrs.update(prediction=column, horizon=horizon)
    return table


def calibration(
    adata: AnnData,
    observed: str,
    *,
    key: str = "rtpredict",
    time: str | None = None,
    horizon: float | None = None,
    n_bins: int = 5,
    ax: Axes | None = None,
) -> Axes:
    """Draw a calibration plot: mean prediction against the observed outcome, per bin.

    The tumours are binned by quantiles of their prediction (see `calibration_table`); each bin
    is a point labelled with its size, on a dashed diagonal of perfect calibration.

    Parameters
    ----------
    adata
        Tumours annotated by :func:`rtpredict.tl.predict`, with outcomes.
    observed
        The ``obs`` column observed: the event (1) or censoring (0) with ``time``, else the
        outcome (0/1 or continuous).
    key
        The ``key_added`` the predictions were written under.
    time
        The ``obs`` column of follow-up times (survival outcomes).
    horizon
        Years by which the event probability is compared (default: the predictions' horizon).
    n_bins
        Number of quantile bins.
    ax
        Axes to draw on (default: a new figure's).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    table = calibration_table(adata, observed, key=key, time=time, horizon=horizon, n_bins=n_bins)
    ax = axes(ax, (3.6, 3.4))
    lo = min(table.predicted.min(), table.observed.min())
    hi = max(table.predicted.max(), table.observed.max())
    if lo >= 0.0 and hi <= 1.0:
        lo, hi = 0.0, 1.0
    ax.plot([lo, hi], [lo, hi], color=NEUTRAL, lw=0.8, ls="--", label="perfect calibration")
    ax.plot(table.predicted, table.observed, marker="o", color=ACCENT, lw=1.2, label="bins")
    for row in table.itertuples():
        ax.annotate(
            f"n={row.n}",
            (row.predicted, row.observed),
            xytext=(4, -10),
            textcoords="offset points",
            fontsize=7,
        )
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_aspect("equal", adjustable="box")
    what = f"{observed} by {table.attrs['horizon']:g} y" if time else observed
    ax.set_xlabel(f"predicted ({table.attrs['prediction']})", fontsize=8)
    ax.set_ylabel(f"observed ({what})", fontsize=8)
    ax.set_title("Calibration", loc="left")
    ax.legend(frameon=False, fontsize=7, loc="upper left")
    return ax
