"""``pl.distribution``: histogram of one score over the tumours, per cohort, one tumour marked."""

from __future__ import annotations

import numpy as np
import pandas as pd
from anndata import AnnData
from matplotlib.axes import Axes

from rtpredict import _format as fmt
from rtpredict.errors import InputError
from rtpredict.pl._style import BARS, GROUP_COLOURS, GROUP_HATCHES, INK, RISK_UP, axes


def numeric_obs(adata: AnnData, key: str) -> pd.Series:
    """Return ``obs[key]`` as floats (NaN where missing), or raise InputError if absent."""
    if key not in adata.obs.columns:
        raise InputError(f"no obs[{key!r}] to plot (obs has {len(adata.obs.columns)} columns).")
    return pd.to_numeric(adata.obs[key], errors="coerce").astype(float)


def histogram_bins(n: int) -> int:
    """The number of bins for ``n`` values: about √n, between 5 and 30."""
    return min(30, max(5, int(np.sqrt(n)) + 1))


def distribution(
    adata: AnnData,
    key: str,
    *,
    groupby: str | None = None,
    highlight: str | None = None,
    threshold: float | None = None,
    threshold_label: str | None = None,
    bins: int | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw a histogram of one score (RSI, GARD, a prediction…) over the tumours.

    Tumours without a finite value are left out. With ``groupby``, one stacked bar per group
    (cohort, site…) on shared bins, each group with its own colour and hatch; ``highlight``
    marks one tumour's value with a solid line, ``threshold`` a published cut-off with a dashed
    one, both named in the legend.

    Parameters
    ----------
    adata
        Tumours, with the score in ``obs[key]``.
    key
        The ``obs`` column to draw, e.g. ``"rsi"``, ``"gard"`` or ``"rtpredict_prediction"``.
    groupby
        An ``obs`` column whose groups (e.g. ``"cohort"``) are stacked.
    highlight
        The ID of a tumour whose value is marked.
    threshold
        A value to mark, e.g. RSI's published 0.46.
    threshold_label
        The threshold's legend entry (default: ``"threshold <value>"``).
    bins
        Number of bins (default: about √n, between 5 and 30).
    title
        Axes title (default: ``key``).
    xlabel
        x-axis label (default: ``key``).
    ax
        Axes to draw on (default: a new figure's).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    values = numeric_obs(adata, key)
    finite = np.isfinite(values.to_numpy())
    ax = axes(ax, (4.0, 2.8))
    legend = False
    if finite.any():
        n_bins = bins or histogram_bins(int(finite.sum()))
        if groupby is None:
            ax.hist(values[finite], bins=n_bins, color=BARS, edgecolor="white", linewidth=0.5)
        else:
            if groupby not in adata.obs.columns:
                raise InputError(f"no obs[{groupby!r}] to group the tumours by.")
            groups = adata.obs[groupby].astype(str).to_numpy()[finite]
            names = sorted(set(groups))
            edges = np.histogram_bin_edges(values[finite], bins=n_bins)
            stacks = [values[finite][groups == g] for g in names]
            colours = [GROUP_COLOURS[i % len(GROUP_COLOURS)] for i in range(len(names))]
            _, _, patches = ax.hist(
                stacks,
                bins=edges,
                stacked=True,
                color=colours,
                edgecolor="white",
                linewidth=0.5,
                label=[f"{g} (n={len(s)})" for g, s in zip(names, stacks, strict=True)],
            )
            for i, group in enumerate(patches):
                for patch in group:
                    patch.set_hatch(GROUP_HATCHES[i % len(GROUP_HATCHES)])
            legend = True
    if threshold is not None:
        label = f"threshold {threshold:g}" if threshold_label is None else threshold_label
        ax.axvline(threshold, color=RISK_UP, lw=1.2, ls="--", label=label)
        legend = True
    if highlight is not None:
        if highlight not in adata.obs_names:
            raise InputError(f"no tumour {highlight!r} to highlight.")
        value = float(values[highlight])
        if np.isfinite(value):
            ax.axvline(value, color=INK, lw=1.6, label=f"{highlight}: {fmt.number(value, 3)}")
            legend = True
    if legend and groupby is not None:  # beside the axes: stacked bars fill the top
        ax.legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    elif legend:
        ax.legend(frameon=False, fontsize=7, loc="upper right")
    ax.set_title(key if title is None else title, loc="left", fontsize=9)
    ax.set_xlabel(key if xlabel is None else xlabel, fontsize=8)
    ax.set_ylabel("tumours", fontsize=8)
    ax.tick_params(labelsize=7)
    return ax
