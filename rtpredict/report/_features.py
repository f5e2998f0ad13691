"""Feature names in words, and the facts behind each signature score (catalog, reference)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from anndata import AnnData

from rtpredict import _format as fmt
from rtpredict.signatures import load_catalog

#: short names of the catalog signatures for tables and figure labels (else the catalog title)
SHORT = {
    "rsi": "RSI",
    "gard": "GARD",
    "buffa_hypoxia": "Buffa hypoxia",
    "eustace_hypoxia": "Eustace hypoxia",
    "toustrup_hypoxia": "Toustrup hypoxia",
    "ragnum_hypoxia": "Ragnum hypoxia",
    "kim_radiosensitivity": "Kim radiosensitivity set",
    "ifng_18": "IFN-γ 18-gene",
    "ifng_6": "IFN-γ 6-gene",
    "cytolytic_activity": "Cytolytic activity",
}
CLINICAL = {
    "site": "Tumour site",
    "cohort": "Cohort",
    "dose_per_fraction": "Dose per fraction (Gy)",
    "fractions": "Fractions",
    "received_rt": "Radiotherapy given",
    "gard_fractions_to_target": "Fractions to target GARD",
}
DNA = {
    "dna_tmb": "TMB (mutations/Mb)",
    "dna_hotspot_count": "Hotspot mutations",
    "dna_nrf2_pathway": "NRF2 pathway mutated",
    "dna_repair_defect": "DNA-repair gene mutated",
    "dna_available": "DNA sequenced",
}
GROUPS = (
    ("hypoxia", "Hypoxia", ("hypoxia",)),
    ("immune", "Immune activity", ("immune", "interferon", "t-cell", "cytolytic")),
)


def feature_label(name: str) -> str:
    """Return a feature's name in words (``dna_KEAP1_mutated`` → "KEAP1 mutated")."""
    if name in SHORT:
        return SHORT[name]
    if name in CLINICAL:
        return CLINICAL[name]
    if name in DNA:
        return DNA[name]
    if name.startswith("dna_") and name.endswith("_mutated"):
        return f"{name[4:-8]} mutated"
    if name.startswith("dna_") and name.endswith("_max_vaf"):
        return f"{name[4:-8]} VAF"
    if name.startswith("dna_"):
        return f"{name[4:].replace('_', ' ')} (DNA)"
    return name.replace("_", " ")


#: 0/1 columns shown as no/yes
YES_NO = frozenset({"received_rt", "dna_available"})


def value_text(value: Any, name: str = "") -> str:
    """Format a feature value for a label: yes/no, a category, or a number to 3 figures."""
    if fmt.is_missing(value):
        return "missing"
    if isinstance(value, bool | np.bool_) or (name in YES_NO and value in (0, 1)):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    value = float(value)
    if value.is_integer() and abs(value) < 1e6:
        return fmt.number(value, 0)
    return fmt.number(value, max(0, 2 - int(np.floor(np.log10(abs(value))))) if value else 2)


def _group(biology: str) -> str:
    text = biology.lower()
    for key, _, words in GROUPS:
        if any(w in text for w in words):
            return key
    return "other"


@dataclass(frozen=True)
class SignatureInfo:
    """One scored signature: catalog facts, the reference it is compared with, its coverage."""

    name: str
    label: str
    title: str
    citation: str
    doi: str
    verification: str
    biology: str
    direction: str
    group: str
    method: str
    n_genes: int | None
    n_found: int | None
    reference_median: float | None
    reference_min: float | None
    reference_max: float | None


def _record_value(record: Mapping, key: str) -> Any:
    value = record.get(key)
    return None if value is None or fmt.is_missing(value) else value


def signature_infos(adata: AnnData) -> list[SignatureInfo]:
    """Describe the signatures scored into ``adata`` (``uns["signatures"]``), in scoring order."""
    uns = adata.uns.get("signatures")
    if not isinstance(uns, Mapping):
        return []
    catalog = load_catalog()
    records = uns.get("signatures", {})
    reference = uns.get("reference_statistics")
    scores = json.loads(reference).get("scores", {}) if isinstance(reference, str) else {}
    infos = []
    for name in [str(n) for n in uns.get("params", {}).get("signatures", records.keys())]:
        if name not in adata.obs.columns:
            continue
        record = records.get(name, {})
        entry = catalog.get(name)
        method = str(record.get("method") or (entry.rule.method if entry else ""))
        rule = str(record.get("rule") or method)
        stats = scores.get(name, {}).get(method if rule == "gene_set" else rule, {})
        biology = entry.biology if entry else str(record.get("biology", ""))
        infos.append(
            SignatureInfo(
                name=name,
                label=SHORT.get(name, entry.title if entry else name),
                title=entry.title if entry else name,
                citation=str(record.get("citation") or (entry.citation if entry else "")),
                doi=str(record.get("doi") or (entry.doi if entry else "")),
                verification=str(
                    record.get("verification") or (entry.verification if entry else "")
                ),
                biology=biology,
                direction=entry.direction if entry else "",
                group=_group(biology),
                method=method,
                n_genes=_record_value(record, "n_genes"),
                n_found=_record_value(record, "n_found"),
                reference_median=stats.get("median"),
                reference_min=stats.get("min"),
                reference_max=stats.get("max"),
            )
        )
    return infos


def reference_description(adata: AnnData) -> dict[str, Any]:
    """Where the frozen reference statistics came from, in words."""
    uns = adata.uns.get("signatures", {})
    raw = uns.get("reference_statistics") if isinstance(uns, Mapping) else None
    stats = json.loads(raw) if isinstance(raw, str) else {}
    source = str(uns.get("params", {}).get("reference", "")) if isinstance(uns, Mapping) else ""
    provenance = adata.uns.get("rtpredict", {})
    features = provenance.get("features", {}) if isinstance(provenance, Mapping) else {}
    origin = features.get("reference", {}) if isinstance(features, Mapping) else {}
    cohort_relative = "itself" in source or "cohort-relative" in str(origin.get("source", ""))
    return {
        "source": stats.get("source") or source or "not recorded",
        "n_tumours": stats.get("n_tumours"),
        "file": origin.get("source", ""),
        "sha256": origin.get("sha256", ""),
        "cohort_relative": cohort_relative,
    }


def cohort_ranks(obs: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Percentile rank (0-100) of each tumour's value among this AnnData's tumours."""
    values = obs[names].apply(pd.to_numeric, errors="coerce")
    return values.rank(pct=True, method="average") * 100
