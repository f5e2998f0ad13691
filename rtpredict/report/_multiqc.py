"""MultiQC custom content: the QC verdicts and the predictions as ``*_mqc.tsv`` tables.

MultiQC finds files named ``*_mqc.tsv`` and reads the YAML in their leading ``#`` comment lines
(section id, name, description, plot type, column headers); see MultiQC's "Custom content"
documentation.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from rtpredict import _format as fmt
from rtpredict._files import write_text_atomic
from rtpredict.report._qc import SEVERITY, metric_values
from rtpredict.report._view import CohortView

QC_FILE = "rtpredict_qc_mqc.tsv"
PREDICTIONS_FILE = "rtpredict_predictions_mqc.tsv"


def _clean(value: Any) -> str:
    """One TSV cell: text without tabs or newlines; missing → empty."""
    if fmt.is_missing(value):
        return ""
    if isinstance(value, float | np.floating):
        return f"{float(value):.6g}"
    return " ".join(str(value).split())


def _write(path: Path, header: dict[str, Any], table: pd.DataFrame) -> Path:
    comment = yaml.safe_dump(header, sort_keys=False, allow_unicode=True, width=1000)
    lines = [f"# {line}" for line in comment.rstrip("\n").splitlines()]
    lines.append("\t".join(["Sample", *table.columns]))
    for sample, row in table.iterrows():
        lines.append("\t".join([_clean(sample), *(_clean(v) for v in row)]))
    write_text_atomic(path, "\n".join(lines) + "\n")
    return path


def _qc_table(view: CohortView) -> tuple[pd.DataFrame, dict[str, Any]]:
    obs = view.obs
    table = pd.DataFrame(index=obs.index)
    table["qc_status"] = view.status
    table["qc_severity"] = view.status.map(SEVERITY)
    headers: dict[str, Any] = {
        "qc_status": {"title": "QC", "description": "rtpredict QC verdict (fail withholds scores)"},
        "qc_severity": {
            "title": "QC level",
            "description": "0 pass, 1 warn, 2 fail",
            "min": 0,
            "max": 2,
            "scale": "RdYlGn-rev",
            "format": "{:,.0f}",
        },
    }
    if "n_read_pairs" in obs:
        table["read_pairs"] = pd.to_numeric(obs["n_read_pairs"], errors="coerce")
        headers["read_pairs"] = {"title": "Read pairs", "format": "{:,.0f}", "scale": "Blues"}
    depth = next((r for r in view.rules.qc if r.kind == "per_gene"), None)
    per_gene = metric_values(depth, obs, view.adata.n_vars) if depth else None
    if per_gene is not None:  # what the QC judges, also on the STAR route (no mapped count)
        table["mapped_per_gene"] = per_gene
        headers["mapped_per_gene"] = {
            "title": "Mapped / gene",
            "description": "mapped fragments per quantified gene",
            "format": "{:,.0f}",
            "scale": "Blues",
        }
    if "mapping_rate" in obs:
        table["mapping_rate"] = 100 * pd.to_numeric(obs["mapping_rate"], errors="coerce")
        headers["mapping_rate"] = {
            "title": "Mapped",
            "suffix": "%",
            "min": 0,
            "max": 100,
            "format": "{:,.1f}",
            "scale": "RdYlGn",
        }
    if "genes_detected" in obs:
        table["genes_detected"] = pd.to_numeric(obs["genes_detected"], errors="coerce")
        headers["genes_detected"] = {"title": "Genes ≥1 TPM", "format": "{:,.0f}"}
    if "strandedness" in obs:
        table["strandedness"] = obs["strandedness"].astype(str)
        headers["strandedness"] = {"title": "Strandedness"}
    table["qc_findings"] = [
        "; ".join(c.message for c in view.qc[s] if c.status != "pass") for s in obs.index
    ]
    headers["qc_findings"] = {"title": "Findings", "description": "failed or warned QC rules"}
    return table, headers


def _predictions_table(view: CohortView) -> tuple[pd.DataFrame, dict[str, Any]]:
    obs = view.obs
    withheld = (view.status == "fail").to_numpy()
    table = pd.DataFrame(index=obs.index)
    headers: dict[str, Any] = {}
    for info in view.models:
        probability = f"{info.key}_event_probability"
        column = probability if probability in obs else f"{info.key}_prediction"
        values = pd.to_numeric(obs[column], errors="coerce").mask(withheld)
        share = column == probability or info.objective == "binary:logistic"
        note = " (SIMULATED training data)" if info.simulated else ""
        table[f"{info.key}"] = 100 * values if share else values
        headers[info.key] = {
            "title": info.name,
            "description": f"{info.title}{note}: "
            + (f"probability within {info.horizon:g} years" if info.horizon else "prediction"),
            **({"suffix": "%", "min": 0, "max": 100, "format": "{:,.0f}"} if share else {}),
            "scale": "OrRd",
        }
        percentile = pd.to_numeric(obs[f"{info.key}_percentile"], errors="coerce")
        table[f"{info.key}_percentile"] = percentile.mask(withheld)
        headers[f"{info.key}_percentile"] = {
            "title": f"{info.name} pctl",
            "description": "percentile among the model's training tumours",
            "min": 0,
            "max": 100,
            "format": "{:,.0f}",
        }
    for name, title in (("rsi", "RSI"), ("gard", "GARD")):
        if name in obs:
            table[name] = pd.to_numeric(obs[name], errors="coerce").mask(withheld)
            headers[name] = {"title": title, "format": "{:,.3f}" if name == "rsi" else "{:,.1f}"}
    return table, headers


def write_multiqc(view: CohortView, outdir: str | os.PathLike) -> list[Path]:
    """Write ``rtpredict_qc_mqc.tsv`` and ``rtpredict_predictions_mqc.tsv`` into ``outdir``.

    Parameters
    ----------
    view
        The cohort's view (:func:`cohort_view`).
    outdir
        The directory MultiQC reads (created if needed).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    outdir = Path(outdir)
    qc, qc_headers = _qc_table(view)
    predictions, prediction_headers = _predictions_table(view)
    common = {"parent_id": "rtpredict", "parent_name": "rtpredict"}
    return [
        _write(
            outdir / QC_FILE,
            {
                "id": "rtpredict_qc",
                "section_name": "Library QC verdicts",
                "description": (
                    "rtpredict's QC rules (rules.yaml): a failing tumour gets no score in its "
                    "report. Research use only."
                ),
                **common,
                "plot_type": "table",
                "pconfig": {"id": "rtpredict_qc_table", "title": "rtpredict: library QC"},
                "headers": qc_headers,
            },
            qc,
        ),
        _write(
            outdir / PREDICTIONS_FILE,
            {
                "id": "rtpredict_predictions",
                "section_name": "Predictions",
                "description": (
                    "Model predictions with their training-cohort percentiles, RSI and GARD; "
                    "blank where QC failed. Research use only, not clinically validated."
                ),
                **common,
                "plot_type": "table",
                "pconfig": {"id": "rtpredict_predictions_table", "title": "rtpredict: predictions"},
                "headers": prediction_headers,
            },
            predictions,
        ),
    ]
