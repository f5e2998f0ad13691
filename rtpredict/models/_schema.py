"""Feature schema: which columns a model reads, in which order, with which types and categories.

A model reads features from an AnnData (``obs`` columns, and genes from ``X`` or a layer by gene
ID) or from a pandas DataFrame (one column per feature, gene IDs as column names). The schema is
learned at fit, saved in the model card and checked on every input.
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
from rtpredict.models._target import _preview
from rtpredict.signatures import signature_columns

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
    """One model input: ``kind`` is numeric, categorical (with its training categories) or gene."""

    name: str
    kind: str
    categories: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """Return a JSON-ready description."""
        out: dict = {"name": self.name, "kind": self.kind}
        if self.kind == "categorical":
            out["categories"] = list(self.categories)
        return out


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
        categories are the values observed, as strings, sorted. A feature or gene column
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
        if genes:  # fails early when genes are missing
            values = cls(tuple(Feature(g, "gene") for g in genes), layer)._gene_frame(data)
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
        out += [Feature(g, "gene") for g in genes]
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
        """Return the expression of the schema's genes (AnnData X / layer, or DataFrame columns)."""
        genes = self.genes
        if not _is_anndata(data):
            _require_columns(data, genes, "gene")
            return data[genes].astype(float)
        index = data.var_names.get_indexer(genes)
        if (index < 0).any():
            missing = [g for g, i in zip(genes, index, strict=True) if i < 0]
            raise InputError(
                f"{len(missing)} model gene(s) absent from var_names: {_preview(missing)}. The "
                "cohort must be quantified on the same gene IDs (Ensembl, no version) as training."
            )
        if self.layer is not None and self.layer not in data.layers:
            raise InputError(
                f"expression layer {self.layer!r} not found; layers: {list(data.layers)}."
            )
        matrix = data.X if self.layer is None else data.layers[self.layer]
        values = matrix[:, index]
        values = values.toarray() if sparse.issparse(values) else np.asarray(values)
        return pd.DataFrame(values.astype(float), index=data.obs_names, columns=genes)

    def to_dict(self) -> dict:
        """Return a JSON-ready description."""
        return {"layer": self.layer, "features": [f.to_dict() for f in self.features]}

    @classmethod
    def from_dict(cls, spec: dict) -> FeatureSchema:
        """Rebuild a schema from `to_dict` output; InputError when malformed."""
        try:
            features = tuple(
                Feature(f["name"], f["kind"], tuple(f.get("categories", ())))
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
