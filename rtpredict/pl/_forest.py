"""``pl.validation_forest``: a model's validation metric with CIs, beside its baselines."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.axes import Axes

from rtpredict.errors import InputError
from rtpredict.pl._labels import CHANCE, LOWER_IS_BETTER, metric_label, null_label, predictor_label
from rtpredict.pl._style import ACCENT, NEUTRAL, axes

if TYPE_CHECKING:
    from rtpredict.models.validation import ValidationResult

#: the row colour of every predictor but the model
OTHERS = "#333333"


def forest_rows(
    result: ValidationResult | Mapping[str, Any], metric: str | None = None
) -> tuple[str, list[Mapping[str, Any]], tuple[float, float] | None, dict]:
    """Return the metric drawn, its rows (one per predictor), the null band and the null block.

    ``result`` is a :class:`~rtpredict.models.validation.ValidationResult` or its ``to_dict()``
    (as a model card stores it). The band is the 2.5–97.5% range of the null controls, when
    they were run on this metric.
    """
    record = result.to_dict() if hasattr(result, "to_dict") else result
    metric = str(metric or record.get("primary_metric"))
    rows = [
        r for r in record.get("metrics", []) if isinstance(r, Mapping) and r.get("metric") == metric
    ]
    if not rows:
        raise InputError(f"the validation has no {metric!r} rows to draw.")
    sets = record.get("random_sets") or {}
    quantiles = sets.get("quantiles", {}) if sets.get("status") == "done" else {}
    band = None
    if quantiles and sets.get("metric", metric) == metric:
        band = (float(quantiles["0.025"]), float(quantiles["0.975"]))
    return metric, rows, band, sets


def _value(row: Mapping[str, Any], key: str) -> float:
    value = row.get(key)
    return np.nan if value is None else float(value)


def validation_forest(
    result: ValidationResult | Mapping[str, Any],
    *,
    metric: str | None = None,
    title: str | None = None,
    legend: bool = True,
    ax: Axes | None = None,
) -> Axes:
    """Draw a validation metric with its 95% CI, one row per predictor (a forest plot).

    The model's row is a green square, each baseline (RSI alone, GARD alone,
    clinical covariates…; grey dots). A dotted line marks chance (0.5 for a C-index or AUC, 0
    for R² or a correlation) and a grey band the 95% range of the null controls (random gene
    sets, or permuted outcomes) when they were run on this metric.

    Parameters
    ----------
    result
        The result of :func:`rtpredict.models.validation.cross_validate`, or its ``to_dict()``
        (the ``"validation"`` block of a model card).
    metric
        The metric to draw (default: the validation's primary metric, e.g. ``"c_index"``).
    title
        Axes title (default: the metric's name).
    legend
        Name the chance line and the null band in a legend (off where a caption names them).
    ax
        Axes to draw on (default: a new figure's).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    metric, rows, band, sets = forest_rows(result, metric)
    n = len(rows)
    ax = axes(ax, (6.4, 0.3 * n + 1.2))
    y = np.arange(n)[::-1]
    if band is not None:
        ax.axvspan(*band, color="#dddddd", label=f"{null_label(sets)}, 95% range")
    chance = None if metric in LOWER_IS_BETTER else CHANCE.get(metric)
    if chance is not None:
        ax.axvline(chance, color=NEUTRAL, lw=0.8, ls=":", label=f"chance ({chance:g})")
    for i, row in enumerate(rows):
        model = row.get("predictor") == "model"
        colour = ACCENT if model else OTHERS
        est, lo, hi = (_value(row, k) for k in ("estimate", "lower", "upper"))
        if np.isfinite(lo) and np.isfinite(hi):
            ax.plot([lo, hi], [y[i], y[i]], color=colour, lw=1.6)
        ax.plot([est], [y[i]], marker="s" if model else "o", color=colour, ms=5)
    ax.set_yticks(y, [predictor_label(str(r.get("predictor"))) for r in rows])
    ax.set_ylim(-0.7, n - 0.3)
    label = metric_label(metric)
    ax.set_xlabel(f"{label} (95% CI)")
    ax.set_title(label if title is None else title, loc="left", fontsize=9)
    ax.tick_params(axis="y", length=0)
    if legend and (band is not None or chance is not None):
        ax.legend(frameon=False, fontsize=7, loc="best")
    return ax
