"""Judge each tumour's library against the QC rules: pass, warn or fail, with the reason."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from anndata import AnnData

from rtpredict import _format as fmt
from rtpredict.report._rules import QCRule, ReportRules

#: order of severity; a tumour's overall status is its worst rule's
SEVERITY = {"pass": 0, "warn": 1, "fail": 2}


@dataclass(frozen=True)
class QCCheck:
    """One rule's verdict for one tumour.

    Parameters
    ----------
    rule
        The rule's key in the rules file.
    label
        The rule's name, as shown.
    status
        ``"pass"``, ``"warn"`` or ``"fail"``.
    value
        The tumour's value, formatted.
    threshold
        The threshold applied, formatted.
    message
        The verdict in words.
    why
        Why the rule matters.
    """

    rule: str
    label: str
    status: str
    value: str
    threshold: str
    message: str
    why: str


def _column(obs: pd.DataFrame, rule: QCRule) -> str | None:
    return next((c for c in rule.columns if c in obs.columns), None)


def _numeric(obs: pd.DataFrame, column: str) -> np.ndarray:
    return pd.to_numeric(obs[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _grade(values: np.ndarray, rule: QCRule) -> np.ndarray:
    status = np.full(values.shape, "pass", dtype=object)
    status[values < rule.warn_below] = "warn"
    status[values < rule.fail_below] = "fail"
    status[np.isnan(values)] = "warn"
    return status


def _not_measured(rule: QCRule, n: int, what: str) -> list[QCCheck]:
    check = QCCheck(
        rule.name, rule.label, "warn", fmt.MISSING, "", f"Not measured: {what}.", rule.why
    )
    return [check] * n


def _threshold_checks(
    rule: QCRule, values: np.ndarray, shown: list[str], unit_text: str, fmt_value
) -> list[QCCheck]:
    status = _grade(values, rule)
    threshold = f"warn below {fmt_value(rule.warn_below)}, fail below {fmt_value(rule.fail_below)}"
    checks = []
    for value, text, verdict in zip(values, shown, status, strict=True):
        if np.isnan(value):
            message = f"Not measured for this tumour ({unit_text})."
        elif verdict == "fail":
            message = (
                f"{rule.label} {fmt_value(value)} is below the minimum of "
                f"{fmt_value(rule.fail_below)} ({unit_text})."
            )
        elif verdict == "warn":
            message = (
                f"{rule.label} {fmt_value(value)} is below the recommended "
                f"{fmt_value(rule.warn_below)} ({unit_text})."
            )
        else:
            message = ""
        checks.append(QCCheck(rule.name, rule.label, verdict, text, threshold, message, rule.why))
    return checks


def metric_values(rule: QCRule, obs: pd.DataFrame, n_genes: int) -> np.ndarray | None:
    """The value a ``minimum``, ``per_gene`` or ``fraction_of_genes`` rule judges, per tumour
    (mapped fragments per gene, from ``fallback_product`` where no column has them; the share of
    genes detected); None when the data do not measure it."""
    column = _column(obs, rule)
    if column is not None:
        values = _numeric(obs, column)
    elif rule.fallback_product and all(c in obs.columns for c in rule.fallback_product):
        values = np.prod([_numeric(obs, c) for c in rule.fallback_product], axis=0)
    else:
        return None
    return values if rule.kind == "minimum" else values / max(n_genes, 1)


def _not_measured_columns(rule: QCRule, n: int) -> list[QCCheck]:
    return _not_measured(rule, n, f"no {' / '.join(rule.columns)} column")


def _depth(rule: QCRule, obs: pd.DataFrame, n_genes: int) -> list[QCCheck]:
    per_gene = metric_values(rule, obs, n_genes)
    if per_gene is None:
        return _not_measured_columns(rule, len(obs))
    mapped = per_gene * max(n_genes, 1)
    shown = [
        f"{fmt.count(m)} mapped · {fmt.number(p, 0)} per gene"
        for m, p in zip(mapped, per_gene, strict=True)
    ]
    return _threshold_checks(rule, per_gene, shown, rule.unit, lambda v: fmt.number(v, 0))


def _minimum(rule: QCRule, obs: pd.DataFrame) -> list[QCCheck]:
    values = metric_values(rule, obs, 0)
    if values is None:
        return _not_measured_columns(rule, len(obs))
    as_share = is_share(rule, obs)
    show = (lambda v: fmt.percent(v, 1)) if as_share else (lambda v: fmt.number(v, 2))
    return _threshold_checks(rule, values, [show(v) for v in values], rule.unit, show)


def _fraction_of_genes(rule: QCRule, obs: pd.DataFrame, n_genes: int) -> list[QCCheck]:
    share = metric_values(rule, obs, n_genes)
    if share is None:
        return _not_measured_columns(rule, len(obs))
    detected = share * max(n_genes, 1)
    shown = [
        f"{fmt.number(d, 0)} of {n_genes:,} ({fmt.percent(s, 0)})"
        for d, s in zip(detected, share, strict=True)
    ]
    return _threshold_checks(rule, share, shown, rule.unit, lambda v: fmt.percent(v, 0))


def is_share(rule: QCRule, obs: pd.DataFrame) -> bool:
    """Whether a rule's values are shares, shown as percentages."""
    column = _column(obs, rule) or ""
    return rule.kind == "fraction_of_genes" or column.endswith(("_rate", "_fraction"))


def _strandedness(rule: QCRule, obs: pd.DataFrame) -> list[QCCheck]:
    column = _column(obs, rule)
    if column is None:
        return _not_measured_columns(rule, len(obs))
    forward = _numeric(obs, column)
    words = obs["strandedness"].astype(str).to_numpy() if "strandedness" in obs else None
    half = rule.unstranded_halfwidth
    threshold = (
        f"stranded: forward share ≤ {fmt.percent(rule.stranded_max)} or "
        f"≥ {fmt.percent(1 - rule.stranded_max)}; unstranded: "
        f"{fmt.percent(0.5 - half)} to {fmt.percent(0.5 + half)}"
    )
    checks = []
    for i, f in enumerate(forward):
        label = words[i] if words is not None else ""
        value = (
            f"{label} ({fmt.percent(f, 1)} forward)" if label else f"{fmt.percent(f, 1)} forward"
        )
        if np.isnan(f):
            verdict, message = "warn", "Strandedness could not be determined."
        elif f <= rule.stranded_max or f >= 1 - rule.stranded_max or abs(f - 0.5) <= half:
            verdict, message = "pass", ""
        else:
            verdict = "warn"
            message = (
                f"{fmt.percent(f, 0)} of fragments are forward: neither stranded nor unstranded."
            )
        checks.append(QCCheck(rule.name, rule.label, verdict, value, threshold, message, rule.why))
    return checks


def _coverage(rule: QCRule, obs: pd.DataFrame) -> list[QCCheck]:
    columns = [c for c in obs.columns if c.endswith("_coverage")]
    if not columns:
        return _not_measured(rule, len(obs), "no signature was scored")
    coverage = obs[columns].apply(pd.to_numeric, errors="coerce")
    coverage.columns = [c.removesuffix("_coverage") for c in columns]
    checks = []
    threshold = (
        f"{', '.join(rule.required) or 'none'} must be complete; others warn when incomplete"
    )
    for _, row in coverage.iterrows():
        incomplete = row[~(row >= 1)]
        failing = [n for n in incomplete.index if n in rule.required]
        if failing:
            verdict = "fail"
        elif len(incomplete):
            verdict = "warn"
        else:
            verdict = "pass"
        parts = [f"{name} {fmt.percent(v)}" for name, v in incomplete.items()]
        value = "all complete" if not parts else "; ".join(parts)
        message = ""
        if failing:
            message = (
                f"{', '.join(failing)} cannot be scored: not all of its genes were quantified."
            )
        elif parts:
            message = f"Incomplete signature genes: {value}."
        checks.append(QCCheck(rule.name, rule.label, verdict, value, threshold, message, rule.why))
    return checks


def evaluate_qc(adata: AnnData, rules: ReportRules) -> dict[str, list[QCCheck]]:
    """Apply every QC rule to every tumour.

    Parameters
    ----------
    adata
        The cohort, with QC metrics in ``obs``.
    rules
        The rules (:func:`load_rules`).

    Returns
    -------
    dict of str to list of QCCheck
        Sample ID → its checks in rule order.
    """
    obs = adata.obs
    per_rule = []
    for rule in rules.qc:
        if rule.kind == "per_gene":
            per_rule.append(_depth(rule, obs, adata.n_vars))
        elif rule.kind == "minimum":
            per_rule.append(_minimum(rule, obs))
        elif rule.kind == "fraction_of_genes":
            per_rule.append(_fraction_of_genes(rule, obs, adata.n_vars))
        elif rule.kind == "strandedness":
            per_rule.append(_strandedness(rule, obs))
        else:
            per_rule.append(_coverage(rule, obs))
    return {str(sample): [checks[i] for checks in per_rule] for i, sample in enumerate(obs.index)}


def overall(checks: list[QCCheck]) -> str:
    """Return the worst status among a tumour's checks ("pass" when there are none)."""
    return max((c.status for c in checks), key=SEVERITY.__getitem__, default="pass")
