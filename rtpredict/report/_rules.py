"""The report rules as data: QC thresholds and prediction bands (``rules.yaml``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any

from rtpredict._yaml import parse_yaml, read_yaml
from rtpredict.errors import InputError

KINDS = ("minimum", "per_gene", "fraction_of_genes", "strandedness", "coverage")


@dataclass(frozen=True)
class QCRule:
    """One QC rule: which obs metric, how it is judged and why it matters."""

    name: str
    label: str
    kind: str
    why: str
    columns: tuple[str, ...] = ()
    fallback_product: tuple[str, ...] = ()
    unit: str = ""
    warn_below: float | None = None
    fail_below: float | None = None
    stranded_max: float = 0.2
    unstranded_halfwidth: float = 0.1
    required: tuple[str, ...] = ()


@dataclass(frozen=True)
class Band:
    """A category band of the training-cohort percentile (0-100)."""

    name: str
    label: str
    upper: float
    description: str


@dataclass(frozen=True)
class ReportRules:
    """QC rules and prediction bands, with the file they came from (:func:`load_rules`).

    Parameters
    ----------
    qc
        The QC rules, in order.
    bands
        The prediction bands, by increasing upper training percentile.
    source
        The file they were read from.
    raw
        The file's parsed content, for the provenance.
    """

    qc: tuple[QCRule, ...]
    bands: tuple[Band, ...]
    source: str = "rtpredict/report/rules.yaml"
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)

    def band(self, percentile: float) -> Band | None:
        """Return the band of a training percentile, None when it is missing.

        Parameters
        ----------
        percentile
            A training percentile (0–100), or NaN.

        Returns
        -------
        Band or None
            The first band whose upper percentile is at or above ``percentile``.
        """
        if percentile != percentile:  # NaN
            return None
        for band in self.bands:
            if percentile <= band.upper:
                return band
        return self.bands[-1]


def _fail(source: str, where: str, problem: str) -> InputError:
    return InputError(f"{source}: {where}: {problem}. See rtpredict/report/rules.yaml.")


def _number(raw: Mapping, key: str, source: str, where: str) -> float | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(source, f"{where}.{key}", f"{value!r} is not a number")
    return float(value)


def _rule(raw: Any, source: str, i: int) -> QCRule:
    where = f"qc[{i}]"
    if not isinstance(raw, Mapping):
        raise _fail(source, where, "expected a mapping")
    for key in ("name", "label", "kind", "why"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise _fail(source, f"{where}.{key}", "missing or not text")
    if raw["kind"] not in KINDS:
        raise _fail(source, f"{where}.kind", f"{raw['kind']!r} is not one of {KINDS}")
    columns = tuple(str(c) for c in raw.get("columns") or ())
    if raw["kind"] != "coverage" and not columns:
        raise _fail(source, f"{where}.columns", "name at least one obs column")
    warn, fail = (
        _number(raw, "warn_below", source, where),
        _number(raw, "fail_below", source, where),
    )
    thresholds = raw["kind"] in ("minimum", "per_gene", "fraction_of_genes")
    if thresholds and (warn is None or fail is None or fail > warn):
        raise _fail(source, where, "needs fail_below <= warn_below")
    options = {
        k: v
        for k in ("stranded_max", "unstranded_halfwidth")
        if (v := _number(raw, k, source, where)) is not None
    }
    return QCRule(
        name=raw["name"],
        label=raw["label"],
        kind=raw["kind"],
        why=" ".join(raw["why"].split()),
        columns=columns,
        fallback_product=tuple(str(c) for c in raw.get("fallback_product") or ()),
        unit=str(raw.get("unit", "")),
        warn_below=warn,
        fail_below=fail,
        required=tuple(str(c) for c in raw.get("required") or ()),
        **options,
    )


def _band(raw: Any, source: str, i: int) -> Band:
    where = f"bands[{i}]"
    if not isinstance(raw, Mapping):
        raise _fail(source, where, "expected a mapping")
    upper = _number(raw, "upper", source, where)
    if upper is None or not 0 < upper <= 100:
        raise _fail(source, f"{where}.upper", "give a percentile in (0, 100]")
    return Band(
        str(raw.get("name", "")), str(raw.get("label", "")), upper, str(raw.get("description", ""))
    )


def load_rules(path: str | os.PathLike | None = None) -> ReportRules:
    """Read report rules: the shipped ``rules.yaml`` by default, else the given YAML file.

    Parameters
    ----------
    path
        A rules YAML file, or None for the shipped rules.

    Returns
    -------
    ReportRules
        The rules.

    Raises
    ------
    InputError
        Naming the file and the field at fault.
    """
    if path is None:
        source = "rtpredict/report/rules.yaml"
        raw = parse_yaml(
            files("rtpredict.report").joinpath("rules.yaml").read_text("utf-8"), source
        )
    else:
        source, raw = str(path), read_yaml(path, "rules file")
    if not isinstance(raw, Mapping) or raw.get("version") != 1:
        raise _fail(source, "version", "expected version: 1")
    rules = tuple(_rule(r, source, i) for i, r in enumerate(raw.get("qc") or ()))
    names = [r.name for r in rules]
    if len(set(names)) != len(names):
        raise _fail(source, "qc", "rule names must be unique")
    bands = tuple(_band(b, source, i) for i, b in enumerate(raw.get("bands") or ()))
    if not bands or [b.upper for b in bands] != sorted(b.upper for b in bands):
        raise _fail(source, "bands", "give at least one band, in increasing order of upper")
    if bands[-1].upper != 100:
        raise _fail(source, "bands", "the last band must end at 100")
    return ReportRules(qc=rules, bands=bands, source=source, raw=raw)
