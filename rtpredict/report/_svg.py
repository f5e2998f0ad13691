"""Matplotlib figures as inline SVG: nothing external, unique IDs, a title for screen readers."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib as mpl
from markupsafe import Markup, escape
from matplotlib.figure import Figure

#: matplotlib settings of every report figure: text stays text (small, searchable, escaped by
#: matplotlib's SVG writer), reproducible IDs, a calm palette
STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "rtpredict",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#555555",
    "axes.labelcolor": "#222222",
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "figure.facecolor": "white",
}

_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(url\(#|xlink:href="#|href="#)([^)"]+)')
_SIZE = re.compile(r'<svg([^>]*?)\swidth="([\d.]+)pt"\sheight="([\d.]+)pt"')


@contextmanager
def style() -> Iterator[None]:
    """Apply the report style to figures made and saved inside the block."""
    with mpl.rc_context(STYLE):
        yield


def to_svg(fig: Figure, *, prefix: str, title: str, description: str = "") -> Markup:
    """Return ``fig`` as an inline ``<svg>`` element, ready to put in a report.

    IDs get ``prefix`` (several figures share one page), the root gets ``role="img"`` with a
    ``<title>`` and ``<desc>`` (escaped) for screen readers, and the size scales with the page.
    """
    buffer = io.StringIO()
    with style():
        fig.savefig(buffer, format="svg", dpi=150, metadata={"Date": None, "Creator": None})
    svg = _METADATA.sub("", _PROLOGUE.sub("", buffer.getvalue(), count=1), count=1)
    svg = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    svg = _REF.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)
    match = _SIZE.search(svg)
    width = float(match.group(2)) if match else 600.0
    svg = _SIZE.sub(
        lambda m: (
            f'<svg{m.group(1)} role="img" aria-labelledby="{prefix}-title {prefix}-desc" '
            f'class="figure" style="max-width:{width:.0f}pt"'
        ),
        svg,
        count=1,
    )
    head = (
        f'<title id="{prefix}-title">{escape(title)}</title>'
        f'<desc id="{prefix}-desc">{escape(description)}</desc>'
    )
    svg = svg.replace(">", ">" + head, 1) if match else svg
    return Markup(svg.strip())
