"""Train a radiosensitivity model (XGBoost) on a cohort and write model JSON + model card.

Reads a cohort ``.h5ad`` (features in obs, genes in X) or a features TSV (first column: sample
ID), takes the target, features and settings from the command line and/or a YAML file
(``--config``; the command line wins), optionally cross-validates against RSI, GARD, clinical
covariates and random gene sets, fits on all tumours and writes ``OUT`` (booster),
``OUT.bootstrap.json`` and ``OUT.card.json`` atomically. Research use only.

YAML keys: ``target``, ``kind``, ``objective``, ``features``, ``genes``, ``layer``, ``horizon``,
``params`` (any RadiosensitivityModel parameter: n_estimators, learning_rate, max_depth,
n_bootstrap, random_state, time_unit of survival times, positive label of a binary outcome, …;
``--time-unit`` and ``--positive`` on the command line), ``validation`` (cv:
none|stratified|cohort, n_splits, n_repeats, cohort_key, n_random_sets, n_ci_bootstrap,
signature_genes: {feature: [gene IDs]}) and ``card`` (name, title, description, trained_on,
data_source, licence).
"""

from __future__ import annotations

import argparse
import inspect
import logging
from pathlib import Path

from rtpredict._yaml import read_yaml
from rtpredict.commands._args import add_output
from rtpredict.errors import InputError

log = logging.getLogger(__name__)

TOP_KEYS = {"target", "kind", "objective", "features", "genes", "layer", "horizon", "params"}
VALIDATION_KEYS = {
    "cv",
    "n_splits",
    "n_repeats",
    "cohort_key",
    "n_random_sets",
    "n_ci_bootstrap",
    "signature_genes",
    "random_state",
}
CARD_KEYS = {"name", "title", "description", "trained_on", "data_source", "licence"}
#: command-line option -> model parameter
PARAM_OPTIONS = {
    "n_estimators": int,
    "learning_rate": float,
    "max_depth": int,
    "subsample": float,
    "early_stopping_rounds": int,
    "n_bootstrap": int,
    "random_state": int,
    "n_jobs": int,
    "time_unit": str,
    "positive": str,
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the ``train`` options."""
    parser.add_argument("input", type=Path, help="cohort .h5ad or features .tsv")
    add_output(parser, "model file (.json)", type=Path, deprecated=["--out"])
    parser.add_argument("--config", type=Path, help="YAML with target, features and settings")
    parser.add_argument("--target", help="outcome: column, or name with _event/_years columns")
    parser.add_argument("--features", nargs="+", help="obs / TSV columns used as features")
    parser.add_argument("--genes", nargs="+", help="gene IDs whose expression is used")
    parser.add_argument("--layer", help="AnnData layer for --genes (default: X)")
    parser.add_argument("--kind", choices=("regression", "binary", "survival"))
    parser.add_argument(
        "--objective",
        choices=("reg:squarederror", "binary:logistic", "survival:cox", "survival:aft"),
    )
    parser.add_argument("--horizon", type=float, help="years for event probabilities")
    for name, kind in PARAM_OPTIONS.items():
        flag = "--seed" if name == "random_state" else f"--{name.replace('_', '-')}"
        parser.add_argument(flag, dest=name, type=kind, help=f"model parameter {name}")
    parser.add_argument(
        "--validate",
        choices=("none", "stratified", "cohort"),
        help="cross-validation before the final fit (default: none)",
    )
    parser.add_argument("--n-splits", type=int, help="folds of stratified CV (default 5)")
    parser.add_argument("--n-repeats", type=int, help="repeats of stratified CV (default 1)")
    parser.add_argument("--cohort-key", help="obs column of cohorts (default: cohort)")
    parser.add_argument("--n-random-sets", type=int, help="random gene-set controls (100)")
    parser.add_argument("--n-ci-bootstrap", type=int, help="bootstrap resamples for CIs (1000)")
    for field in sorted(CARD_KEYS):
        parser.add_argument(f"--{field.replace('_', '-')}", help=f"model card {field}")


def run(args: argparse.Namespace) -> int:
    """Train, optionally validate, and save the model."""
    from rtpredict.models import RadiosensitivityModel, save_model
    from rtpredict.models.interface import read_cohort
    from rtpredict.models.validation import cross_validate

    config = _load_config(args.config)
    spec = {k: config.get(k) for k in TOP_KEYS - {"params"}}
    for key in ("target", "kind", "objective", "features", "genes", "layer", "horizon"):
        if getattr(args, key) is not None:
            spec[key] = getattr(args, key)
    if not spec.get("target"):
        raise InputError("no target: pass --target or set 'target' in the --config YAML.")
    params = dict(config.get("params") or {})
    allowed = set(inspect.signature(RadiosensitivityModel).parameters) - TOP_KEYS
    unknown = set(params) - allowed
    if unknown:
        raise InputError(
            f"{args.config}: unknown params {sorted(unknown)}; allowed: {sorted(allowed)}."
        )
    params |= {k: getattr(args, k) for k in PARAM_OPTIONS if getattr(args, k) is not None}
    target = spec.pop("target")
    if isinstance(target, list):
        target = tuple(target)
    model = RadiosensitivityModel(target, **spec, **params)

    data = read_cohort(args.input)
    validation_cfg = dict(config.get("validation") or {})
    cv = args.validate or validation_cfg.pop("cv", "none")
    validation_cfg.pop("cv", None)
    for key in ("n_splits", "n_repeats", "cohort_key", "n_random_sets", "n_ci_bootstrap"):
        if getattr(args, key) is not None:
            validation_cfg[key] = getattr(args, key)
    result = None
    if cv != "none":
        log.info("cross-validating (%s) on %s", cv, args.input)
        result = cross_validate(model, data, cv=cv, **validation_cfg)
        log.info("validation (%s):\n%s", result.primary_metric, result.summary().to_string())
    model.fit(data)
    card = dict(config.get("card") or {})
    card |= {k: getattr(args, k) for k in CARD_KEYS if getattr(args, k) is not None}
    card_path = save_model(model, args.output, info=card, validation=result)
    log.info("wrote %s, its bootstrap file and %s", args.output, card_path)
    return 0


def _load_config(path: Path | None) -> dict:
    """Read and check the YAML configuration (empty without --config)."""
    if path is None:
        return {}
    config = read_yaml(path, "config file") or {}
    if not isinstance(config, dict):
        raise InputError(f"config file {path} must hold a mapping of keys.")
    unknown = set(config) - TOP_KEYS - {"validation", "card"}
    if unknown:
        raise InputError(
            f"{path}: unknown key(s) {sorted(unknown)}; allowed: "
            f"{sorted(TOP_KEYS | {'validation', 'card'})}."
        )
    for key, allowed in (("validation", VALIDATION_KEYS), ("card", CARD_KEYS)):
        section = config.get(key) or {}
        if not isinstance(section, dict) or set(section) - allowed:
            raise InputError(
                f"{path}: '{key}' must be a mapping with keys among {sorted(allowed)}; got "
                f"{sorted(section) if isinstance(section, dict) else section!r}."
            )
    return config
