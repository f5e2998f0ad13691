"""Turn the cohort AnnData into what a report shows: values, words and figures, no new scores.

`CohortView` gathers, once per AnnData, everything the reports of its tumours share (QC
verdicts, model cards, signature facts, reference statistics, provenance); `tumour_context`
then reads one tumour's row. Nothing here scores a tumour: predictions, intervals, percentiles,
SHAP values, RSI, GARD and signature scores are read from what ``rtpredict.tl`` and
``rtpredict.models`` wrote.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from anndata import AnnData

from rtpredict import __version__
from rtpredict import _format as fmt
from rtpredict._time import utc_now
from rtpredict.errors import InputError
from rtpredict.report import _figures
from rtpredict.report._features import (
    GROUPS,
    SignatureInfo,
    cohort_ranks,
    feature_label,
    reference_description,
    signature_infos,
    value_text,
)
from rtpredict.report._models import ModelInfo, model_infos, primary_summary
from rtpredict.report._qc import QCCheck, evaluate_qc, overall
from rtpredict.report._rules import ReportRules, load_rules
from rtpredict.signatures import load_catalog

RESEARCH_USE = (
    "Research use only. Not a medical device and not clinically validated: do not use this "
    "report to choose or change any patient's treatment."
)
#: SHAP rows drawn one by one; the rest are pooled into one row
TOP_FEATURES = 8
EVENTS = {"recurrence": "recurrence", "os": "death from any cause"}
#: display range of the RSI scale (RSI can run from −0.605 to 1.219; tumours lie well inside)
RSI_SCALE = (0.0, 1.0)


def report_date(value: dt.date | str | None = None) -> str:
    """Return the report date (ISO): given, else ``$SOURCE_DATE_EPOCH``, else today (UTC)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if value:
        return str(value)
    return utc_now().date().isoformat()


def _scalar(value: Any) -> Any:
    """Return a plain Python value (NumPy scalars unwrapped; NA stays NA)."""
    return value.item() if isinstance(value, np.generic) else value


@dataclass
class CohortView:
    """What every report of one AnnData shares, computed once (by :func:`cohort_view`).

    Parameters
    ----------
    adata
        The cohort AnnData the reports render.
    rules
        The QC and band rules applied.
    date
        The report date, as printed.
    qc
        Sample ID → its QC checks, in rule order.
    status
        Sample ID → overall QC status (``"pass"``, ``"warn"`` or ``"fail"``).
    models
        What the reports say about each model that scored the tumours (from its card).
    signatures
        What the reports say about each scored signature.
    ranks
        Each tumour's rank among the tumours passing QC, per signature score.
    reference
        The reference cohort of cohort-relative scores, described.
    rsi
        RSI facts: the catalog's threshold and citation, genes found
        (:func:`rtpredict.tl.score_rsi`).
    gard
        The target GARD and beta recorded by :func:`rtpredict.tl.gard`.
    dna
        The panel, its genes and groups recorded by :func:`rtpredict.tl.dna_features`.
    provenance
        Versions, inputs and parameters the cohort was made with.
    panel_details
        Per panel gene, the panel YAML's evidence.
    """

    adata: AnnData
    rules: ReportRules
    date: str
    qc: dict[str, list[QCCheck]]
    status: pd.Series
    models: list[ModelInfo]
    signatures: list[SignatureInfo]
    ranks: pd.DataFrame
    reference: dict[str, Any]
    rsi: dict[str, Any]
    gard: dict[str, Any]
    dna: dict[str, Any]
    provenance: dict[str, Any]
    panel_details: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def obs(self) -> pd.DataFrame:
        """The tumours' table."""
        return self.adata.obs

    def withheld(self, sample: str) -> bool:
        """Return True when a failing QC rule withholds this tumour's scores.

        Parameters
        ----------
        sample
            The tumour's ID.

        Returns
        -------
        bool
            Whether its overall QC status is ``"fail"``.
        """
        return self.status[sample] == "fail"


def _rsi_facts(adata: AnnData) -> dict[str, Any]:
    entry = load_catalog().get("rsi")
    record = adata.uns.get("rsi", {}) if isinstance(adata.uns.get("rsi"), Mapping) else {}
    thresholds = dict(entry.thresholds) if entry else {}
    return {
        "threshold": thresholds.get("radioresistant_above"),
        "threshold_note": thresholds.get("note", ""),
        "citation": record.get("citation") or (entry.citation if entry else ""),
        "doi": record.get("doi") or (entry.doi if entry else ""),
        "n_genes": record.get("n_genes", 10),
        "n_found": record.get("n_found"),
        "direction": entry.direction if entry else "",
    }


def _gard_facts(adata: AnnData) -> dict[str, Any]:
    params = adata.uns.get("gard", {}).get("params", {}) if "gard" in adata.uns else {}
    return {"target": params.get("target_gard"), "beta": params.get("beta")}


def _dna_facts(adata: AnnData, panel: str | os.PathLike | None) -> tuple[dict, dict]:
    params = adata.uns.get("dna", {}).get("params", {}) if "dna" in adata.uns else {}
    genes = [str(g) for g in params.get("panel_genes", [])]
    groups = {str(k): [str(g) for g in v] for k, v in dict(params.get("groups", {})).items()}
    details: dict[str, dict[str, Any]] = {}
    if genes:
        from rtpredict.genomics import read_panel

        shipped = read_panel(panel)
        if panel is not None or shipped.name == params.get("panel"):
            details = shipped.details
    facts = {
        "panel": params.get("panel", ""),
        "genes": genes,
        "groups": groups,
        "callable_mb": params.get("callable_mb"),
    }
    return facts, details


def _provenance(adata: AnnData) -> dict[str, Any]:
    uns = adata.uns.get("rtpredict", {})
    uns = uns if isinstance(uns, Mapping) else {}
    tools = {str(k): str(v) for k, v in dict(uns.get("tools", {})).items()}
    features = uns.get("features", {}) if isinstance(uns.get("features"), Mapping) else {}
    return {
        "data_version": str(uns.get("version", "unknown")),
        "features_version": str(features.get("rtpredict_version", "")),
        "report_version": __version__,
        "quantifier": str(uns.get("quantifier", "")),
        "annotation": str(uns.get("annotation", "")),
        "created": str(uns.get("created_utc", "")),
        "tools": tools,
        "simulated": bool(uns.get("simulated", False)),
    }


def cohort_view(
    adata: AnnData,
    *,
    rules: ReportRules | str | os.PathLike | None = None,
    cards: Mapping[str, Any] | None = None,
    panel: str | os.PathLike | None = None,
    date: dt.date | str | None = None,
) -> CohortView:
    """Gather what the reports of ``adata``'s tumours share.

    QC verdicts, model cards, signature facts, reference statistics and provenance are gathered
    once per AnnData; each tumour's report then reads its own row. Nothing here scores a tumour.

    Parameters
    ----------
    adata
        Cohort AnnData after ``rtpredict predict``.
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

    Returns
    -------
    CohortView
        To pass to :func:`render_tumour_report`, :func:`render_cohort_report`,
        :func:`write_multiqc` or the writers' ``view=``.
    """
    if adata.n_obs == 0:
        raise InputError("the AnnData holds no tumours: nothing to report.")
    rules = rules if isinstance(rules, ReportRules) else load_rules(rules)
    qc = evaluate_qc(adata, rules)
    status = pd.Series({s: overall(c) for s, c in qc.items()}, dtype=object)
    signatures = signature_infos(adata)
    passing = adata.obs.loc[(status != "fail").to_numpy()]
    ranks = cohort_ranks(passing, [s.name for s in signatures]).reindex(adata.obs_names)
    dna, details = _dna_facts(adata, panel)
    return CohortView(
        adata=adata,
        rules=rules,
        date=report_date(date),
        qc=qc,
        status=status,
        models=model_infos(adata, cards),
        signatures=signatures,
        ranks=ranks,
        reference=reference_description(adata),
        rsi=_rsi_facts(adata),
        gard=_gard_facts(adata),
        dna=dna,
        provenance=_provenance(adata),
        panel_details=details,
    )


# ------------------------------------------------------------------------- per tumour parts
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


def _event_words(info: ModelInfo) -> str:
    return EVENTS.get(info.target, f"the event ({info.target})")


def _shap_axis(info: ModelInfo) -> str:
    if info.objective.startswith("survival"):
        return "model output: log relative hazard (→ higher predicted risk)"
    if info.objective == "binary:logistic":
        return "log-odds (→ higher predicted probability)"
    return f"predicted {info.target}"


def _waterfall(view: CohortView, info: ModelInfo, sample: str, row: Mapping) -> dict[str, Any]:
    shap = view.adata.obsm.get(f"{info.key}_shap")
    if shap is None:
        return {"figure": None, "top": []}
    values = pd.Series(np.asarray(shap.loc[sample], dtype=float), index=shap.columns)
    order = values.abs().sort_values(ascending=False, kind="stable").index
    top = list(order[:TOP_FEATURES])
    unseen = {
        f
        for f, seen in info.categories.items()
        if not fmt.is_missing(row.get(f)) and str(row.get(f)) not in seen
    }
    labels = [
        f"{feature_label(f)} = {value_text(row.get(f), f)}"
        + (" (unknown to model)" if f in unseen else "")
        for f in top
    ]
    contributions = [float(values[f]) for f in top]
    rest = list(order[TOP_FEATURES:])
    if rest:
        labels.append(f"{len(rest)} other features")
        contributions.append(float(values[rest].sum()))
    sign = -1.0 if info.objective == "survival:aft" else 1.0
    contributions = [sign * c for c in contributions]
    output = row.get(f"{info.key}_prediction")
    if info.objective in ("survival:cox", "survival:aft") and not fmt.is_missing(output):
        # on the scale of the model's output: the bars end at the prediction shown above
        start = float(output) - float(np.sum(contributions))
    else:
        start = info.shap_bias
    words = "; ".join(
        f"{label} {'raised' if c > 0 else 'lowered'} it by {fmt.number(abs(c))}"
        for label, c in list(zip(labels, contributions, strict=True))[:3]
    )
    figure = _figures.waterfall(
        labels,
        contributions,
        start=start,
        prefix=f"shap-{info.key}",
        axis_label=_shap_axis(info),
        description=(
            f"Waterfall of feature contributions for model {info.name}, from the model's "
            f"baseline to this tumour's output. Largest: {words}."
        ),
    )
    return {"figure": figure, "top": words}


def _outside(value: Any, lower: Any, upper: Any) -> bool:
    """True when a point estimate lies outside its own interval (all three present)."""
    if any(fmt.is_missing(v) for v in (value, lower, upper)):
        return False
    return not float(lower) <= float(value) <= float(upper)


def _caveats(info: ModelInfo, row: Mapping[str, Any]) -> list[dict[str, str]]:
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


def _result(view: CohortView, info: ModelInfo, sample: str, row: Mapping) -> dict[str, Any]:
    key = info.key
    band = view.rules.band(float(row.get(f"{key}_percentile", np.nan)))
    level = f"{100 * info.level:g}%"
    probability = f"{key}_event_probability"
    if probability in row:
        headline = {
            "label": f"Estimated probability of {_event_words(info)} within {info.horizon:g} years"
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
        "caveats": _caveats(info, row),
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
