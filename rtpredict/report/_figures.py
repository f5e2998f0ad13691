"""The report's figures: ``rtpredict.pl`` drawn on the report's own axes, as inline SVG.

Waterfalls, distributions and forest plots are the ``rtpredict.pl`` functions on axes laid out
here for an A4 page; the embedding and QC strips, drawn for the cohort report only, are here.
They draw values, they never compute scores.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from markupsafe import Markup
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from rtpredict.pl._style import ACCENT, NEUTRAL
from rtpredict.report._svg import style, to_svg

WIDTH = 6.4  # inches: fits an A4 page with margins
#: above this many points a scatter is embedded as an image (PNG data URI), not as vectors
RASTER_POINTS = 300


def waterfall_axes(n_rows: int) -> Axes:
    """Axes of a waterfall of ``n_rows`` bars, row labels to their left."""
    height = 0.32 * (n_rows + 2) + 0.7
    return Figure(figsize=(WIDTH, height)).add_axes((0.40, 0.55 / height, 0.56, 1 - 0.75 / height))


def distribution_axes() -> Axes:
    """Axes of a histogram, three to a row."""
    return Figure(figsize=(3.1, 2.1)).add_axes((0.17, 0.24, 0.78, 0.62))


def forest_axes(n_rows: int) -> Axes:
    """Axes of a forest plot of ``n_rows`` predictors, their names to the left."""
    height = 0.3 * n_rows + 0.9
    return Figure(figsize=(WIDTH, height)).add_axes((0.30, 0.55 / height, 0.66, 1 - 0.85 / height))


def inline(
    draw: Callable[[Axes], Axes],
    frame: Callable[[], Axes],
    *,
    prefix: str,
    title: str,
    description: str,
) -> Markup:
    """Draw ``draw(frame())`` in the report style and return the figure as inline SVG.

    ``frame`` makes the axes (one of the ``*_axes`` above) and ``draw`` a ``rtpredict.pl``
    function on them; ``prefix``, ``title`` and ``description`` as for `to_svg`.
    """
    with style():
        ax = draw(frame())
    return to_svg(ax.figure, prefix=prefix, title=title, description=description)


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
