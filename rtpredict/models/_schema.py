"""Feature schema: which columns a model reads, in which order, with which types and categories.

A model reads features from an AnnData (``obs`` columns, and genes from ``X`` or a layer) or from
a pandas DataFrame (one column per feature and gene). Genes are found like signature genes
(:class:`rtpredict.signatures.GeneResolver`): by Ensembl ID (any version), symbol (var names or
``var["symbol"]``) or unambiguous alias. The schema records the symbol and Ensembl ID of each gene
it resolved, so a saved model finds its genes in a matrix named by either. The schema is learned
at fit, saved in the model card and checked on every input.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from rtpredict.errors import InputError
from rtpredict.models._feature import (
    BIAS,
    DEFAULT_FEATURES,
    KINDS,
    EmptyFeatureWarning,
    Feature,
    UnseenCategoryWarning,
)
from rtpredict.models._target import _preview
from rtpredict.signatures import GeneResolver, signature_columns


@dataclass(frozen=True)
class FeatureSchema:
    """The ordered features of a model and the expression layer its genes come from."""

    features: tuple[Feature, ...]
    layer: str | None = None

    @property
    def names(self) -> list[str]:
        """Feature names in model order."""
        return [f.name for f in self.features]

    @property
    def genes(self) -> list[str]:
        """Gene IDs among the features."""
        return [f.name for f in self.features if f.kind == "gene"]

    @property
    def xgboost_types(self) -> list[str]:
        """XGBoost feature types: ``c`` for categorical, ``float`` otherwise."""
        return ["c" if f.kind == "categorical" else "float" for f in self.features]

    @classmethod
    def from_data(
        cls,
        data,
        features: Sequence[str] | None,
        genes: Sequence[str] | None = None,
        *,
        layer: str | None = None,
    ) -> FeatureSchema:
        """Learn the schema from training data: kinds from dtypes, categories from values.

        ``features=None`` takes the standard feature columns present (`DEFAULT_FEATURES`, also
        under a ``key_added`` prefix the scoring tools recorded in ``uns``, and every ``dna_*``
        column). Object, string and categorical columns are categorical; their
        categories are the values observed, as strings, sorted. ``genes`` are resolved like
        signature genes (Ensembl ID, symbol or alias; see the module docstring) and each gene
        feature records the symbol and Ensembl ID found. A feature or gene column
        without any value (all NaN, e.g. a signature whose genes the matrix lacks) is left out
        with one `EmptyFeatureWarning` naming them; InputError when none is left.
        """
        table = obs_table(data)
        if features is None:
            features = _default_features(data, table)
        features, genes = list(features), list(genes or [])
        names = features + genes
        duplicated = sorted(n for n, count in Counter(names).items() if count > 1)
        if duplicated or BIAS in names or not names:
            raise InputError(
                f"feature list must be non-empty, without duplicates {duplicated} and without "
                f"the reserved name {BIAS!r}."
            )
        _require_columns(table, features, "feature")
        gene_features = _resolve_genes(data, genes) if genes else []
        if genes:
            values = cls(tuple(gene_features), layer)._gene_frame(data)
            genes = _drop_empty(genes, values)
        features = _drop_empty(features, table)
        out = []
        for name in features:
            column = table[name]
            if _is_categorical(column):
                observed = column.dropna().astype(str).unique()
                out.append(Feature(name, "categorical", tuple(sorted(observed))))
            elif pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
                out.append(Feature(name, "numeric"))
            else:
                raise InputError(f"feature column {name!r} has unsupported dtype {column.dtype}.")
        out += [f for f in gene_features if f.name in genes]
        if not out:
            raise InputError(
                f"every feature column is all NaN ({_preview(names)}); nothing to train on. "
                "Check signature coverage (rtpredict.tl.signature_coverage) or pass features=."
            )
        return cls(tuple(out), layer)

    def frame(self, data, *, warn: bool = True) -> pd.DataFrame:
        """Return the model's input matrix from ``data``, checked against the schema.

        Columns come in model order; categorical values are coded with the training categories
        and a value never seen in training becomes missing (NaN), with an
        `UnseenCategoryWarning` when ``warn``. Raises `InputError` when a feature is absent or of
        the wrong type.
        """
        table = obs_table(data)
        obs_features = [f for f in self.features if f.kind != "gene"]
        _require_columns(table, [f.name for f in obs_features], "feature")
        columns: dict[str, pd.Series] = {}
        for feature in obs_features:
            column = table[feature.name]
            if feature.kind == "categorical":
                columns[feature.name] = _code_categories(column, feature, warn=warn)
            elif _is_categorical(column) or not (
                pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)
            ):
                raise InputError(
                    f"feature {feature.name!r} was numeric in training but the input column has "
                    f"dtype {column.dtype}; give numbers (NaN for missing)."
                )
            else:
                columns[feature.name] = column.astype(float)
        out = pd.DataFrame(columns, index=table.index)
        if self.genes:
            out = pd.concat([out, self._gene_frame(data)], axis=1)
        return out[self.names]

    def matrix(self, frame: pd.DataFrame) -> np.ndarray:
        """Return a `frame` output as the float32 array XGBoost reads.

        Categorical features become their codes among the training categories (NaN when
        missing), which XGBoost reads as categories when told the feature types
        (`xgboost_types`); other features are numbers, NaN meaning missing.
        """
        codes = {
            f.name: frame[f.name].cat.codes.where(frame[f.name].notna())
            for f in self.features
            if f.kind == "categorical"
        }
        return frame.assign(**codes).to_numpy(dtype=np.float32)

    def _gene_frame(self, data) -> pd.DataFrame:
        """Return the expression of the schema's genes (AnnData X / layer, or DataFrame columns),
        columns named as the model's gene features; InputError naming the genes not found."""
        genes = [f for f in self.features if f.kind == "gene"]
        _, index = _locate_genes(data, genes)
        if not _is_anndata(data):
            values = data.iloc[:, index].astype(float)
            values.columns = self.genes
            return values
        if self.layer is not None and self.layer not in data.layers:
            raise InputError(
                f"expression layer {self.layer!r} not found; layers: {list(data.layers)}."
            )
        matrix = data.X if self.layer is None else data.layers[self.layer]
        values = matrix[:, index]
        values = values.toarray() if sparse.issparse(values) else np.asarray(values)
        return pd.DataFrame(values.astype(float), index=data.obs_names, columns=self.genes)

    def to_dict(self) -> dict:
        """Return a JSON-ready description."""
        return {"layer": self.layer, "features": [f.to_dict() for f in self.features]}

    @classmethod
    def from_dict(cls, spec: dict) -> FeatureSchema:
        """Rebuild a schema from `to_dict` output; InputError when malformed."""
        try:
            features = tuple(
                Feature(
                    f["name"],
                    f["kind"],
                    tuple(f.get("categories", ())),
                    symbol=f.get("symbol"),
                    ensembl=f.get("ensembl"),
                )
                for f in spec["features"]
            )
        except (KeyError, TypeError) as err:
            raise InputError(f"model card feature schema is malformed: {err!r}") from err
        if any(f.kind not in KINDS for f in features):
            raise InputError(f"model card feature schema has a kind outside {KINDS}.")
        return cls(features, spec.get("layer"))


def obs_table(data) -> pd.DataFrame:
    """Return the per-tumour table of ``data``: ``obs`` of an AnnData, else the DataFrame."""
    if _is_anndata(data):
        return data.obs
    if isinstance(data, pd.DataFrame):
        return data
    raise InputError(
        f"expected an AnnData or a pandas DataFrame of tumours, got {type(data).__name__}."
    )


def _is_anndata(data) -> bool:
    """Tell an AnnData (duck-typed) from a DataFrame."""
    return hasattr(data, "obs") and hasattr(data, "var_names")


def _is_categorical(column: pd.Series) -> bool:
    """True for categorical, object and string columns."""
    return isinstance(column.dtype, pd.CategoricalDtype) or (
        pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)
    )


def _resolve_genes(data, names: list[str]) -> list[Feature]:
    """Resolve the genes a model is given (symbols, Ensembl IDs, aliases) in the training data
    and return gene features recording the symbol and Ensembl ID of the column each one took."""
    features = [Feature(name, "gene") for name in names]
    resolver, index = _locate_genes(data, features)
    out = []
    for feature, column in zip(features, index, strict=True):
        symbol, ensembl = resolver.column_ids(int(column))
        given = feature.gene
        out.append(
            Feature(
                feature.name,
                "gene",
                symbol=symbol or given.symbol,
                ensembl=ensembl or given.ensembl,
            )
        )
    return out


def _locate_genes(data, genes: Sequence[Feature]) -> tuple[GeneResolver, np.ndarray]:
    """Return the resolver over ``data`` and the column of each gene feature; InputError when a
    gene is not found or two genes take one column, saying how this matrix names its genes."""
    resolver = GeneResolver.for_data(data)
    match = resolver.match_genes("model genes", [f.gene for f in genes])
    if (match.indices >= 0).all():
        return resolver, match.indices
    missing = [f for f, i in zip(genes, match.indices, strict=True) if i < 0]
    message = (
        f"{len(missing)} of the model's {len(genes)} genes not found in this matrix "
        f"({resolver.n_vars} {'genes' if _is_anndata(data) else 'columns'} named by "
        f"{resolver.naming}): {_preview(f.label for f in missing)}."
    )
    if match.notes:
        message += " " + "; ".join(match.notes) + "."
    by_ensembl_only = [f for f in missing if f.gene.symbol is None]
    by_symbol_only = [f for f in missing if f.gene.ensembl is None]
    if by_ensembl_only and not resolver.by_ensembl:
        message += (
            f" {len(by_ensembl_only)} of them are known by Ensembl ID only (no symbol in the "
            "training matrix or the shipped name table): name this matrix's genes by Ensembl "
            "ID, or give the model these genes by symbol (genes=, or train on a matrix with "
            "var['symbol'])."
        )
    elif by_symbol_only and resolver.by_ensembl and not resolver.has_symbols:
        message += f" {len(by_symbol_only)} of them are known by symbol only: " + (
            "add the genes' symbols as var['symbol'] (or name the genes by symbol)."
            if _is_anndata(data)
            else "name the table's gene columns by symbol."
        )
    elif not match.notes:
        message += (
            " They are not measured here (a matrix filtered, e.g. to its most variable genes, "
            "lacks them): keep every model gene in the matrix, or retrain on the genes it has."
        )
    raise InputError(message)


def _default_features(data, table: pd.DataFrame) -> list[str]:
    """The `DEFAULT_FEATURES` present, each followed by its prefixed copies, then ``dna_*``."""
    links = signature_columns(data)
    out = []
    for name in DEFAULT_FEATURES:
        out += [name] if name in table.columns else []
        out += [c for c, s in links.items() if s == name and c != name and c in table.columns]
    return out + [c for c in table.columns if str(c).startswith("dna_")]


def _drop_empty(names: list[str], table: pd.DataFrame) -> list[str]:
    """Return ``names`` without the columns of ``table`` that hold no value (one warning)."""
    holds_none = table[names].isna().all(axis=0).to_numpy()
    empty = [n for n, none in zip(names, holds_none, strict=True) if none]
    if empty:
        warnings.warn(
            f"{len(empty)} feature column(s) hold no value (all NaN) and are left out of the "
            f"model: {_preview(empty)}. A signature scored NaN lacks genes in the matrix (see "
            "rtpredict.tl.signature_coverage).",
            EmptyFeatureWarning,
            stacklevel=4,
        )
    return [n for n, none in zip(names, holds_none, strict=True) if not none]


def _require_columns(table: pd.DataFrame, names: Sequence[str], what: str) -> None:
    """Raise InputError naming the columns of ``names`` absent from ``table``."""
    missing = [n for n in names if n not in table.columns]
    if missing:
        raise InputError(
            f"{what} column(s) {_preview(missing)} missing from the input; the model needs "
            f"{_preview(names)}. Compute them first (e.g. `rtpredict features`) or retrain."
        )


def _code_categories(column: pd.Series, feature: Feature, *, warn: bool) -> pd.Series:
    """Code a column with the training categories; unseen values become NaN (with a warning)."""
    if not _is_categorical(column):
        raise InputError(
            f"feature {feature.name!r} was categorical in training (categories "
            f"{list(feature.categories)}) but the input column has dtype {column.dtype}; give "
            "category labels as text."
        )
    labels = column.astype(str).where(column.notna())
    coded = pd.Categorical(labels, categories=list(feature.categories))
    unseen = labels.notna().to_numpy() & pd.isna(coded)
    if unseen.any() and warn:
        counts = labels[unseen].value_counts()
        detail = ", ".join(f"{v!r} ({n} tumours)" for v, n in counts.items())
        warnings.warn(
            f"feature {feature.name!r}: {detail} not seen in training (categories "
            f"{list(feature.categories)}); treated as missing, so these tumours follow each "
            "tree's default branch and their predictions rest on the other features.",
            UnseenCategoryWarning,
            stacklevel=4,
        )
    return pd.Series(coded, index=column.index)
