"""The report's figures (matplotlib, inline SVG): they draw values, they never compute scores."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from markupsafe import Markup
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from rtpredict import _format as fmt
from rtpredict.report._svg import ACCENT, NEUTRAL, RISK_DOWN, RISK_UP, style, to_svg

WIDTH = 6.4  # inches: fits an A4 page with margins
#: above this many points a scatter is embedded as an image (PNG data URI), not as vectors
RASTER_POINTS = 300
#: longest row label of a waterfall (characters) that fits left of its bars
LABEL_CHARS = 42


def _fit(label: str) -> str:
    """Shorten a row label to `LABEL_CHARS`, marking the cut."""
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def waterfall(
    labels: Sequence[str],
    contributions: Sequence[float],
    *,
    start: float,
    prefix: str,
    axis_label: str,
    description: str,
) -> Markup:
    """Draw SHAP contributions as a waterfall from the model's baseline to this tumour's output.

    ``labels``/``contributions`` in drawing order, top to bottom (largest first; the caller may
    pool the rest into one row). Bars to the right raise the output (``RISK_UP``), to the left
    lower it; each bar is labelled with its signed value, so colour is never the only cue.
    """
    values = np.asarray(contributions, dtype=float)
    n = len(values)
    lefts = start + np.concatenate([[0.0], np.cumsum(values)[:-1]])
    end = start + values.sum()
    with style():
        fig = Figure(figsize=(WIDTH, 0.32 * (n + 2) + 0.7))
        ax = fig.add_axes(
            (0.40, 0.55 / (0.32 * (n + 2) + 0.7), 0.56, 1 - 0.75 / (0.32 * (n + 2) + 0.7))
        )
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
            ax.text(
                x,
                yi,
                fmt.signed(v),
                va="center",
                ha="left" if v > 0 else "right",
                fontsize=8,
                color="#222222",
            )
        ax.axvline(start, color=NEUTRAL, lw=0.8, ls=":")
        ax.axvline(end, color="#222222", lw=1.0)
        ax.plot([start], [n + 1], marker="o", color=NEUTRAL)
        ax.plot([end], [0], marker="D", color="#222222")
        # row labels as plain text: far cheaper to draw than tick labels
        rows = [
            *(_fit(label) for label in labels),
            f"This tumour: {fmt.number(end)}",
            f"Average training tumour: {fmt.number(start)}",
        ]
        label_transform = ax.get_yaxis_transform()
        for yi, text in zip([*y, 0, n + 1], rows, strict=True):
            ax.text(
                -0.02, yi, text, transform=label_transform, ha="right", va="center", fontsize=8.5
            )
        ax.set_yticks([])
        ax.xaxis.set_major_locator(MaxNLocator(6))
        ax.set_xlabel(axis_label)
        ax.spines["left"].set_visible(False)
        return to_svg(
            fig, prefix=prefix, title="Feature contributions (SHAP)", description=description
        )


def distribution(
    values: np.ndarray,
    *,
    prefix: str,
    title: str,
    xlabel: str,
    description: str,
    threshold: float | None = None,
    threshold_label: str = "",
) -> Markup:
    """Draw a histogram of one value over the tumours, with an optional published threshold."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    with style():
        fig = Figure(figsize=(3.1, 2.1))
        ax = fig.add_axes((0.17, 0.24, 0.78, 0.62))
        if values.size:
            bins = min(30, max(5, int(np.sqrt(values.size)) + 1))
            ax.hist(values, bins=bins, color="#8fa9c4", edgecolor="white", linewidth=0.5)
        if threshold is not None:
            ax.axvline(threshold, color=RISK_UP, lw=1.2, ls="--", label=threshold_label)
            ax.legend(frameon=False, fontsize=7, loc="upper right")
        ax.set_title(title, loc="left", fontsize=9)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.set_ylabel("tumours", fontsize=8)
        ax.tick_params(labelsize=7)
        return to_svg(fig, prefix=prefix, title=title, description=description)


def embedding(
    coords: np.ndarray,
    colour: np.ndarray,
    *,
    withheld: np.ndarray,
    prefix: str,
    title: str,
    axis_names: tuple[str, str],
    colour_label: str,
    description: str,
) -> Markup:
    """Scatter tumours on a 2-D embedding coloured by a value; withheld ones as grey rings."""
    colour = np.asarray(colour, dtype=float)
    shown = ~withheld & np.isfinite(colour)
    with style():
        fig = Figure(figsize=(3.1, 2.7))
        ax = fig.add_axes((0.15, 0.15, 0.62, 0.72))
        cax = fig.add_axes((0.80, 0.15, 0.03, 0.72))
        raster = len(coords) > RASTER_POINTS
        if (~shown).any():
            ax.scatter(
                coords[~shown, 0],
                coords[~shown, 1],
                rasterized=raster,
                s=26,
                facecolors="none",
                edgecolors=NEUTRAL,
                linewidths=1.0,
            )
        points = ax.scatter(
            coords[shown, 0],
            coords[shown, 1],
            c=colour[shown],
            cmap="viridis",
            rasterized=raster,
            s=22,
            edgecolors="white",
            linewidths=0.4,
        )
        bar = fig.colorbar(points, cax=cax)
        bar.set_label(colour_label, fontsize=7)
        bar.ax.tick_params(labelsize=7)
        ax.set_title(title, loc="left", fontsize=9)
        ax.set_xlabel(axis_names[0], fontsize=8)
        ax.set_ylabel(axis_names[1], fontsize=8)
        ax.tick_params(labelsize=7)
        return to_svg(fig, prefix=prefix, title=title, description=description)


def forest(
    labels: Sequence[str],
    estimates: Sequence[float],
    lowers: Sequence[float],
    uppers: Sequence[float],
    *,
    prefix: str,
    title: str,
    xlabel: str,
    description: str,
    chance: float | None = 0.5,
    band: tuple[float, float] | None = None,
) -> Markup:
    """Draw estimates with 95% intervals, one row each (the first row highlighted)."""
    n = len(labels)
    est, lo, hi = (np.asarray(a, dtype=float) for a in (estimates, lowers, uppers))
    with style():
        height = 0.3 * n + 0.9
        fig = Figure(figsize=(WIDTH, height))
        ax = fig.add_axes((0.30, 0.55 / height, 0.66, 1 - 0.85 / height))
        y = np.arange(n)[::-1]
        if band is not None:
            ax.axvspan(*band, color="#dddddd")
        if chance is not None:
            ax.axvline(chance, color=NEUTRAL, lw=0.8, ls=":")
        for i in range(n):
            colour = ACCENT if i == 0 else "#333333"
            if np.isfinite(lo[i]) and np.isfinite(hi[i]):
                ax.plot([lo[i], hi[i]], [y[i], y[i]], color=colour, lw=1.6)
            ax.plot([est[i]], [y[i]], marker="s" if i == 0 else "o", color=colour, ms=5)
        ax.set_yticks(y, labels)
        ax.set_ylim(-0.7, n - 0.3)
        ax.set_xlabel(xlabel)
        ax.set_title(title, loc="left", fontsize=9)
        ax.tick_params(axis="y", length=0)
        return to_svg(fig, prefix=prefix, title=title, description=description)


def qc_strip(
    values: np.ndarray,
    statuses: Sequence[str],
    *,
    prefix: str,
    title: str,
    xlabel: str,
    warn_below: float | None,
    fail_below: float | None,
    description: str,
    as_percent: bool = False,
) -> Markup:
    """Draw one QC metric per tumour as a dot strip with its warn and fail thresholds."""
    values = np.asarray(values, dtype=float)
    marker = {"pass": ("o", ACCENT), "warn": ("^", "#B8860B"), "fail": ("X", "#B00020")}
    with style():
        fig = Figure(figsize=(3.1, 1.6))
        ax = fig.add_axes((0.06, 0.33, 0.9, 0.48))
        jitter = np.linspace(-0.25, 0.25, len(values)) if len(values) > 1 else np.zeros(1)
        for status, (shape, colour) in marker.items():
            chosen = np.array([s == status for s in statuses], dtype=bool)
            if chosen.any():
                ax.scatter(
                    values[chosen],
                    jitter[chosen],
                    marker=shape,
                    color=colour,
                    rasterized=len(values) > RASTER_POINTS,
                    s=22,
                    label=f"{status} ({int(chosen.sum())})",
                )
        for limit, style_, name in ((warn_below, "--", "warn"), (fail_below, "-", "fail")):
            if limit is not None:
                ax.axvline(limit, color="#555555", lw=0.8, ls=style_)
                ax.text(limit, 0.42, name, fontsize=6.5, ha="center", color="#333333")
        ax.set_yticks([])
        ax.set_ylim(-0.5, 0.55)
        ax.spines["left"].set_visible(False)
        if as_percent:
            ax.xaxis.set_major_formatter(lambda v, _: f"{100 * v:.0f}%")
        ax.set_title(title, loc="left", fontsize=9)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.legend(frameon=False, fontsize=6.5, ncol=3, loc="lower left", bbox_to_anchor=(0, -0.75))
        return to_svg(fig, prefix=prefix, title=title, description=description)
