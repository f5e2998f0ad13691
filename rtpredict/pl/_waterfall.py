"""``pl.waterfall``: one tumour's SHAP contributions, from the model's baseline to its output."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from anndata import AnnData
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from rtpredict import _format as fmt
from rtpredict.errors import InputError
from rtpredict.pl._style import INK, NEUTRAL, RISK_DOWN, RISK_UP, axes

#: longest row label (characters) that fits left of the bars
LABEL_CHARS = 42


@dataclass(frozen=True)
class ShapRows:
    """The rows of a waterfall: features by decreasing absolute SHAP value, the rest pooled.

    Parameters
    ----------
    features
        The features drawn one by one, largest contribution first.
    contributions
        Their contributions, then the pooled rest's (if any), on the output's scale.
    n_rest
        How many features the last row pools (0: no pooled row).
    start
        The model's baseline, where the first bar starts.
    objective
        The model's XGBoost objective.
    target
        The model's target.
    """

    features: list[str]
    contributions: np.ndarray
    n_rest: int
    start: float
    objective: str
    target: str

    @property
    def end(self) -> float:
        """Where the last bar ends: the tumour's output."""
        return self.start + float(self.contributions.sum())


def shap_rows(adata: AnnData, sample: str, *, key: str = "rtpredict", top: int = 8) -> ShapRows:
    """Read one tumour's waterfall rows from what `rtpredict.tl.predict` wrote under ``key``.

    SHAP values come from ``obsm[f"{key}_shap"]`` (the model's ``explain()``, margin scale).
    AFT models' contributions change sign, so that right means higher risk as for Cox models;
    for survival models the bars end at ``obs[f"{key}_prediction"]``, else they start at the
    SHAP bias.

    Parameters
    ----------
    adata
        Tumours annotated by :func:`rtpredict.tl.predict`.
    sample
        The tumour's ID.
    key
        The ``key_added`` the predictions were written under.
    top
        How many features to keep one by one; the rest are pooled.

    Returns
    -------
    ShapRows
        The features, their contributions, the pooled rest and the baseline.
    """
    shap = adata.obsm.get(f"{key}_shap")
    record = adata.uns.get(f"{key}_prediction")
    if shap is None or not isinstance(record, Mapping):
        raise InputError(
            f"no SHAP values under {key!r}: run rtpredict.tl.predict("
            f"adata, model, key_added={key!r}) first."
        )
    if sample not in adata.obs_names:
        raise InputError(f"no tumour {sample!r} in the AnnData.")
    shap = pd.DataFrame(shap, index=adata.obs_names)
    values = pd.Series(np.asarray(shap.loc[sample], dtype=float), index=shap.columns)
    order = values.abs().sort_values(ascending=False, kind="stable").index
    features = [str(f) for f in order[:top]]
    contributions = [float(values[f]) for f in order[:top]]
    rest = list(order[top:])
    if rest:
        contributions.append(float(values[rest].sum()))
    model = record.get("model", {})
    objective = str(model.get("objective", ""))
    sign = -1.0 if objective == "survival:aft" else 1.0
    contributions_ = sign * np.asarray(contributions, dtype=float)
    output = (
        adata.obs[f"{key}_prediction"].get(sample) if f"{key}_prediction" in adata.obs else None
    )
    if objective in ("survival:cox", "survival:aft") and not fmt.is_missing(output):
        start = float(output) - float(contributions_.sum())
    else:
        start = float(record.get("shap_bias", 0.0))
    return ShapRows(
        features, contributions_, len(rest), start, objective, str(model.get("target", ""))
    )


def shap_axis_label(objective: str, target: str) -> str:
    """The x-axis of a waterfall: the model's output scale, and which way is higher risk."""
    if objective.startswith("survival"):
        return "model output: log relative hazard (→ higher predicted risk)"
    if objective == "binary:logistic":
        return "log-odds (→ higher predicted probability)"
    return f"predicted {target}"


def _fit(label: str) -> str:
    """Shorten a row label to `LABEL_CHARS`, marking the cut."""
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _default_label(adata: AnnData, sample: str, feature: str) -> str:
    if feature not in adata.obs.columns:
        return feature
    value = adata.obs.loc[sample, feature]
    if fmt.is_missing(value):
        return f"{feature} = {fmt.MISSING}"
    return f"{feature} = {fmt.number(value) if isinstance(value, float) else value}"


def waterfall(
    adata: AnnData,
    sample: str,
    *,
    key: str = "rtpredict",
    top: int = 8,
    labels: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw one tumour's SHAP contributions as a waterfall, from the baseline to its output.

    Reads what :func:`rtpredict.tl.predict` wrote: the SHAP values of the
    model's ``explain()`` (``obsm[f"{key}_shap"]``) and its output. The ``top`` largest
    contributions are drawn one by one, the rest pooled into one row. A bar to the right raises
    the output (orange), to the left lowers it (blue); each bar is labelled with its signed
    value, so colour is never the only cue.

    Parameters
    ----------
    adata
        Tumours annotated by :func:`rtpredict.tl.predict`.
    sample
        The tumour's ID.
    key
        The ``key_added`` the predictions were written under.
    top
        How many features to draw one by one.
    labels
        Feature → row label (default: ``"<feature> = <its value>"`` for ``obs`` features).
    ax
        Axes to draw on (default: a new figure's).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    rows = shap_rows(adata, sample, key=key, top=top)
    values = rows.contributions
    n = len(values)
    ax = axes(ax, (6.4, 0.32 * (n + 2) + 0.9))
    start, end = rows.start, rows.end
    lefts = start + np.concatenate([[0.0], np.cumsum(values)[:-1]])
    y = np.arange(n)[::-1] + 1
    colours = [RISK_UP if v > 0 else RISK_DOWN for v in values]
    ax.barh(y, values, left=lefts, color=colours, height=0.62)
    lo = min(start, end, *(lefts + np.minimum(values, 0)))
    hi = max(start, end, *(lefts + np.maximum(values, 0)))
    pad = 0.18 * (hi - lo or 1)
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_ylim(-0.6, n + 1.6)
    nudge = 0.01 * (hi - lo or 1)
    for yi, left, v in zip(y, lefts, values, strict=True):
        x = left + v + nudge if v > 0 else left + v - nudge
        ha = "left" if v > 0 else "right"
        ax.text(x, yi, fmt.signed(v), va="center", ha=ha, fontsize=8, color=INK)
    ax.axvline(start, color=NEUTRAL, lw=0.8, ls=":")
    ax.axvline(end, color=INK, lw=1.0)
    ax.plot([start], [n + 1], marker="o", color=NEUTRAL)
    ax.plot([end], [0], marker="D", color=INK)
    names = dict(labels or {})
    texts = [names.get(f) or _default_label(adata, sample, f) for f in rows.features]
    if rows.n_rest:
        texts.append(f"{rows.n_rest} other features")
    # row labels as plain text: far cheaper to draw than tick labels
    texts += [f"This tumour: {fmt.number(end)}", f"Average training tumour: {fmt.number(start)}"]
    transform = ax.get_yaxis_transform()
    for yi, text in zip([*y, 0, n + 1], texts, strict=True):
        ax.text(-0.02, yi, _fit(text), transform=transform, ha="right", va="center", fontsize=8.5)
    ax.set_yticks([])
    ax.xaxis.set_major_locator(MaxNLocator(6))
    ax.set_xlabel(shap_axis_label(rows.objective, rows.target))
    ax.spines["left"].set_visible(False)
    return ax
