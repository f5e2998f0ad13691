"""The models whose predictions an AnnData holds, with their cards and validation in words."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from anndata import AnnData

from rtpredict import _format as fmt
from rtpredict.errors import InputError
from rtpredict.pl._labels import (
    LOWER_IS_BETTER,
    metric_label,
    null_label,
    predictor_label,
)


@dataclass(frozen=True)
class ModelInfo:
    """What the report needs to know about one scored model."""

    key: str
    name: str
    title: str
    trained_on: str
    intended_use: str
    sha256: str
    kind: str
    objective: str
    target: str
    prediction_scale: str
    level: float
    horizon: float | None
    feature_names: tuple[str, ...]
    shap_bias: float
    card: Mapping[str, Any] | None = field(default=None, repr=False)
    card_note: str = ""

    @property
    def simulated(self) -> bool:
        """True when the model says it was trained on simulated data."""
        text = f"{self.trained_on} {self.title} {self.intended_use}".lower()
        return "simulated" in text or "synthetic" in text

    @property
    def categories(self) -> dict[str, tuple[str, ...]]:
        """Categorical features → the categories seen in training (from the card)."""
        if not self.card:
            return {}
        features = self.card.get("feature_schema", {}).get("features", [])
        return {
            f["name"]: tuple(str(c) for c in f.get("categories", ()))
            for f in features
            if f.get("kind") == "categorical"
        }

    @property
    def version(self) -> str:
        """The model's version in words: when its card was built, with which rtpredict."""
        if not self.card:
            return "version unknown (no model card)"
        created = str(self.card.get("created") or "")[:10] or "date unknown"
        built_with = (self.card.get("versions") or {}).get("rtpredict")
        return f"built {created}" + (f" with rtpredict {built_with}" if built_with else "")

    @property
    def validation(self) -> Mapping[str, Any] | None:
        """The card's validation block, if any."""
        return (self.card or {}).get("validation") or None


def model_keys(adata: AnnData) -> list[str]:
    """Return the keys of the models scored into ``adata`` (``uns[<key>_prediction]``)."""
    keys = []
    for name, value in adata.uns.items():
        if name.endswith("_prediction") and isinstance(value, Mapping) and "model" in value:
            key = name.removesuffix("_prediction")
            if f"{key}_prediction" in adata.obs.columns:
                keys.append(key)
    return keys


def _shipped_card(name: str) -> dict | None:
    resource = files("rtpredict").joinpath("data", "models", f"{name}.card.json")
    if not resource.is_file():
        return None
    return json.loads(resource.read_text(encoding="utf-8"))


def _read_card(source: Mapping | str | os.PathLike) -> dict:
    if isinstance(source, Mapping):
        return dict(source)
    path = Path(source)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise InputError(f"{path}: cannot read the model card ({err})") from None


def _card_for(key: str, identity: Mapping, cards: Mapping[str, Any]) -> tuple[dict | None, str]:
    """Find the model's card: given, else shipped; keep it only if its checksum matches."""
    name = str(identity.get("name") or key)
    if key in cards or name in cards:
        card, origin = _read_card(cards.get(key, cards.get(name))), "given"
    else:
        card, origin = _shipped_card(name), "shipped with rtpredict"
    if card is None:
        return None, "No model card was found: its validation cannot be shown."
    card_sha = card.get("files", {}).get("model", {}).get("sha256")
    used_sha = identity.get("sha256")
    if used_sha and card_sha != used_sha:
        return None, (
            f"The model card {origin} describes another model file (SHA-256 "
            f"{fmt.short_hash(card_sha)}, scored with {fmt.short_hash(used_sha)}): its "
            "validation is not shown."
        )
    return card, f"Model card {origin}; SHA-256 of the model file matches."


def model_infos(adata: AnnData, cards: Mapping[str, Any] | None = None) -> list[ModelInfo]:
    """Describe every model scored into ``adata``, with its card when one can be verified."""
    cards = cards or {}
    infos = []
    for key in model_keys(adata):
        record = adata.uns[f"{key}_prediction"]
        identity = record.get("model", {})
        params = record.get("params", {})
        card, note = _card_for(key, identity, cards)
        horizon = params.get("horizon")
        infos.append(
            ModelInfo(
                key=key,
                name=str(identity.get("name") or key),
                title=str(identity.get("title") or identity.get("name") or key),
                trained_on=str(identity.get("trained_on") or "not stated"),
                intended_use=str(identity.get("intended_use") or ""),
                sha256=str(identity.get("sha256") or ""),
                kind=str(identity.get("kind") or ""),
                objective=str(identity.get("objective") or ""),
                target=str(identity.get("target") or ""),
                prediction_scale=str(identity.get("prediction_scale") or ""),
                level=float(params.get("level", 0.95)),
                horizon=None if horizon is None else float(horizon),
                feature_names=tuple(str(f) for f in record.get("feature_names", ())),
                shap_bias=float(record.get("shap_bias", 0.0)),
                card=card,
                card_note=note,
            )
        )
    return infos


def scheme_text(validation: Mapping[str, Any]) -> str:
    """Describe the validation scheme in words ("5-fold cross-validation", ...)."""
    scheme = validation.get("scheme", {})
    cv, splits = scheme.get("cv"), scheme.get("n_splits")
    repeats = scheme.get("n_repeats") or 1
    if cv == "cohort":
        text = f"leave-one-cohort-out validation ({splits} cohorts)"
    elif cv in ("stratified", "kfold"):
        text = f"{splits}-fold cross-validation"
    else:
        text = f"{cv} validation" if cv else "validation"
    if repeats > 1:
        text += f", repeated {repeats} times"
    n, events = scheme.get("n_tumours"), scheme.get("n_events")
    if n:
        text += f" on {n:,} tumours" + (f" ({events:,} events)" if events is not None else "")
    return text


def _rows(validation: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    return [r for r in validation.get(key, []) if isinstance(r, Mapping)]


def validation_table(validation: Mapping[str, Any]) -> dict[str, Any]:
    """The metrics as a predictor × metric table of "estimate (lower to upper)" cells."""
    baselines = validation.get("baselines", {})
    metrics: list[str] = []
    cells: dict[str, dict[str, str]] = {}
    for r in _rows(validation, "metrics"):
        metric, predictor = str(r.get("metric")), str(r.get("predictor"))
        if metric not in metrics:
            metrics.append(metric)
        cells.setdefault(predictor, {})[metric] = {
            "estimate": fmt.number(r.get("estimate"), 3),
            "interval": fmt.interval(r.get("lower"), r.get("upper"), 3).replace(" to ", "–"),
        }
    return {
        "metrics": [metric_label(m) for m in metrics],
        "rows": [
            {
                "label": predictor_label(p),
                "description": baselines.get(p, p),
                "cells": [row.get(m, {"estimate": fmt.MISSING, "interval": ""}) for m in metrics],
            }
            for p, row in cells.items()
        ],
    }


def comparison_table(validation: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Rows: model minus each baseline on the primary metric, with paired CI and a verdict."""
    baselines = validation.get("baselines", {})
    rows = []
    for r in _rows(validation, "comparisons"):
        lower, upper = r.get("lower"), r.get("upper")
        lower_better = r.get("metric") in LOWER_IS_BETTER
        if fmt.is_missing(lower) or fmt.is_missing(upper):
            verdict = "no interval"
        elif (lower > 0 and not lower_better) or (upper < 0 and lower_better):
            verdict = "model better"
        elif (upper < 0 and not lower_better) or (lower > 0 and lower_better):
            verdict = "baseline better"
        else:
            verdict = "no clear difference"
        rows.append(
            {
                "predictor": r.get("predictor"),
                "description": baselines.get(r.get("predictor"), r.get("predictor")),
                "metric": metric_label(str(r.get("metric"))),
                "difference": fmt.signed(r.get("difference"), 3),
                "interval": fmt.interval(lower, upper, 3),
                "verdict": verdict,
            }
        )
    return rows


def random_sets_text(validation: Mapping[str, Any]) -> str:
    """Describe the model's standing against its null controls in one sentence: random gene
    sets, or permuted outcomes where random gene sets do not apply."""
    sets = validation.get("random_sets") or {}
    if sets.get("status") != "done":
        reason = sets.get("reason", "not run")
        return f"Random gene-set controls were not run ({reason})."
    q = sets.get("quantiles", {})
    if sets.get("null") == "permuted_outcomes":
        within = " within cohorts" if sets.get("permuted_within") == "cohort" else ""
        how = (
            f"the same model cross-validated on outcomes shuffled between tumours{within}; "
            f"{sets.get('reason')}"
        )
    else:
        how = "each signature replaced by a random set of its size, scored by its own rule"
    controls = f"{sets.get('n')} {null_label(sets)} ({how})"
    return (
        f"Against {controls}, the model's "
        f"{metric_label(str(sets.get('metric')))} of {fmt.number(sets.get('model'), 3)} lies at "
        f"the {fmt.ordinal(sets.get('model_percentile'))} percentile (controls: mean "
        f"{fmt.number(sets.get('mean'), 3)}, 95% range "
        f"{fmt.interval(q.get('0.025'), q.get('0.975'), 3)}; "
        f"p = {fmt.number(sets.get('p_value'), 3)})."
    )


def primary_summary(validation: Mapping[str, Any]) -> dict[str, Any] | None:
    """The model's primary metric and the best-known baselines' (RSI, GARD), for a tumour report."""
    primary = validation.get("primary_metric")
    by_predictor = {
        r.get("predictor"): r for r in _rows(validation, "metrics") if r.get("metric") == primary
    }
    model = by_predictor.get("model")
    if model is None:
        return None
    baselines = validation.get("baselines", {})
    others = [
        {
            "description": baselines.get(p, p),
            "estimate": fmt.number(r.get("estimate"), 2),
            "interval": fmt.interval(r.get("lower"), r.get("upper"), 2),
        }
        for p, r in by_predictor.items()
        if p in ("rsi", "gard")
    ]
    gard = next((r for r in comparison_table(validation) if r["predictor"] == "gard"), None)
    against_gard = ""
    if gard is not None:
        words = {
            "model better": "It ranked tumours better than GARD alone",
            "baseline better": "It ranked tumours worse than GARD alone",
            "no clear difference": "It did not rank tumours clearly better than GARD alone",
        }.get(gard["verdict"], "Compared with GARD alone")
        against_gard = f"{words} (difference {gard['difference']}, 95% CI {gard['interval']})."
    return {
        "metric": metric_label(str(primary)),
        "metric_key": primary,
        "against_gard": against_gard,
        "estimate": fmt.number(model.get("estimate"), 2),
        "interval": fmt.interval(model.get("lower"), model.get("upper"), 2),
        "scheme": scheme_text(validation),
        "baselines": others,
        "random_sets": random_sets_text(validation),
    }
