"""Read a federation plan from the YAML file the sites agreed on.

The keys are described in the guide "Federated training across hospitals"; ``features`` (or
``schema_from``, a model card) becomes the agreed feature schema, and the rest the fields of a
:class:`~rtpredict.federated.FederationPlan`, which checks them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from rtpredict._yaml import read_yaml
from rtpredict.errors import InputError
from rtpredict.federated._plan import PARAM_DEFAULTS, FederationPlan
from rtpredict.models.interface import Feature, FeatureSchema, resolve_target

_KEYS = {
    "name",
    "title",
    "description",
    "licence",
    "target",
    "kind",
    "objective",
    "horizon",
    "features",
    "schema_from",
    "strategy",
    "rounds",
    "local_rounds",
    "params",
    "holdout_fraction",
    "seed",
    "n_ci_bootstrap",
    "hazard_grid_years",
    "hazard_max_years",
    "min_site_size",
    "sites",
    "privacy",
}


def load_plan(path: str | Path) -> FederationPlan:
    """Read a federation plan from YAML.

    ``features`` lists obs columns: a plain name is numeric; ``{name: site, categories: [...]}``
    is categorical with the agreed categories. ``schema_from`` (a model card, relative to the
    YAML) takes the schema of an existing model instead. The keys are described in the guide
    "Federated training across hospitals".

    Parameters
    ----------
    path
        The plan YAML.

    Returns
    -------
    FederationPlan
        The plan.
    """
    path = Path(path)
    spec = read_yaml(path, "federation plan") or {}
    if not isinstance(spec, dict):
        raise InputError(f"federation plan {path} must hold a mapping of keys.")
    unknown = set(spec) - _KEYS
    if unknown:
        raise InputError(f"{path}: unknown key(s) {sorted(unknown)}; allowed: {sorted(_KEYS)}.")
    for key in ("name", "target", "kind", "sites"):
        if key not in spec:
            raise InputError(f"{path}: '{key}' is required.")
    schema = _schema(spec, path)
    kind, objective = spec["kind"], spec.get("objective")
    target = spec["target"]
    columns = (
        [f"{target}_event", f"{target}_years"]
        if kind == "survival" and isinstance(target, str)
        else ([target] if isinstance(target, str) else list(target))
    )
    resolved = resolve_target(
        target if isinstance(target, str) else tuple(target),
        columns,
        kind=kind,
        objective=objective,
    )
    params = dict(PARAM_DEFAULTS)
    params.update(spec.get("params") or {})
    fields = {
        k: spec[k]
        for k in (
            "strategy",
            "rounds",
            "local_rounds",
            "horizon",
            "holdout_fraction",
            "seed",
            "n_ci_bootstrap",
            "hazard_grid_years",
            "hazard_max_years",
            "min_site_size",
            "title",
            "description",
            "licence",
        )
        if k in spec
    }
    return FederationPlan(
        name=str(spec["name"]),
        target=resolved.to_dict(),
        features=schema.to_dict(),
        sites=tuple(str(s) for s in spec["sites"]),
        params=params,
        privacy=spec.get("privacy", {}),
        **fields,
    )


def _schema(spec: Mapping, path: Path) -> FeatureSchema:
    """Build the agreed schema from ``features`` or ``schema_from`` (a model card)."""
    if ("features" in spec) == ("schema_from" in spec):
        raise InputError(f"{path}: give exactly one of 'features' or 'schema_from'.")
    if "schema_from" in spec:
        card_path = path.parent / spec["schema_from"]
        try:
            card = json.loads(card_path.read_text())
            return FeatureSchema.from_dict(card["feature_schema"])
        except (OSError, ValueError, KeyError) as err:
            raise InputError(
                f"{path}: cannot read a feature schema from {card_path}: {err}"
            ) from err
    features = []
    for item in spec["features"] or []:
        if isinstance(item, str):
            features.append(Feature(item, "numeric"))
        elif isinstance(item, Mapping) and "name" in item and "categories" in item:
            categories = tuple(str(c) for c in item["categories"])
            features.append(Feature(str(item["name"]), "categorical", categories))
        else:
            raise InputError(
                f"{path}: feature {item!r} must be a column name (numeric) or a mapping "
                "{name: ..., categories: [...]} (categorical)."
            )
    names = [f.name for f in features]
    if not names or len(set(names)) != len(names):
        raise InputError(f"{path}: features must be a non-empty list without duplicates.")
    return FeatureSchema(tuple(features))
