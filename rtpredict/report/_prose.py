"""The reports' wording: caveats of a prediction, the methods section, the limitations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rtpredict import _format as fmt
from rtpredict.report._features import feature_label
from rtpredict.report._models import ModelInfo, primary_summary
from rtpredict.report._view import CohortView

EVENTS = {"recurrence": "recurrence", "os": "death from any cause"}


def event_words(info: ModelInfo) -> str:
    return EVENTS.get(info.target, f"the event ({info.target})")


def _outside(value: Any, lower: Any, upper: Any) -> bool:
    """True when a point estimate lies outside its own interval (all three present)."""
    if any(fmt.is_missing(v) for v in (value, lower, upper)):
        return False
    return not float(lower) <= float(value) <= float(upper)


def caveats(info: ModelInfo, row: Mapping[str, Any]) -> list[dict[str, str]]:
    """What weakens this prediction: each with a short form (at a glance) and a sentence."""
    notes = []
    key = info.key
    probability = f"{key}_event_probability"
    stem = probability if probability in row else f"{key}_prediction"
    bounds = (
        (f"{stem}_lower", f"{stem}_upper")
        if stem == probability
        else (f"{key}_lower", f"{key}_upper")
    )
    if _outside(row.get(stem), row.get(bounds[0]), row.get(bounds[1])):
        notes.append(
            {
                "short": "unstable estimate",
                "text": "The model's estimate lies outside the interval of its bootstrap refits: "
                "the prediction is unstable for this tumour. Read it with extra caution.",
            }
        )
    for feature, seen in info.categories.items():
        value = row.get(feature)
        if not fmt.is_missing(value) and str(value) not in seen:
            notes.append(
                {
                    "short": f"{feature_label(feature).lower()} “{value}” unknown to the model",
                    "text": f"{feature_label(feature)} “{value}” was not in this model's "
                    f"training data, so the model treated it as unknown (it knows: "
                    f"{', '.join(seen)}).",
                }
            )
    missing = [feature_label(f) for f in info.feature_names if fmt.is_missing(row.get(f))]
    if missing:
        notes.append(
            {
                "short": f"{len(missing)} input{'s' if len(missing) > 1 else ''} missing",
                "text": "Not available for this tumour, treated as missing by the model: "
                f"{', '.join(missing)}.",
            }
        )
    return notes


def methods(view: CohortView) -> dict[str, Any]:
    """Tools, versions, references and signature citations, for the methods section."""
    prov = view.provenance
    tools = [{"name": "rtpredict (data)", "version": prov["data_version"]}]
    if prov["features_version"]:
        tools.append({"name": "rtpredict (features)", "version": prov["features_version"]})
    tools.append({"name": "rtpredict (this report)", "version": prov["report_version"]})
    tools += [{"name": k, "version": v} for k, v in sorted(prov["tools"].items())]
    signatures = [
        {
            "label": s.label,
            "title": s.title,
            "citation": s.citation,
            "doi": s.doi,
            "verification": s.verification,
            "method": s.method,
            "genes": (
                f"{s.n_found} of {s.n_genes}"
                if s.n_genes is not None and s.n_found is not None
                else fmt.MISSING
            ),
        }
        for s in view.signatures
    ]
    rsi = view.rsi
    return {
        "tools": tools,
        "quantifier": prov["quantifier"],
        "annotation": prov["annotation"],
        "created": prov["created"],
        "rules_source": view.rules.source,
        "rsi": rsi,
        "gard_beta": view.gard["beta"],
        "signatures": signatures,
        "reference": view.reference,
        "models": [
            {
                "name": m.name,
                "title": m.title,
                "sha256": m.sha256,
                "trained_on": m.trained_on,
                "card_note": m.card_note,
            }
            for m in view.models
        ],
        "panel": view.dna.get("panel", ""),
    }


def limitations(view: CohortView) -> list[str]:
    """Limitations in plain words, specific to the models and data in this AnnData."""
    notes = [
        "These are research results. No model here has been tested in a prospective trial, "
        "and none is approved to guide treatment.",
        "A prediction is an estimate for tumours like those the model was trained on. For a "
        "tumour unlike them (another site, another schedule, another laboratory) it may be "
        "wrong without showing it.",
        "The intervals show how much the model's answer changes when it is refitted on "
        "resampled training data; they do not cover every source of error.",
        "Gene-expression signatures of radiosensitivity and hypoxia have not beaten random gene "
        "sets in independent benchmarks (O'Connor et al., Brief Bioinform 2022). Read them as "
        "context, not as verdicts.",
        "RSI depends on how the expression data were normalised before ranking; its 0.46 "
        "threshold was derived on microarray data, and rtpredict applies it to RNA-seq.",
        "DNA findings list mutations in a small radiation-response panel only. "
        "No DNA data means unknown, not wild type.",
    ]
    for m in view.models:
        if m.simulated:
            notes.insert(
                0,
                f"Model {m.name} was trained on SIMULATED tumours to demonstrate the software. "
                "Its numbers say nothing about any real patient.",
            )
        summary = primary_summary(m.validation) if m.validation else None
        if summary:
            notes.append(
                f"In {summary['scheme']}, model {m.name} reached a {summary['metric']} of "
                f"{summary['estimate']} (95% CI {summary['interval']}); 0.5 is chance and 1 is "
                f"perfect ranking. {summary['against_gard']}"
            )
    if view.reference["cohort_relative"]:
        notes.append(
            "Hypoxia scores were compared with this cohort itself, not a frozen reference: they "
            "change when tumours are added or removed."
        )
    return notes
