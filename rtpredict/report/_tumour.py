"""``write_tumour_report``: one tumour's self-contained HTML report."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from anndata import AnnData

from rtpredict.report._context import tumour_context
from rtpredict.report._render import render, write_html
from rtpredict.report._rules import ReportRules
from rtpredict.report._view import CohortView, cohort_view


def render_tumour_report(view: CohortView, sample: str) -> str:
    """Return the HTML of ``sample``'s report from a prepared :func:`cohort_view`.

    Parameters
    ----------
    view
        The cohort's view.
    sample
        The tumour's ID (an ``obs_names`` entry).

    Returns
    -------
    str
        The HTML page.
    """
    return render("tumour.html.j2", **tumour_context(view, sample))


def write_tumour_report(
    adata: AnnData,
    sample: str,
    path: str | os.PathLike,
    *,
    rules: ReportRules | str | os.PathLike | None = None,
    cards: Mapping[str, Any] | None = None,
    panel: str | os.PathLike | None = None,
    date: dt.date | str | None = None,
    view: CohortView | None = None,
) -> Path:
    """Write the HTML report of one tumour: result, why, QC, methods, limitations.

    The report renders what ``rtpredict.tl`` and ``rtpredict.models`` wrote into ``adata``
    (predictions with intervals and training percentiles, SHAP values, RSI, GARD, signature
    scores, DNA features, QC metrics); it computes no score. A tumour failing a QC rule gets
    no scores, and the report says why. The file is self-contained (inline CSS and SVG, no
    script, a Content-Security-Policy that forbids any network request) and written
    atomically.

    Parameters
    ----------
    adata
        Cohort AnnData after ``rtpredict predict`` (``results/cohort.predictions.h5ad``).
    sample
        The tumour's pseudonymous ID (an ``obs_names`` entry).
    path
        The HTML file to write.
    rules
        QC and band rules (`rtpredict.report.load_rules` or a YAML path); default: shipped.
    cards
        Model key or name → model card (dict or ``.card.json`` path) for models not shipped
        with rtpredict; a card is used only if its model SHA-256 matches the one scored.
    panel
        DNA panel YAML with the evidence per gene (default: the shipped panel, when the
        AnnData's DNA features came from it).
    date
        Report date (default: ``$SOURCE_DATE_EPOCH`` or today).
    view
        A `rtpredict.report.cohort_view` of ``adata`` to reuse when writing many reports
        (the other options are then ignored).

    Returns
    -------
    The path written.
    """
    if view is None:
        view = cohort_view(adata, rules=rules, cards=cards, panel=panel, date=date)
    path = Path(path)
    write_html(path, render_tumour_report(view, str(sample)))
    return path
