"""The models shipped with rtpredict (``rtpredict/data/models/``), loaded with their checks."""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

from rtpredict.errors import InputError
from rtpredict.models._io import load_model
from rtpredict.models._model import RadiosensitivityModel

#: shipped model name -> model file in rtpredict/data/models/
DEFAULT_MODELS = {"recurrence": "recurrence.json", "demo_recurrence": "demo_recurrence.json"}


def available_defaults() -> list[str]:
    """Return the names of the models shipped with rtpredict.

    Returns
    -------
    list of str
        Names for :func:`load_default`.
    """
    return sorted(DEFAULT_MODELS)


def load_default(name: str = "recurrence") -> RadiosensitivityModel:
    """Load a model shipped with rtpredict, verifying its checksums.

    ``"recurrence"``: first recurrence after radiotherapy from RSI, GARD, dose per fraction,
    fractions, tumour site and whether radiotherapy was given, trained on 1,015 patients of the
    pooled GARD analysis (Scott JG et al., Lancet Oncol 2021) who have recurrence follow-up.
    Its card (``model.card_``) holds the leave-one-cohort-out validation against GARD alone and
    a Cox model on GARD. Research use only; not clinically validated.

    ``"demo_recurrence"``: for the simulated demo only, trained on 600 simulated tumours
    (``scripts/train_demo_model.py``) from RSI, the catalog signatures, DNA features and the
    schedule; its frozen reference statistics are :func:`default_reference` of the same name.

    Parameters
    ----------
    name
        One of :func:`available_defaults`.

    Returns
    -------
    RadiosensitivityModel
        The fitted model, with its card in ``card_``.
    """
    if name not in DEFAULT_MODELS:
        raise InputError(f"no shipped model {name!r}; available: {available_defaults()}.")
    resource = files("rtpredict").joinpath("data", "models", DEFAULT_MODELS[name])
    with as_file(resource) as path:
        return load_model(path)


def default_reference(name: str) -> Path:
    """Return the path of the reference statistics shipped with model ``name``.

    Cohort-relative signature scores (Buffa, Toustrup) of tumours scored with a shipped model
    must use the statistics of its training cohort: ``rtpredict features --reference
    default:<name>``.

    Parameters
    ----------
    name
        One of :func:`available_defaults`.

    Returns
    -------
    pathlib.Path
        The reference-statistics JSON file.
    """
    path = Path(str(files("rtpredict").joinpath("data", "models", f"{name}.reference.json")))
    if not path.is_file():
        raise InputError(f"the shipped model {name!r} has no reference statistics.")
    return path
