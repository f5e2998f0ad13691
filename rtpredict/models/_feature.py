"""One model input and the names models reserve: Feature, the default feature lists, warnings.

A :class:`Feature` is numeric, categorical (with its training categories) or a gene (with the
symbol and Ensembl ID it resolved to); ``rtpredict.models._schema`` orders features into a
schema and reads them from data.
"""

from __future__ import annotations

from dataclasses import dataclass

from rtpredict.signatures import Gene

#: the catalog signatures that ``tl.score_signatures`` scores by default (all but RSI), in the
#: order models list them
SIGNATURE_FEATURES = (
    "buffa_hypoxia",
    "eustace_hypoxia",
    "toustrup_hypoxia",
    "ragnum_hypoxia",
    "kim_radiosensitivity",
    "ifng_18",
    "ifng_6",
    "cytolytic_activity",
)
#: obs features used when a model is given no feature list (those present in the data, with
#: every ``dna_*`` column); public as ``rtpredict.models.DEFAULT_FEATURES``
DEFAULT_FEATURES = (
    "rsi",
    "gard",
    *SIGNATURE_FEATURES,
    "site",
    "dose_per_fraction",
    "fractions",
    "received_rt",
)
#: column name of the SHAP bias term (the expected margin); no feature may take it
BIAS = "(bias)"
KINDS = ("numeric", "categorical", "gene")


class UnseenCategoryWarning(UserWarning):
    """A categorical feature holds a value never seen in training; it is treated as missing."""


class EmptyFeatureWarning(UserWarning):
    """A feature column holds no value at all (all NaN); the model leaves it out."""


@dataclass(frozen=True)
class Feature:
    """One model input: ``kind`` is numeric, categorical (with its training categories) or gene.

    A gene's ``name`` is the identifier it was given by; ``symbol`` and ``ensembl`` are what the
    training matrix (or the shipped name table) said of the column it resolved to, None where
    neither told.
    """

    name: str
    kind: str
    categories: tuple[str, ...] = ()
    symbol: str | None = None
    ensembl: str | None = None

    @property
    def gene(self) -> Gene:
        """Return the gene to resolve: its recorded IDs, else its name (symbol or Ensembl ID)."""
        if self.symbol or self.ensembl:
            return Gene(symbol=self.symbol, ensembl=self.ensembl)
        return Gene.from_identifier(self.name)

    @property
    def label(self) -> str:
        """Return the gene's name with the IDs it was resolved to, for messages."""
        known = [i for i in (self.symbol, self.ensembl) if i and i != self.name]
        return f"{self.name} ({', '.join(known)})" if known else self.name

    def to_dict(self) -> dict:
        """Return a JSON-ready description."""
        out: dict = {"name": self.name, "kind": self.kind}
        if self.kind == "categorical":
            out["categories"] = list(self.categories)
        if self.kind == "gene":
            out |= {k: v for k, v in (("symbol", self.symbol), ("ensembl", self.ensembl)) if v}
        return out
