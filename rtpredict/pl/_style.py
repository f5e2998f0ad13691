"""Colours and axes of the ``rtpredict.pl`` figures (shared with the HTML reports)."""

from __future__ import annotations

from matplotlib.axes import Axes

#: Okabe-Ito colours (distinguishable with colour-vision deficiency)
RISK_UP = "#D55E00"
RISK_DOWN = "#0072B2"
NEUTRAL = "#6b6b6b"
ACCENT = "#009E73"
INK = "#222222"
#: histogram bars of one group
BARS = "#8fa9c4"
#: colours and hatches of several groups: the hatch tells groups apart without colour
GROUP_COLOURS = ("#8fa9c4", "#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#F0E442", "#999999")
GROUP_HATCHES = ("", "///", "...", "\\\\\\", "xx", "--", "++")


def axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    """Return ``ax``, or the axes of a new pyplot figure of ``figsize`` inches."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=figsize, layout="constrained")
    return new
