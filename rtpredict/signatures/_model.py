"""The signature record: genes, weights, scoring rule, citation and verification status.

The data classes and the vocabulary of rules and scales; ``rtpredict.signatures._records``
builds signatures from catalog-format mappings and gene lists, validating every field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: scoring rules a signature may declare (see ``/work/shared/specs/signatures.md``)
METHODS = (
    "rsi_rank",
    "median_dichotomy",
    "sample_median",
    "mean_z",
    "mean",
    "weighted_sum",
    "geometric_mean",
    "gene_set",
)
#: rules whose scores compare a tumour with statistics frozen from a reference cohort
REFERENCE_METHODS = frozenset({"median_dichotomy", "mean_z"})
#: default minimum fraction of a signature's genes that must be measured
DEFAULT_MIN_COVERAGE = 0.8
#: expression scales a rule may declare valid (``rule.scales``); rtpredict.tl detects which one
#: a matrix is on (:func:`rtpredict.tl.detect_scale`) or takes it from ``scale=``
SCALES = {
    "counts": "raw read or fragment counts (integers, not normalised for depth or gene length)",
    "tpm": "linear abundance: TPM, or another linear normalised abundance",
    "log1p_tpm": "natural log of TPM + 1, what rtpredict's workflow writes to X",
    "log_microarray": "another log scale: log2 or log10 microarray intensities (also "
    "log2(TPM + 1) and other logs of normalised expression)",
    "zscore": "per-gene standardised or centred values (z-scores across tumours)",
}
#: scales of a signature that declares none (log1p TPM is the scale its rule is written for)
DEFAULT_SCALES = ("log1p_tpm",)
DEFAULT_SCALES_REASON = (
    "the signature declares no other scale (rule.scales); its rule is written for log1p TPM"
)
#: scales of a within-sample rank rule (plain gene sets: singscore, ssGSEA)
RANK_SCALES = ("tpm", "log1p_tpm", "log_microarray")
RANK_SCALES_REASON = (
    "within-sample ranks are the same on any monotone scale of normalised expression; raw "
    "counts rank by gene length too and per-gene z-scores reorder the genes"
)

_ENSEMBL = re.compile(r"^(ENS[A-Z]*G\d{11})(?:\.\d+)?(_PAR_Y)?$")


def split_ensembl(identifier: str) -> str | None:
    """Return an Ensembl gene ID without its version (``_PAR_Y`` kept), or None if not one.

    Parameters
    ----------
    identifier
        A gene identifier.

    Returns
    -------
    str or None
        The ID without version, or None when ``identifier`` is not an Ensembl gene ID.
    """
    text = identifier.strip()
    match = _ENSEMBL.match(text) if text.startswith("ENS") else None
    if match is None:
        return None
    return match.group(1) + (match.group(2) or "")


@dataclass(frozen=True)
class Gene:
    """One gene of a signature: HGNC symbol and/or Ensembl ID, optional weight and old names.

    Parameters
    ----------
    symbol
        HGNC symbol, or None.
    ensembl
        Ensembl gene ID without version, or None.
    weight
        Weight of the gene in the signature's rule (``rsi_rank``, ``weighted_sum``).
    probe
        The microarray probe the publication used, if it names one.
    previous_symbols
        Older symbols of the gene, to match matrices that use them.
    """

    symbol: str | None
    ensembl: str | None = None
    weight: float | None = None
    probe: str | None = None
    previous_symbols: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """Return the name to show a user: the symbol, else the Ensembl ID."""
        return self.symbol or self.ensembl or "?"

    @classmethod
    def from_identifier(cls, identifier: str) -> Gene:
        """Make a gene from one identifier: an Ensembl gene ID (any version) or a symbol.

        Parameters
        ----------
        identifier
            An Ensembl gene ID (any version) or a symbol.

        Returns
        -------
        Gene
            A gene with ``ensembl`` or ``symbol`` set.
        """
        identifier = identifier.strip()
        ensembl = split_ensembl(identifier)
        return cls(symbol=None, ensembl=ensembl) if ensembl else cls(symbol=identifier)


@dataclass(frozen=True)
class Rule:
    """How a signature is scored: the method, the expression scale and the coverage floor.

    Parameters
    ----------
    method
        One of :data:`METHODS`.
    expression
        The expression the publication's rule is written for, in words.
    min_coverage
        Fraction of the signature's genes that must be measured for a score.
    offset
        Added before the logarithm of the ``geometric_mean`` rule.
    description
        The rule in words.
    scales
        The :data:`SCALES` the rule is valid on; the scoring tools refuse the signature on any
        other scale.
    scales_reason
        Why (one line), given with that refusal.
    """

    method: str
    expression: str = "log1p(TPM)"
    min_coverage: float = DEFAULT_MIN_COVERAGE
    offset: float | None = None
    description: str = ""
    scales: tuple[str, ...] = DEFAULT_SCALES
    scales_reason: str = DEFAULT_SCALES_REASON


@dataclass(frozen=True)
class Signature:
    """A published (or user) signature as data; never hard-coded in a kernel.

    Parameters
    ----------
    name
        Identifier, used in column names.
    rule
        How it is scored.
    genes
        Its genes, in the publication's order (weights follow it).
    title
        Human-readable name.
    citation
        The publication.
    doi
        The publication's DOI.
    verification
        How the gene list and weights were checked against the publication.
    biology
        What it measures, in words.
    direction
        What a higher score means.
    thresholds
        Published cut-offs and notes about them.
    source
        The file it was read from.
    """

    name: str
    rule: Rule
    genes: tuple[Gene, ...]
    title: str = ""
    citation: str = ""
    doi: str = ""
    verification: str = "user-supplied"
    biology: str = ""
    direction: str = ""
    thresholds: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""

    @property
    def needs_reference(self) -> bool:
        """Return True when scores compare tumours with frozen reference-cohort statistics."""
        return self.rule.method in REFERENCE_METHODS

    @property
    def weights(self) -> tuple[float, ...]:
        """Return the gene weights (rsi_rank and weighted_sum rules)."""
        return tuple(float(g.weight) for g in self.genes)  # type: ignore[arg-type]
