"""Signatures built from records: a catalog-format mapping validated field by field, a gene list.

Every problem raises an :class:`~rtpredict.errors.InputError` naming the record's source, the
field at fault and the fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from rtpredict.errors import InputError
from rtpredict.signatures._model import (
    DEFAULT_MIN_COVERAGE,
    DEFAULT_SCALES,
    DEFAULT_SCALES_REASON,
    METHODS,
    RANK_SCALES,
    RANK_SCALES_REASON,
    SCALES,
    Gene,
    Rule,
    Signature,
    split_ensembl,
)
from rtpredict.signatures._resolve import name_table

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")


def _fail(source: str, where: str, problem: str, fix: str) -> InputError:
    return InputError(f"{source}: {where}: {problem}. {fix}")


def _gene_from_mapping(raw: Any, source: str, where: str) -> Gene:
    if isinstance(raw, str):
        return Gene.from_identifier(raw)
    if not isinstance(raw, Mapping):
        raise _fail(source, where, f"expected a mapping or a string, got {raw!r}", "See catalog.")
    symbol = raw.get("symbol")
    ensembl = raw.get("ensembl")
    if not symbol and not ensembl:
        raise _fail(source, where, "a gene needs 'symbol' or 'ensembl'", "Add one of them.")
    if ensembl is not None:
        stripped = split_ensembl(str(ensembl))
        if stripped is None:
            raise _fail(
                source, where, f"'ensembl' {ensembl!r} is not an Ensembl gene ID", "Use ENSG…."
            )
        ensembl = stripped
    weight = raw.get("weight")
    if weight is not None:
        try:
            weight = float(weight)
        except (TypeError, ValueError):
            raise _fail(source, where, f"weight {weight!r} is not a number", "Fix it.") from None
    previous = raw.get("previous_symbols") or ()
    if isinstance(previous, str):
        previous = (previous,)
    return Gene(
        symbol=str(symbol) if symbol else None,
        ensembl=ensembl,
        weight=weight,
        probe=str(raw["probe"]) if raw.get("probe") else None,
        previous_symbols=tuple(str(p) for p in previous),
    )


def signature_from_mapping(raw: Any, source: str) -> Signature:
    """Validate one catalog-format record (a parsed YAML mapping) and return the signature.

    Parameters
    ----------
    raw
        The parsed record.
    source
        Where it came from, for messages.

    Returns
    -------
    Signature
        The signature.

    Raises
    ------
    InputError
        Naming ``source`` and the field at fault.
    """
    if not isinstance(raw, Mapping):
        raise _fail(source, "top level", "expected a mapping", "Follow the catalog format.")
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise _fail(
            source,
            "name",
            f"{name!r} is not a valid signature name",
            "Use letters, digits, '_', '.', '-', starting with a letter.",
        )
    rule_raw = raw.get("rule")
    if not isinstance(rule_raw, Mapping) or rule_raw.get("method") not in METHODS:
        got = rule_raw.get("method") if isinstance(rule_raw, Mapping) else rule_raw
        raise _fail(source, "rule.method", f"{got!r} is not a method", f"Use one of {METHODS}.")
    min_coverage = rule_raw.get("min_coverage", DEFAULT_MIN_COVERAGE)
    if not isinstance(min_coverage, int | float) or not 0 < float(min_coverage) <= 1:
        raise _fail(source, "rule.min_coverage", f"{min_coverage!r}", "Give a number in (0, 1].")
    offset = rule_raw.get("offset")
    if rule_raw["method"] == "geometric_mean" and (
        not isinstance(offset, int | float) or float(offset) <= 0
    ):
        raise _fail(
            source, "rule.offset", "geometric_mean needs an offset > 0", "Add e.g. offset: 0.01."
        )
    scales = rule_raw.get("scales", DEFAULT_SCALES)
    if (
        isinstance(scales, str)
        or not isinstance(scales, list | tuple)
        or not scales
        or not set(scales) <= set(SCALES)
    ):
        raise _fail(
            source, "rule.scales", f"{scales!r} is not a list of scales", f"Use {tuple(SCALES)}."
        )
    if "scales" in rule_raw and not str(rule_raw.get("scales_reason", "")).strip():
        raise _fail(
            source, "rule.scales_reason", "missing", "Say in one line why the rule fits them."
        )
    rule = Rule(
        method=rule_raw["method"],
        expression=str(rule_raw.get("expression", "log1p(TPM)")),
        min_coverage=float(min_coverage),
        offset=float(offset) if offset is not None else None,
        description=str(rule_raw.get("description", "")).strip(),
        scales=tuple(scales),
        scales_reason=str(rule_raw.get("scales_reason", DEFAULT_SCALES_REASON)).strip(),
    )
    genes_raw = raw.get("genes")
    if not isinstance(genes_raw, list) or not genes_raw:
        raise _fail(source, "genes", "no genes", "List the genes under 'genes:'.")
    genes = tuple(_gene_from_mapping(g, source, f"genes[{i}]") for i, g in enumerate(genes_raw))
    keys = [g.ensembl or (g.symbol or "").upper() for g in genes]
    duplicated = sorted({k for k in keys if keys.count(k) > 1})
    if duplicated:
        raise _fail(source, "genes", f"listed twice: {', '.join(duplicated)}", "List each once.")
    if rule.method in ("rsi_rank", "weighted_sum") and any(g.weight is None for g in genes):
        raise _fail(source, "genes", f"{rule.method} needs a weight for every gene", "Add them.")
    n_genes = raw.get("n_genes")
    if n_genes is not None and n_genes != len(genes):
        raise _fail(source, "n_genes", f"says {n_genes}, genes lists {len(genes)}", "Fix either.")
    verification = str(raw.get("verification", "user-supplied"))
    if verification.lower().startswith("unverified"):
        raise _fail(
            source,
            "verification",
            "an unverified signature must not be scored",
            "Verify the genes and weights against the authors' data first.",
        )
    return Signature(
        name=name,
        rule=rule,
        genes=genes,
        title=str(raw.get("title", "")),
        citation=str(raw.get("citation", "")),
        doi=str(raw.get("doi", "")),
        verification=verification,
        biology=str(raw.get("biology", "")),
        direction=str(raw.get("direction", "")),
        thresholds=dict(raw.get("thresholds") or {}),
        source=source,
    )


def gene_set(
    name: str,
    genes: list[str] | tuple[str, ...],
    *,
    source: str = "user",
    min_coverage: float | None = None,
) -> Signature:
    """Make a plain gene-set signature (rule ``gene_set``) from identifiers (symbols or IDs).

    A gene listed twice (e.g. ``CA9`` and its Ensembl ID, as the shipped name table knows them)
    is kept once, under its first identifier.

    Parameters
    ----------
    name
        The set's name.
    genes
        HGNC symbols or Ensembl gene IDs.
    source
        Where the set came from.
    min_coverage
        Fraction of the genes that must be measured for a score (the rule's default when None).

    Returns
    -------
    Signature
        A signature with rule ``gene_set``.
    """
    raw = {
        "name": name,
        "rule": {
            "method": "gene_set",
            "expression": "within-sample ranks",
            "min_coverage": DEFAULT_MIN_COVERAGE if min_coverage is None else min_coverage,
            "scales": list(RANK_SCALES),
            "scales_reason": RANK_SCALES_REASON,
        },
        "genes": _distinct(str(g) for g in genes),
    }
    return signature_from_mapping(raw, source)


def _distinct(identifiers) -> list[str]:
    """Return the identifiers without those naming a gene already listed (first one kept)."""
    symbol_of = name_table().symbol_of
    seen: set[str] = set()
    out = []
    for identifier in identifiers:
        ensembl = split_ensembl(identifier)
        key = symbol_of.get(ensembl, ensembl) if ensembl else identifier.strip().upper()
        if key not in seen:
            seen.add(key)
            out.append(identifier)
    return out
