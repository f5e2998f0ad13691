"""``write_cohort_report``: every tumour at a glance, distributions, models and QC of a cohort."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from anndata import AnnData

from rtpredict import _format as fmt
from rtpredict.pl._labels import CHANCE
from rtpredict.report import _cohort_figures
from rtpredict.report._features import feature_label, value_text
from rtpredict.report._models import (
    LOWER_IS_BETTER,
    ModelInfo,
    comparison_table,
    metric_label,
    null_label,
    predictor_label,
    random_sets_text,
    scheme_text,
    validation_table,
)
from rtpredict.report._prose import limitations, methods
from rtpredict.report._render import render, write_html
from rtpredict.report._rules import ReportRules
from rtpredict.report._view import RESEARCH_USE, CohortView, cohort_view


def _headline_column(info: ModelInfo, obs: pd.DataFrame) -> tuple[str, str, bool]:
    """The obs column a model's headline comes from, its name in words, and if it is a share."""
    probability = f"{info.key}_event_probability"
    if probability in obs.columns:
        horizon = f" within {info.horizon:g} y" if info.horizon else ""
        return probability, f"P({info.target}{horizon})", True  # e.g. P(recurrence within 5 y)
    if info.objective == "binary:logistic":
        return f"{info.key}_prediction", f"P({info.target})", True
    return f"{info.key}_prediction", f"predicted {info.target}", False


def _sortable(value: Any) -> str:
    """A numeric sort key for the table script ("" sorts last)."""
    return "" if fmt.is_missing(value) else f"{float(value):.6g}"


def _tumour_rows(view: CohortView) -> tuple[list[dict], list[dict]]:
    obs = view.obs
    models = []
    for info in view.models:
        column, label, share = _headline_column(info, obs)
        models.append({"info": info, "column": column, "label": label, "share": share})
    rows = []
    for sample in obs.index:
        row = obs.loc[sample]
        withheld = view.withheld(sample)
        cells = []
        for m in models:
            value = row.get(m["column"])
            percentile = row.get(f"{m['info'].key}_percentile")
            band = view.rules.band(float(percentile)) if not fmt.is_missing(percentile) else None
            cells.append(
                {
                    "value": fmt.percent(value) if m["share"] else fmt.number(value),
                    "sort": _sortable(value),
                    "percentile": fmt.ordinal(percentile),
                    "band": band.label if band else fmt.MISSING,
                    "percentile_sort": _sortable(percentile),
                }
            )
        mutated = [
            g
            for g in view.dna["genes"]
            if not fmt.is_missing(row.get(f"dna_{g}_mutated")) and bool(row.get(f"dna_{g}_mutated"))
        ]
        has_dna = "dna_available" in obs.columns and bool(row.get("dna_available"))
        qc = [c for c in view.qc[sample] if c.status != "pass"]
        batch = row.get("batch") if "batch" in obs else None
        rows.append(
            {
                "sample": sample,
                "href": f"{batch}/{sample}.html" if isinstance(batch, str) else f"{sample}.html",
                "site": value_text(row.get("site")) if "site" in obs else fmt.MISSING,
                "status": view.status[sample],
                "qc_notes": "; ".join(c.message for c in qc),
                "withheld": withheld,
                "models": cells,
                "rsi": fmt.number(row.get("rsi"), 3),
                "rsi_sort": _sortable(row.get("rsi")),
                "gard": fmt.number(row.get("gard"), 1),
                "gard_sort": _sortable(row.get("gard")),
                "dna": ", ".join(mutated) if mutated else ("none" if has_dna else "no DNA data"),
            }
        )
    return rows, models


def _model_cards(view: CohortView) -> list[dict[str, Any]]:
    cards = []
    for i, info in enumerate(view.models):
        card = info.card or {}
        validation = info.validation
        entry: dict[str, Any] = {
            "info": info,
            "description": card.get("description", ""),
            "data_source": card.get("data_source", ""),
            "licence": card.get("licence", ""),
            "created": card.get("created", ""),
            "training": card.get("training", {}),
            "features": [feature_label(f) for f in info.feature_names],
            "validation": None,
        }
        if validation:
            primary_metric = validation.get("primary_metric")
            primary = [
                r for r in validation.get("metrics", []) if r.get("metric") == primary_metric
            ]
            sets = validation.get("random_sets") or {}
            quantiles = sets.get("quantiles", {}) if sets.get("status") == "done" else {}
            band = (quantiles.get("0.025"), quantiles.get("0.975")) if quantiles else None
            label = metric_label(str(primary_metric))
            chance = None if primary_metric in LOWER_IS_BETTER else CHANCE.get(primary_metric)
            entry["validation"] = {
                "scheme": scheme_text(validation),
                "ci": validation.get("scheme", {}).get("ci", ""),
                "metric": label,
                "chance": None if chance is None else f"{chance:g}",
                "table": validation_table(validation),
                "comparisons": comparison_table(validation),
                "random_sets": random_sets_text(validation),
                "band": null_label(sets) if band is not None else None,
                "forest": _cohort_figures.forest(
                    validation,
                    len(primary),
                    i,
                    f"{info.name}: {label}",
                    (
                        f"Validation of model {info.name} against its baselines, {label}: "
                        + "; ".join(
                            f"{predictor_label(str(r.get('predictor')))} "
                            f"{fmt.number(r.get('estimate'), 3)}"
                            for r in primary
                        )
                    ),
                )
                if primary
                else None,
            }
        cards.append(entry)
    return cards


def cohort_context(view: CohortView, *, tumour_links: bool = True) -> dict[str, Any]:
    """Everything the cohort report shows."""
    rows, models = _tumour_rows(view)
    sites = view.obs["site"].astype(str).value_counts() if "site" in view.obs else pd.Series()
    return {
        "research_use": RESEARCH_USE,
        "date": view.date,
        "provenance": view.provenance,
        "n_tumours": view.adata.n_obs,
        "sites": [{"site": k, "n": int(v)} for k, v in sites.items()],
        "models": view.models,
        "model_columns": models,
        "rows": rows,
        "tumour_links": tumour_links,
        "distributions": _cohort_figures.distributions(view, models),
        "embedding": _cohort_figures.embeddings(view, models),
        "cards": _model_cards(view),
        "qc": _cohort_figures.qc_overview(view),
        "methods": methods(view),
        "limitations": limitations(view),
        "reference": view.reference,
    }


def render_cohort_report(view: CohortView, *, tumour_links: bool = True) -> str:
    """Return the HTML of the cohort report from a prepared :func:`cohort_view`.

    Parameters
    ----------
    view
        The cohort's view.
    tumour_links
        Link each tumour's ID to its report (see :func:`write_cohort_report`).

    Returns
    -------
    str
        The HTML page.
    """
    return render(
        "cohort.html.j2", script="sort.js", **cohort_context(view, tumour_links=tumour_links)
    )


def write_cohort_report(
    adata: AnnData,
    path: str | os.PathLike,
    *,
    rules: ReportRules | str | os.PathLike | None = None,
    cards: Mapping[str, Any] | None = None,
    panel: str | os.PathLike | None = None,
    date: dt.date | str | None = None,
    tumour_links: bool = True,
    view: CohortView | None = None,
) -> Path:
    """Write the cohort report: all tumours, distributions, embedding, models, QC overview.

    Renders what ``rtpredict.tl`` and ``rtpredict.models`` wrote into ``adata``; tumours failing
    QC appear with their scores withheld. The only computation is the 2-D embedding (scikit-learn
    PCA of log1p(TPM), unless ``obsm`` holds ``X_umap`` or ``X_pca``; for a cohort without
    expression, a PCA of its standardised signature scores). The table sorts by
    column with a small inline script (allowed by the page's Content-Security-Policy by its
    hash) and reads fine without it.

    Parameters
    ----------
    adata
        Cohort AnnData after ``rtpredict predict``.
    path
        The HTML file to write.
    rules
        QC and band rules (:func:`load_rules` or a YAML path); default: shipped.
    cards
        Model key or name → model card (dict or ``.card.json`` path) for models not shipped
        with rtpredict; a card is used only if its model SHA-256 matches the one scored.
    panel
        DNA panel YAML with the evidence per gene (default: the shipped panel, when the
        AnnData's DNA features came from it).
    date
        Report date (default: ``$SOURCE_DATE_EPOCH`` or today).
    tumour_links
        Link each ID to ``<sample>.html`` beside this file, or ``<batch>/<sample>.html`` where
        ``obs["batch"]`` names the tumour's cohort batch (the workflow's layout).
    view
        A :func:`cohort_view` of ``adata`` to reuse (the options above are then ignored).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    if view is None:
        view = cohort_view(adata, rules=rules, cards=cards, panel=panel, date=date)
    path = Path(path)
    write_html(path, render_cohort_report(view, tumour_links=tumour_links))
    return path
