"""Save and load models as XGBoost JSON + model card JSON, checksummed; never pickle.

A model saved at ``model.json`` is three files: ``model.json`` (the XGBoost booster),
``model.bootstrap.json`` (the bootstrap boosters, each an XGBoost JSON document, with their
survival state) and ``model.card.json`` (the model card, holding the SHA-256 of the other two).
Each is written atomically and the card last, so an interrupted save never leaves a card that
vouches for files it does not describe.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import xgboost as xgb

from rtpredict._files import write_bytes_atomic
from rtpredict.errors import InputError
from rtpredict.models._card import (
    CARD_FORMAT,
    CARD_VERSION,
    build_card,
    jsonable,
    member_state,
    restore_member,
    restore_model,
)
from rtpredict.models._ensemble import Member
from rtpredict.models._model import RadiosensitivityModel

if TYPE_CHECKING:
    from rtpredict.models.validation import ValidationResult

BOOTSTRAP_FORMAT = "rtpredict-bootstrap-ensemble"


def model_paths(path: str | os.PathLike) -> dict[str, Path]:
    """Return the model, bootstrap and card paths of a model saved at ``path``.

    ``path`` may name the model file (``x.json``) or the card (``x.card.json``).
    """
    path = Path(path)
    name = path.name
    stem = name.removesuffix(".card.json") if name.endswith(".card.json") else None
    if stem is None:
        if not name.endswith(".json"):
            raise InputError(f"model path {path} must end in .json (XGBoost JSON).")
        stem = name.removesuffix(".json")
    return {
        "model": path.with_name(f"{stem}.json"),
        "bootstrap": path.with_name(f"{stem}.bootstrap.json"),
        "card": path.with_name(f"{stem}.card.json"),
    }


def save_model(
    model: RadiosensitivityModel,
    path: str | os.PathLike,
    *,
    info: Mapping | None = None,
    validation: ValidationResult | Mapping | None = None,
) -> Path:
    """Save a fitted model as XGBoost JSON + bootstrap JSON + model card; return the card path.

    Parameters
    ----------
    model
        A fitted `RadiosensitivityModel`.
    path
        Where the booster goes (``.json``); the other two files go beside it.
    info
        Card fields (name, title, description, trained_on, data_source, data_handling,
        licence, created).
    validation
        A ``rtpredict.models.validation.ValidationResult`` (or its ``to_dict()``) for the card.

    Returns
    -------
    pathlib.Path
        The card, ``<path stem>.card.json``.
    """
    if not hasattr(model, "booster_"):
        raise InputError("only a fitted model can be saved; call fit() first.")
    paths = model_paths(path)
    booster_bytes = bytes(model.booster_.save_raw("json"))
    bootstrap = {
        "format": BOOTSTRAP_FORMAT,
        "format_version": 1,
        "members": [
            {**member_state(m), "booster": bytes(m.booster.save_raw("json")).decode()}
            for m in model.bootstrap_
        ],
    }
    bootstrap_bytes = _dump(jsonable(bootstrap))
    files = {
        "model": {"path": paths["model"].name, "sha256": sha256(booster_bytes)},
        "bootstrap": {
            "path": paths["bootstrap"].name,
            "sha256": sha256(bootstrap_bytes),
            "n": len(model.bootstrap_),
        },
    }
    if validation is not None and hasattr(validation, "to_dict"):
        validation = validation.to_dict()
    card = build_card(model, files=files, info=info, validation=validation)
    write_bytes_atomic(paths["model"], booster_bytes)
    write_bytes_atomic(paths["bootstrap"], bootstrap_bytes)
    write_bytes_atomic(paths["card"], _dump(card))
    return paths["card"]


def load_model(path: str | os.PathLike) -> RadiosensitivityModel:
    """Load a model saved by :func:`save_model`, verifying checksums and schema.

    Parameters
    ----------
    path
        The booster file (``.json``) or the card (``.card.json``).

    Returns
    -------
    RadiosensitivityModel
        The fitted model, with its card in ``card_``.

    Raises
    ------
    InputError
        When a file is missing, its SHA-256 differs from the card's, or the booster's features
        disagree with the card's schema.
    """
    paths = model_paths(path)
    card = _read_json(paths["card"], "model card")
    if card.get("format") != CARD_FORMAT or card.get("format_version") != CARD_VERSION:
        raise InputError(
            f"{paths['card']} is not a version-{CARD_VERSION} rtpredict model card "
            f"(format {card.get('format')!r}, version {card.get('format_version')!r})."
        )
    files = card.get("files") or {}
    raw_model = _verified_bytes(paths["card"], files.get("model"), "model")
    raw_bootstrap = _verified_bytes(paths["card"], files.get("bootstrap"), "bootstrap")
    main = _booster(raw_model, paths["model"])
    try:
        ensemble = json.loads(raw_bootstrap)
        members = [
            restore_member(_booster(m["booster"].encode(), paths["bootstrap"]), m)
            for m in ensemble["members"]
        ]
    except (KeyError, TypeError, ValueError) as err:
        raise InputError(f"{paths['bootstrap']} is malformed: {err!r}") from err
    model = restore_model(card, main, members)
    for member in [Member(main), *members]:
        _check_booster_schema(member.booster, model, paths["card"])
    return model


def sha256(data: bytes) -> str:
    """Return the hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def _dump(obj) -> bytes:
    """Serialise to strict JSON (no NaN), UTF-8, with a trailing newline."""
    return (json.dumps(obj, indent=1, allow_nan=False, ensure_ascii=False) + "\n").encode()


def _read_json(path: Path, what: str) -> dict:
    """Read a JSON object, turning absence or corruption into InputError."""
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError as err:
        raise InputError(f"{what} {path} not found.") from err
    except ValueError as err:
        raise InputError(f"{what} {path} is not valid JSON: {err}") from err
    if not isinstance(data, dict):
        raise InputError(f"{what} {path} must hold a JSON object.")
    return data


def _verified_bytes(card_path: Path, entry: Mapping | None, what: str) -> bytes:
    """Read a file listed in the card and check its SHA-256 against the card's."""
    if not entry or "path" not in entry or "sha256" not in entry:
        raise InputError(f"model card {card_path} lists no {what} file with a checksum.")
    path = card_path.with_name(Path(entry["path"]).name)
    try:
        data = path.read_bytes()
    except FileNotFoundError as err:
        raise InputError(f"{what} file {path} (listed in {card_path}) not found.") from err
    digest = sha256(data)
    if digest != entry["sha256"]:
        raise InputError(
            f"{what} file {path} does not match the checksum in {card_path} (expected "
            f"{entry['sha256']}, found {digest}): it changed after training. Restore the "
            "original file or retrain; a modified model is never loaded."
        )
    return data


def _booster(raw: bytes, path: Path) -> xgb.Booster:
    """Load an XGBoost booster from JSON bytes."""
    booster = xgb.Booster()
    try:
        booster.load_model(bytearray(raw))
    except xgb.core.XGBoostError as err:
        raise InputError(f"{path} is not a readable XGBoost JSON model: {err}") from err
    return booster


def _check_booster_schema(booster: xgb.Booster, model: RadiosensitivityModel, card: Path) -> None:
    """Check the booster's stored feature names and types against the card's schema."""
    schema = model.feature_schema_
    names, types = booster.feature_names or [], booster.feature_types or []
    expected_types = schema.xgboost_types
    same_types = len(types) == len(expected_types) and all(
        (t == "c") == (e == "c") for t, e in zip(types, expected_types, strict=True)
    )
    if list(names) != schema.names or not same_types:
        raise InputError(
            f"model card {card} describes features {schema.names} ({expected_types}) but the "
            f"booster was trained on {list(names)} ({list(types)}); the files do not belong "
            "together."
        )
