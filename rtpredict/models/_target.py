"""What a model predicts: the target's columns, kind and XGBoost objective, and its values.

Outcomes come as users keep them: times in years, months, weeks or days (``time_unit``; turned
into years, the unit of every model), and binary outcomes or event flags as 0/1, True/False or
two text labels (``yes``/``no`` and the other pairs of `KNOWN_LABELS` are read without help; any
other pair needs ``positive=`` naming the class counted as 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rtpredict.errors import InputError

KINDS = ("regression", "binary", "survival")

#: XGBoost objectives allowed for each kind; the first is the default
OBJECTIVES = {
    "regression": ("reg:squarederror",),
    "binary": ("binary:logistic",),
    "survival": ("survival:cox", "survival:aft"),
}
#: time units a survival target may be given in, as the number of them in one year
TIME_UNITS = {"years": 1.0, "months": 12.0, "weeks": 365.25 / 7, "days": 365.25}
#: text label pairs read as (1, 0) without ``positive=``, compared case-blind
KNOWN_LABELS = (
    ("yes", "no"),
    ("y", "n"),
    ("true", "false"),
    ("t", "f"),
    ("1", "0"),
    ("positive", "negative"),
    ("present", "absent"),
    ("event", "censored"),
    ("dead", "alive"),
    ("deceased", "alive"),
)


@dataclass(frozen=True)
class Target:
    """A resolved target: name, kind, objective and the columns holding its values.

    For survival ``columns`` is ``(event, time)``, otherwise a single column. ``time_unit`` is
    the unit of the time column (values are returned in years); ``positive`` the value of a
    binary or event column counted as 1 (None: 0/1, True/False or a `KNOWN_LABELS` pair).
    """

    name: str
    kind: str
    objective: str
    columns: tuple[str, ...]
    time_unit: str = "years"
    positive: str | float | None = None

    def values(self, frame: pd.DataFrame) -> np.ndarray:
        """Return the target values of ``frame``: shape (n,) or (n, 2) = (event, time) columns.

        Event and binary columns become 0/1 (see ``positive``), times become years. Rows with a
        missing value are NaN. Raises `InputError` for values of the wrong kind.
        """
        missing = [c for c in self.columns if c not in frame.columns]
        if missing:
            raise InputError(
                f"target column(s) {missing} not found; available columns: "
                f"{_preview(frame.columns)}. Pass target= the outcome column "
                "(or an (event, time) pair for survival)."
            )
        if self.kind == "regression":
            return _numeric(frame[self.columns[0]], self.columns[0])
        flags = _flags(frame[self.columns[0]], self.columns[0], self.positive)
        bad = np.isfinite(flags) & ~np.isin(flags, (0.0, 1.0))
        if bad.any():
            raise InputError(
                f"column {self.columns[0]!r} must hold 0/1 values; rows "
                f"{_preview(frame.index[bad])} hold {_preview(np.unique(flags[bad]))}. Name the "
                "value counted as 1 with positive= when the column has two others."
            )
        if self.kind == "binary":
            return flags
        time = _numeric(frame[self.columns[1]], self.columns[1])
        bad = np.isfinite(time) & (time <= 0)
        if bad.any():
            raise InputError(
                f"time-to-event column {self.columns[1]!r} must be > 0; rows "
                f"{_preview(frame.index[bad])} have {_preview(time[bad])} ({self.time_unit}). A "
                "time of 0 carries no follow-up: drop these rows or give them their true "
                "(positive) follow-up."
            )
        return np.column_stack([flags, time / TIME_UNITS[self.time_unit]])

    def to_dict(self) -> dict:
        """Return a JSON-ready description."""
        return {
            "name": self.name,
            "kind": self.kind,
            "objective": self.objective,
            "columns": list(self.columns),
            "time_unit": self.time_unit,
            "positive": self.positive,
        }


def resolve_target(
    target: str | Sequence[str],
    columns: pd.Index,
    frame: pd.DataFrame | None = None,
    *,
    kind: str | None = None,
    objective: str | None = None,
    time_unit: str = "years",
    positive: str | float | None = None,
) -> Target:
    """Resolve a target given as a column, a ``<name>`` with ``<name>_event`` and
    ``<name>_<time_unit>`` columns (e.g. ``"recurrence"`` with ``recurrence_event`` and
    ``recurrence_years``), or an ``(event, time)`` pair; infer kind and objective.

    The kind is inferred when not given: survival for a pair or a ``<name>_event`` /
    ``<name>_<time_unit>`` target, binary for a column holding only 0/1 or two labels (or when
    ``positive`` is given), regression otherwise. ``time_unit`` is one of `TIME_UNITS`;
    ``positive`` names the value of a binary or event column counted as 1.
    """
    if time_unit not in TIME_UNITS:
        raise InputError(
            f"time_unit {time_unit!r} is not one of {tuple(TIME_UNITS)}; times are converted "
            "to years from the unit given."
        )
    if isinstance(target, str):
        pair = (f"{target}_event", f"{target}_{time_unit}")
        if target not in columns and all(c in columns for c in pair):
            cols, name = pair, target
        else:
            cols, name = (target,), target
    else:
        cols = tuple(target)
        if len(cols) != 2 or not all(isinstance(c, str) for c in cols):
            raise InputError(
                f"target {target!r}: give one column name or an (event, time) pair of names."
            )
        name = cols[0].removesuffix("_event")
    if kind is None:
        kind = _infer_kind(cols, objective, frame, positive)
    if kind not in KINDS:
        raise InputError(f"kind {kind!r} is not one of {KINDS}.")
    if (kind == "survival") != (len(cols) == 2):
        raise InputError(
            f"target {target!r} does not fit kind {kind!r}: survival needs an (event, time) pair "
            f"(or '<name>' with '<name>_event' and '<name>_{time_unit}' columns), other kinds "
            "one column."
        )
    if kind == "regression" and positive is not None:
        raise InputError(f"positive={positive!r} applies to binary and survival targets only.")
    objective = objective or OBJECTIVES[kind][0]
    if objective not in OBJECTIVES[kind]:
        raise InputError(
            f"objective {objective!r} does not fit a {kind} target; use one of {OBJECTIVES[kind]}."
        )
    return Target(
        name=name,
        kind=kind,
        objective=objective,
        columns=cols,
        time_unit=time_unit,
        positive=positive,
    )


def _infer_kind(
    cols: tuple[str, ...],
    objective: str | None,
    frame: pd.DataFrame | None,
    positive: str | float | None,
) -> str:
    """Infer the kind of target from its columns, objective, ``positive`` or values."""
    if len(cols) == 2:
        return "survival"
    if objective is not None:
        for kind, allowed in OBJECTIVES.items():
            if objective in allowed:
                return kind
    if positive is not None:
        return "binary"
    if frame is not None and cols[0] in frame.columns:
        column = frame[cols[0]]
        if not _is_number(column):
            return "binary"  # text labels: `_flags` reads two of them or says why not
        values = _numeric(column, cols[0])
        observed = np.unique(values[np.isfinite(values)])
        if observed.size and np.isin(observed, (0.0, 1.0)).all():
            return "binary"
    return "regression"


def _is_number(column: pd.Series) -> bool:
    """True for numeric and boolean columns (not categorical ones, whatever their values)."""
    return not isinstance(column.dtype, pd.CategoricalDtype) and (
        pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)
    )


def _numeric(column: pd.Series, name: str) -> np.ndarray:
    """Return a column as float64, NaN for missing; InputError when it is not numeric."""
    if not _is_number(column):
        labels = column.dropna().astype(str).unique()
        raise InputError(
            f"target column {name!r} must hold numbers (times, or values to predict); it has "
            f"dtype {column.dtype} with values {_preview(labels)}. Convert them to numbers."
        )
    return column.to_numpy(dtype=float, na_value=np.nan)


def _flags(column: pd.Series, name: str, positive: str | float | None) -> np.ndarray:
    """Return a binary or event column as 1.0 / 0.0 (NaN for missing).

    Numbers and booleans are taken as they are (0/1 checked by the caller) unless ``positive``
    names the value counted as 1. Text and categorical columns need two labels at most: a
    `KNOWN_LABELS` pair, or any two with ``positive``; InputError naming the labels otherwise.
    """
    if _is_number(column):
        values = column.to_numpy(dtype=float, na_value=np.nan)
        if positive is None:
            return values
        levels = np.unique(values[np.isfinite(values)])
        try:
            number = float(positive)
        except (TypeError, ValueError):
            number = np.nan
        chosen = f"{number:g}" if np.isfinite(number) else str(positive)
        labels = [f"{v:g}" for v in levels]
        return _two_levels(name, labels, chosen, values == number, np.isfinite(values))
    text = column.astype(str).str.strip().where(column.notna())
    known = text.notna() & (text != "")
    labels = sorted(text[known].unique())
    if positive is not None:
        is_positive = (text == str(positive).strip()).to_numpy()
        return _two_levels(name, labels, str(positive), is_positive, known.to_numpy())
    lowered = {label.lower() for label in labels}
    for yes, no in KNOWN_LABELS:
        if lowered <= {yes, no}:
            is_positive = (text.str.lower() == yes).to_numpy()
            return np.where(known.to_numpy(), is_positive.astype(float), np.nan)
    raise InputError(
        f"target column {name!r} holds the labels {_preview(labels)}; say which one is the event "
        f"(class 1) with positive= (e.g. positive={labels[0]!r}), or code the column 0/1."
        if len(labels) == 2
        else f"target column {name!r} holds {len(labels)} labels {_preview(labels)}; a binary "
        "or event column needs two (e.g. yes/no), numbers for regression. Recode it."
    )


def _two_levels(
    name: str, labels: list[str], positive: str, is_positive: np.ndarray, known: np.ndarray
) -> np.ndarray:
    """Return 1.0 where ``is_positive``, 0.0 for the other known rows, NaN elsewhere, after
    checking that the column has at most two labels, ``positive`` among them."""
    if positive not in labels or len(labels) > 2:
        raise InputError(
            f"target column {name!r} holds the labels {_preview(labels)}; positive={positive!r} "
            + (
                "is not one of them."
                if positive not in labels
                else "must be one of two labels, and there are more. Recode the column."
            )
        )
    return np.where(known, is_positive.astype(float), np.nan)


def _preview(values, limit: int = 5) -> str:
    """Format at most ``limit`` values of a sequence for an error message."""
    values = list(values)
    shown = ", ".join(str(v) for v in values[:limit])
    return f"[{shown}{', …' if len(values) > limit else ''}] ({len(values)} in all)"
