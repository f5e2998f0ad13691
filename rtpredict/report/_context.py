"""One tumour's report: its row of the cohort AnnData in values, words and figures.

`tumour_context` reads what ``rtpredict.tl`` and ``rtpredict.models`` wrote for one tumour
(predictions, intervals, percentiles, SHAP values, RSI, GARD, signature scores, DNA findings)
against the shared `CohortView`; nothing here scores a tumour.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from rtpredict import _format as fmt
from rtpredict import pl
from rtpredict.errors import InputError
from rtpredict.report import _figures
from rtpredict.report._features import GROUPS, feature_label, value_text
from rtpredict.report._models import ModelInfo, primary_summary
from rtpredict.report._prose import caveats, event_words, limitations, methods
from rtpredict.report._view import RESEARCH_USE, CohortView

#: SHAP rows drawn one by one; the rest are pooled into one row
TOP_FEATURES = 8
#: display range of the RSI scale (RSI can run from −0.605 to 1.219; tumours lie well inside)
RSI_SCALE = (0.0, 1.0)


def _scalar(value: Any) -> Any:
    """Return a plain Python value (NumPy scalars unwrapped; NA stays NA)."""
    return value.item() if isinstance(value, np.generic) else value


def _row(view: CohortView, sample: str) -> dict[str, Any]:
    row = view.obs.loc[sample]
    return {k: _scalar(v) for k, v in row.items()}


def _schedule(row: Mapping[str, Any]) -> dict[str, Any]:
    d, n = row.get("dose_per_fraction"), row.get("fractions")
    rt = row.get("received_rt")
    text = fmt.MISSING
    if not fmt.is_missing(d) and not fmt.is_missing(n):
        text = f"{value_text(n)} × {value_text(d)} Gy = {fmt.number(float(n) * float(d), 1)} Gy"
    given = None if fmt.is_missing(rt) else bool(rt)
    return {"text": text, "received": given}


def _waterfall(view: CohortView, info: ModelInfo, sample: str, row: Mapping) -> dict[str, Any]:
    if f"{info.key}_shap" not in view.adata.obsm:
        return {"figure": None, "top": []}
    rows = pl.shap_rows(view.adata, sample, key=info.key, top=TOP_FEATURES)
    unseen = {
        f
        for f, seen in info.categories.items()
        if not fmt.is_missing(row.get(f)) and str(row.get(f)) not in seen
    }
    labels = {
        f: f"{feature_label(f)} = {value_text(row.get(f), f)}"
        + (" (unknown to model)" if f in unseen else "")
        for f in rows.features
    }
    names = [labels[f] for f in rows.features]
    names += [f"{rows.n_rest} other features"] if rows.n_rest else []
    words = "; ".join(
        f"{label} {'raised' if c > 0 else 'lowered'} it by {fmt.number(abs(c))}"
        for label, c in list(zip(names, rows.contributions, strict=True))[:3]
    )
    figure = _figures.inline(
        lambda ax: pl.waterfall(
            view.adata, sample, key=info.key, top=TOP_FEATURES, labels=labels, ax=ax
        ),
        lambda: _figures.waterfall_axes(len(rows.contributions)),
        prefix=f"shap-{info.key}",
        title="Feature contributions (SHAP)",
        description=(
            f"Waterfall of feature contributions for model {info.name}, from the model's "
            f"baseline to this tumour's output. Largest: {words}."
        ),
    )
    return {"figure": figure, "top": words}


def _result(view: CohortView, info: ModelInfo, sample: str, row: Mapping) -> dict[str, Any]:
    key = info.key
    band = view.rules.band(float(row.get(f"{key}_percentile", np.nan)))
    level = f"{100 * info.level:g}%"
    probability = f"{key}_event_probability"
    if probability in row:
        headline = {
            "label": f"Estimated probability of {event_words(info)} within {info.horizon:g} years"
            if info.horizon
            else "Estimated probability",
            "value": fmt.percent(row.get(probability)),
            "interval": fmt.interval(
                row.get(f"{probability}_lower"),
                row.get(f"{probability}_upper"),
                0,
                as_percent=True,
            ),
        }
    elif info.objective == "binary:logistic":
        headline = {
            "label": f"Estimated probability of {info.target}",
            "value": fmt.percent(row.get(f"{key}_prediction")),
            "interval": fmt.interval(
                row.get(f"{key}_lower"), row.get(f"{key}_upper"), 0, as_percent=True
            ),
        }
    else:
        headline = {
            "label": f"Predicted {info.target}",
            "value": fmt.number(row.get(f"{key}_prediction")),
            "interval": fmt.interval(row.get(f"{key}_lower"), row.get(f"{key}_upper")),
        }
    validation = primary_summary(info.validation) if info.validation else None
    return {
        "key": key,
        "name": info.name,
        "title": info.title,
        "trained_on": info.trained_on,
        "intended_use": info.intended_use,
        "simulated": info.simulated,
        "sha256": info.sha256,
        "level": level,
        "headline": headline,
        "output": fmt.number(row.get(f"{key}_prediction")),
        "output_interval": fmt.interval(row.get(f"{key}_lower"), row.get(f"{key}_upper")),
        "scale": info.prediction_scale,
        "percentile": row.get(f"{key}_percentile"),
        "percentile_text": fmt.ordinal(row.get(f"{key}_percentile")),
        "band": band,
        "bands": view.rules.bands,
        "caveats": caveats(info, row),
        "validation": validation,
        "card_note": info.card_note,
        "waterfall": _waterfall(view, info, sample, row),
    }


def _position(value: Any, lo: float, hi: float) -> float | None:
    """Where ``value`` sits on a display scale from ``lo`` to ``hi``, in percent (clipped)."""
    if fmt.is_missing(value) or hi <= lo:
        return None
    return float(np.clip(100 * (float(value) - lo) / (hi - lo), 0, 100))


def _rsi(view: CohortView, row: Mapping[str, Any]) -> dict[str, Any]:
    facts = view.rsi
    value, threshold = row.get("rsi"), facts["threshold"]
    if fmt.is_missing(value):
        coverage = row.get("rsi_coverage")
        reason = (
            f"RSI needs all {facts['n_genes']} of its genes; {fmt.percent(coverage)} were "
            "quantified"
            if not fmt.is_missing(coverage) and coverage < 1
            else "RSI was not scored"
        )
        return {"available": False, "reason": reason, **facts}
    verdict = None
    if threshold is not None:
        verdict = "radioresistant" if value > threshold else "radiosensitive"
    return {
        "available": True,
        "value": fmt.number(value, 3),
        "verdict": verdict,
        "position": _position(value, *RSI_SCALE),
        "threshold_position": _position(threshold, *RSI_SCALE) if threshold is not None else None,
        "scale": RSI_SCALE,
        **facts,
    }


def _gard(view: CohortView, row: Mapping[str, Any]) -> dict[str, Any]:
    value, needed = row.get("gard"), row.get("gard_fractions_to_target")
    schedule = _schedule(row)
    out: dict[str, Any] = {
        "schedule": schedule["text"],
        "received": schedule["received"],
        "target": view.gard["target"],
        "value": fmt.number(value, 1),
        "available": not fmt.is_missing(value),
        "dose_per_fraction": value_text(row.get("dose_per_fraction")),
        "fractions": value_text(row.get("fractions")),
    }
    if fmt.is_missing(value):
        rsi = row.get("rsi")
        if not fmt.is_missing(rsi) and rsi <= 0:
            out["reason"] = "RSI is zero or negative, outside the range GARD is defined for"
        elif schedule["text"] == fmt.MISSING:
            out["reason"] = "no dose per fraction and number of fractions were recorded"
        else:
            out["reason"] = "RSI is not available"
    out["fractions_to_target"] = None if fmt.is_missing(needed) else fmt.number(needed, 1)
    return out


def _signature_rows(view: CohortView, sample: str, row: Mapping[str, Any]) -> list[dict]:
    groups = []
    for key, label, _ in (*GROUPS, ("other", "Other radiotherapy signatures", ())):
        rows = []
        for s in (s for s in view.signatures if s.group == key):
            value = row.get(s.name)
            median, lo, hi = s.reference_median, s.reference_min, s.reference_max
            has_reference = None not in (median, lo, hi)
            if fmt.is_missing(value):
                position = "not scored"
            elif not has_reference:
                position = "no reference"
            elif value > median:
                position = "above reference median"
            elif value < median:
                position = "below reference median"
            else:
                position = "at reference median"
            reference_rank = row.get(f"{s.name}_reference_percentile")
            rank = view.ranks.loc[sample, s.name] if s.name in view.ranks else np.nan
            rows.append(
                {
                    "label": s.label,
                    "title": s.title,
                    "direction": s.direction,
                    "value": value_text(value) if not fmt.is_missing(value) else fmt.MISSING,
                    "median": value_text(median) if median is not None else fmt.MISSING,
                    "range": (
                        f"{value_text(lo)} to {value_text(hi)}" if has_reference else fmt.MISSING
                    ),
                    "position": position,
                    "marker": _position(value, lo, hi) if has_reference else None,
                    "median_marker": _position(median, lo, hi) if has_reference else None,
                    "outside": has_reference
                    and not fmt.is_missing(value)
                    and not lo <= value <= hi,
                    "cohort_percentile": fmt.ordinal(rank),
                    "reference_percentile": (
                        None if fmt.is_missing(reference_rank) else fmt.ordinal(reference_rank)
                    ),
                }
            )
        if rows:
            groups.append({"key": key, "label": label, "rows": rows})
    return groups


def _dna(view: CohortView, row: Mapping[str, Any]) -> dict[str, Any]:
    facts = view.dna
    if not facts["genes"]:
        return {"analysed": False}
    available = row.get("dna_available")
    if fmt.is_missing(available) or not bool(available):
        return {
            "analysed": True,
            "available": False,
            "panel": facts["panel"],
            "genes": facts["genes"],
        }
    mutated, clear, unknown = [], [], []
    for gene in facts["genes"]:
        flag = row.get(f"dna_{gene}_mutated")
        if fmt.is_missing(flag):
            unknown.append(gene)
        elif bool(flag):
            detail = view.panel_details.get(gene, {})
            mutated.append(
                {
                    "gene": gene,
                    "vaf": fmt.percent(row.get(f"dna_{gene}_max_vaf")),
                    "direction": str(detail.get("direction", "")),
                    "evidence_level": str(detail.get("evidence_level", "")),
                    "evidence": " ".join(str(detail.get("evidence", "")).split()),
                }
            )
        else:
            clear.append(gene)
    groups = []
    for name, genes in facts["groups"].items():
        flag = row.get(f"dna_{name}")
        groups.append(
            {
                "label": feature_label(f"dna_{name}"),
                "genes": ", ".join(genes),
                "status": "unknown" if fmt.is_missing(flag) else ("yes" if flag else "no"),
            }
        )
    return {
        "analysed": True,
        "available": True,
        "panel": facts["panel"],
        "mutated": mutated,
        "no_mutation": clear,
        "unknown": unknown,
        "groups": groups,
        "hotspots": value_text(row.get("dna_hotspot_count")),
        "tmb": fmt.number(row.get("dna_tmb"), 1),
        "callable_mb": facts["callable_mb"],
    }


def tumour_context(view: CohortView, sample: str) -> dict[str, Any]:
    """Everything the tumour report of ``sample`` shows."""
    if sample not in view.qc:
        raise InputError(f"no tumour {sample!r} in the AnnData (it has {view.adata.n_obs}).")
    row = _row(view, sample)
    checks = view.qc[sample]
    withheld = view.withheld(sample)
    schedule = _schedule(row)
    return {
        "sample": sample,
        "research_use": RESEARCH_USE,
        "date": view.date,
        "site": value_text(row.get("site")) if "site" in row else fmt.MISSING,
        "cohort": value_text(row.get("cohort")) if "cohort" in row else fmt.MISSING,
        "schedule": schedule,
        "provenance": view.provenance,
        "models": view.models,
        "qc": {
            "status": view.status[sample],
            "checks": checks,
            "failures": [c.message for c in checks if c.status == "fail"],
            "warnings": [c.message for c in checks if c.status == "warn"],
        },
        "withheld": withheld,
        "results": [] if withheld else [_result(view, m, sample, row) for m in view.models],
        "rsi": None if withheld else _rsi(view, row),
        "gard": None if withheld else _gard(view, row),
        "signature_groups": [] if withheld else _signature_rows(view, sample, row),
        "reference": view.reference,
        "n_ranked": int(view.ranks.notna().any(axis=1).sum()) if len(view.ranks.columns) else 0,
        "dna": _dna(view, row),
        "methods": methods(view),
        "limitations": limitations(view),
    }
