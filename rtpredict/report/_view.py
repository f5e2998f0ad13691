"""What every report of one cohort AnnData shares, gathered once: the `CohortView`.

`CohortView` gathers, once per AnnData, everything the reports of its tumours share (QC
verdicts, model cards, signature facts, reference statistics, provenance); `tumour_context`
(in ``_context``) then reads one tumour's row. Nothing here scores a tumour.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from anndata import AnnData

from rtpredict import __version__
from rtpredict._time import utc_now
from rtpredict.errors import InputError
from rtpredict.report._features import (
    SignatureInfo,
    cohort_ranks,
    reference_description,
    signature_infos,
)
from rtpredict.report._models import ModelInfo, model_infos
from rtpredict.report._qc import QCCheck, evaluate_qc, overall
from rtpredict.report._rules import ReportRules, load_rules
from rtpredict.signatures import load_catalog

RESEARCH_USE = (
    "Research use only. Not a medical device and not clinically validated: do not use this "
    "report to choose or change any patient's treatment."
)


def report_date(value: dt.date | str | None = None) -> str:
    """Return the report date (ISO): given, else ``$SOURCE_DATE_EPOCH``, else today (UTC)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if value:
        return str(value)
    return utc_now().date().isoformat()


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
