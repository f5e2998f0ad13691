"""``pl.signature_heatmap``: tumours × signature scores, standardised per signature."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from anndata import AnnData
from matplotlib.axes import Axes
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

from rtpredict.errors import InputError
from rtpredict.pl._style import INK, axes

#: at most this many cells are written out with their value
ANNOTATE_CELLS = 400
#: at most this many tumours are named on the y axis
NAMED_ROWS = 60


def signature_keys(adata: AnnData) -> list[str]:
    """The scores in ``adata``: RSI (if scored), then the signatures of ``uns["signatures"]``."""
    record = adata.uns.get("signatures")
    names = []
    if isinstance(record, Mapping):
        names = [str(n) for n in record.get("params", {}).get("signatures", [])]
    return [k for k in ["rsi", *names] if k in adata.obs.columns]


def score_matrix(
    adata: AnnData, keys: Sequence[str], *, standard_scale: bool = True
) -> pd.DataFrame:
    """Tumours × ``keys`` as floats, each column z-scored when ``standard_scale`` (NaN kept)."""
    missing = [k for k in keys if k not in adata.obs.columns]
    if missing:
        raise InputError(f"no obs column for {', '.join(missing)}.")
    scores = adata.obs[list(keys)].apply(pd.to_numeric, errors="coerce").astype(float)
    if standard_scale:
        sd = scores.std(ddof=0)
        scores = (scores - scores.mean()) / sd.where(sd > 0, 1.0)  # a constant column: 0
    return scores


def signature_heatmap(
    adata: AnnData,
    keys: Sequence[str] | None = None,
    *,
    groupby: str | None = None,
    standard_scale: bool = True,
    annotate: bool | None = None,
    cmap: str = "RdBu_r",
    ax: Axes | None = None,
) -> Axes:
    """Draw tumours (rows) × signature scores (columns) as a heatmap.

    Scores come from ``obs`` (``rtpredict.tl.score_rsi`` and ``score_signatures`` write them
    there). Each column is z-scored by default (a constant score is drawn as 0); a tumour
    without a score is grey. On small cohorts every cell is also written out (light on dark
    cells), so colour is never the only cue.

    Parameters
    ----------
    adata
        Tumours with scores in ``obs``.
    keys
        The ``obs`` columns to draw (default: ``"rsi"`` and every scored signature).
    groupby
        An ``obs`` column (e.g. ``"cohort"``) to order the tumours by: groups are separated by a
        line and named left of the tumours' names.
    standard_scale
        Z-score each column (mean 0, SD 1 over the tumours drawn).
    annotate
        Write each cell's value (default: when there are at most 400 cells).
    cmap
        A diverging matplotlib colormap.
    ax
        Axes to draw on (default: a new figure's).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on; its image holds the drawn matrix.
    """
    keys = list(signature_keys(adata) if keys is None else keys)
    if not keys:
        raise InputError("no signature scores in obs: run rtpredict.tl.score_signatures first.")
    order = np.arange(adata.n_obs)
    groups = None
    if groupby is not None:
        if groupby not in adata.obs.columns:
            raise InputError(f"no obs[{groupby!r}] to group the tumours by.")
        groups = adata.obs[groupby].astype(str).to_numpy()
        order = np.argsort(groups, kind="stable")
        groups = groups[order]
    matrix = score_matrix(adata, keys, standard_scale=standard_scale).iloc[order]
    values = matrix.to_numpy()
    ax = axes(ax, (0.5 * len(keys) + 2.5, min(0.22 * len(matrix) + 1.8, 12.0)))
    colours = mpl.colormaps[cmap].with_extremes(bad="#d9d9d9")
    limit = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
    if standard_scale:
        norm = {"vmin": -(limit or 1.0), "vmax": limit or 1.0}
    else:
        norm = {"vmin": np.nanmin(values), "vmax": np.nanmax(values)}
    image = ax.imshow(values, aspect="auto", cmap=colours, interpolation="nearest", **norm)
    bar = ax.figure.colorbar(image, ax=ax, fraction=0.05, pad=0.02)
    bar.set_label("z-score" if standard_scale else "score", fontsize=8)
    bar.ax.tick_params(labelsize=7)
    ax.set_xticks(np.arange(len(keys)), keys, rotation=45, ha="right", fontsize=7)
    names = [str(s) for s in matrix.index] if len(matrix) <= NAMED_ROWS else []
    ax.set_yticks(np.arange(len(names)), names, fontsize=7)
    if annotate if annotate is not None else values.size <= ANNOTATE_CELLS:
        # light text on dark cells: relative luminance of each cell's colour (sRGB weights)
        dark = image.to_rgba(values)[..., :3] @ np.array([0.2126, 0.7152, 0.0722]) < 0.4
        for (i, j), value in np.ndenumerate(values):
            text = "NA" if np.isnan(value) else f"{value:.1f}"
            colour = "white" if dark[i, j] else INK
            ax.text(j, i, text, ha="center", va="center", fontsize=6, color=colour)
    if groups is not None:
        _name_groups(ax, groups, names)
    ax.set_title("Signature scores" + (" (z-scored)" if standard_scale else ""), loc="left")
    ax.tick_params(length=0)
    return ax


def _name_groups(ax: Axes, groups: np.ndarray, row_names: Sequence[str]) -> None:
    """Separate the groups by lines and name each beside its rows, left of the tumours' names.

    The names sit on a secondary y axis whose labels are pushed past the widest tumour name,
    so that no name covers a cell or a tumour's name.
    """
    for edge in np.flatnonzero(groups[1:] != groups[:-1]):
        ax.axhline(edge + 0.5, color=INK, lw=1.2)
    names = list(dict.fromkeys(groups))
    centres = [float(np.flatnonzero(groups == name).mean()) for name in names]
    measure, font = TextToPath(), FontProperties(size=7)
    widest = max(
        (measure.get_text_width_height_descent(r, font, ismath=False)[0] for r in row_names),
        default=0.0,
    )
    side = ax.secondary_yaxis("left")
    side.set_yticks(centres, names, fontsize=7, fontweight="bold")
    side.tick_params(length=0, pad=widest + mpl.rcParams["ytick.major.pad"] + 6)
    side.spines["left"].set_visible(False)
