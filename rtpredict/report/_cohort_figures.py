"""The cohort report's figures: score distributions, the embedding, validation, QC strips.

Each is a ``rtpredict.pl`` function (or, for the embedding and QC strips, a report figure)
drawn on the report's axes; the embedding is the one computation of the cohort report.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from anndata import AnnData
from markupsafe import Markup

from rtpredict import _format as fmt
from rtpredict import pl
from rtpredict.report import _figures
from rtpredict.report._qc import is_share, metric_values
from rtpredict.report._view import CohortView

#: principal components computed for the embedding (two are drawn)
EMBEDDING_COMPONENTS = 2


def histogram(
    passing: AnnData,
    key: str,
    *,
    prefix: str,
    title: str,
    xlabel: str,
    description: str,
    threshold: float | None = None,
    threshold_label: str | None = None,
) -> Markup:
    """`rtpredict.pl.distribution` of ``obs[key]`` over the tumours passing QC, as inline SVG."""
    return _figures.inline(
        lambda ax: pl.distribution(
            passing,
            key,
            threshold=threshold,
            threshold_label=threshold_label,
            title=title,
            xlabel=xlabel,
            ax=ax,
        ),
        _figures.distribution_axes,
        prefix=prefix,
        title=title,
        description=description,
    )


def distributions(view: CohortView, models: list[dict]) -> list[Markup]:
    n_withheld = int((view.status == "fail").sum())
    note = f" {n_withheld} tumours failing QC are left out." if n_withheld else ""
    passing = view.adata[(view.status != "fail").to_numpy()]
    figures = []
    for i, m in enumerate(models):
        info = m["info"]
        figures.append(
            histogram(
                passing,
                m["column"],
                prefix=f"dist-model-{i}",
                title=info.name + (" (SIMULATED)" if info.simulated else ""),
                xlabel=m["label"],
                description=f"Histogram of {m['label']} from model {info.name}.{note}",
            )
        )
    if "rsi" in view.obs.columns:
        threshold = view.rsi["threshold"]
        figures.append(
            histogram(
                passing,
                "rsi",
                prefix="dist-rsi",
                title="RSI",
                xlabel="RSI (higher = more radioresistant)",
                description=f"Histogram of RSI with the published threshold {threshold}.{note}",
                threshold=threshold,
                threshold_label=f"threshold {threshold}",
            )
        )
    if "gard" in view.obs.columns:
        target = view.gard["target"]
        figures.append(
            histogram(
                passing,
                "gard",
                prefix="dist-gard",
                title="GARD at the recorded schedule",
                xlabel="GARD",
                description=f"Histogram of GARD.{note}",
                threshold=target,
                threshold_label=f"target {target:g}" if target is not None else "",
            )
        )
    return figures


def embedding_coords(view: CohortView) -> tuple[np.ndarray, tuple[str, str], str] | None:
    """A 2-D embedding: obsm UMAP or PCA if present, else PCA of log1p(TPM), else, for a cohort
    stored without expression (the workflow's joined batches), PCA of the signature scores
    (each standardised)."""
    adata = view.adata
    for key, names in (("X_umap", ("UMAP 1", "UMAP 2")), ("X_pca", ("PC 1", "PC 2"))):
        if key in adata.obsm and np.asarray(adata.obsm[key]).shape[1] >= 2:
            return np.asarray(adata.obsm[key])[:, :2], names, f"obsm['{key}']"
    if adata.X is None:
        return score_pca(view)
    if adata.n_obs < 3 or adata.n_vars < 3:
        return None
    from sklearn.decomposition import PCA

    x = adata.X.toarray() if hasattr(adata.X, "toarray") else np.asarray(adata.X)
    pca = PCA(n_components=EMBEDDING_COMPONENTS, svd_solver="full")
    coords = pca.fit_transform(x.astype(np.float64))
    ratio = pca.explained_variance_ratio_
    names = (f"PC 1 ({fmt.percent(ratio[0])})", f"PC 2 ({fmt.percent(ratio[1])})")
    return coords, names, "PCA of log1p(TPM) over all genes"


def score_pca(view: CohortView) -> tuple[np.ndarray, tuple[str, str], str] | None:
    """PCA of the standardised signature scores (RSI included); a missing score counts as the
    cohort mean."""
    from sklearn.decomposition import PCA

    columns = [c for c in ["rsi", *(s.name for s in view.signatures)] if c in view.obs.columns]
    scores = view.obs[columns].apply(pd.to_numeric, errors="coerce")
    scores = scores.loc[:, scores.std() > 0].to_numpy(dtype=float)  # NaN std: too few values
    if scores.shape[0] < 3 or scores.shape[1] < 2:
        return None
    z = (scores - np.nanmean(scores, axis=0)) / np.nanstd(scores, axis=0)
    pca = PCA(n_components=2, random_state=0).fit(np.nan_to_num(z))
    ratio = pca.explained_variance_ratio_
    names = (f"PC 1 ({fmt.percent(ratio[0])})", f"PC 2 ({fmt.percent(ratio[1])})")
    source = f"PCA of {scores.shape[1]} standardised signature scores"
    return pca.transform(np.nan_to_num(z)), names, source


def embeddings(view: CohortView, models: list[dict]) -> dict[str, Any]:
    found = embedding_coords(view)
    if found is None:
        return {"figures": [], "source": "too few tumours or genes for an embedding"}
    coords, names, source = found
    withheld = (view.status == "fail").to_numpy()
    figures = []
    for i, m in enumerate(models):
        if m["column"] not in view.obs.columns:
            continue
        colour = pd.to_numeric(view.obs[m["column"]], errors="coerce").to_numpy(dtype=float)
        figures.append(
            _figures.embedding(
                coords,
                colour,
                withheld=withheld,
                prefix=f"embedding-{i}",
                title=f"Coloured by {m['info'].name}",
                axis_names=names,
                colour_label=m["label"],
                description=(
                    f"Tumours on the first two components of the {source}, coloured by "
                    f"{m['label']} of model {m['info'].name}; tumours failing QC as grey rings."
                ),
            )
        )
    return {"figures": figures, "source": source}


def forest(
    validation: Mapping[str, Any], n_rows: int, i: int, title: str, description: str
) -> Markup:
    """`rtpredict.pl.validation_forest` of a model card's validation, as inline SVG."""
    return _figures.inline(
        lambda ax: pl.validation_forest(validation, title=title, legend=False, ax=ax),
        lambda: _figures.forest_axes(n_rows),
        prefix=f"forest-{i}",
        title=title,
        description=description,
    )


def qc_overview(view: CohortView) -> dict[str, Any]:
    counts = {s: int((view.status == s).sum()) for s in ("pass", "warn", "fail")}
    figures = []
    for rule in view.rules.qc:
        if rule.kind not in ("minimum", "per_gene", "fraction_of_genes"):
            continue
        values = metric_values(rule, view.obs, view.adata.n_vars)
        if values is None:
            continue
        checks = [next(c for c in view.qc[s] if c.rule == rule.name) for s in view.obs.index]
        figures.append(
            _figures.qc_strip(
                values,
                [c.status for c in checks],
                prefix=f"qc-{rule.name}",
                title=rule.label,
                xlabel=rule.unit,
                warn_below=rule.warn_below,
                fail_below=rule.fail_below,
                description=(
                    f"{rule.label} of each tumour with the warning and failure thresholds: "
                    + ", ".join(f"{k} {v}" for k, v in counts.items())
                ),
                as_percent=is_share(rule, view.obs),
            )
        )
    flagged = [
        {
            "sample": s,
            "status": view.status[s],
            "checks": [c for c in view.qc[s] if c.status != "pass"],
        }
        for s in view.obs.index
        if view.status[s] != "pass"
    ]
    return {"counts": counts, "figures": figures, "flagged": flagged, "rules": view.rules.qc}
