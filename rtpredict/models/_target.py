"""What a model predicts: the target's columns, kind and XGBoost objective, and its values."""

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


@dataclass(frozen=True)
class Target:
    """A resolved target: name, kind, objective and the columns holding its values.

    For survival ``columns`` is ``(event, time)``, otherwise a single column.
    """

    name: str
    kind: str
    objective: str
    columns: tuple[str, ...]

    def values(self, frame: pd.DataFrame) -> np.ndarray:
        """Return the target values of ``frame``: shape (n,) or (n, 2) = (event, time) columns.

        Rows with a missing value are NaN. Raises `InputError` for values of the wrong kind.
        """
        missing = [c for c in self.columns if c not in frame.columns]
        if missing:
            raise InputError(
                f"target column(s) {missing} not found; available columns: "
                f"{_preview(frame.columns)}. Pass target= the outcome column "
                "(or an (event, time) pair for survival)."
            )
        values = np.column_stack([_numeric(frame[c], c) for c in self.columns])
        if self.kind == "regression":
            return values[:, 0]
        flags = values[:, 0]
        bad = np.isfinite(flags) & ~np.isin(flags, (0.0, 1.0))
        if bad.any():
            raise InputError(
                f"column {self.columns[0]!r} must hold 0/1 values; rows "
                f"{_preview(frame.index[bad])} hold {_preview(np.unique(flags[bad]))}."
            )
        if self.kind == "binary":
            return flags
        time = values[:, 1]
        bad = np.isfinite(time) & (time <= 0)
        if bad.any():
            raise InputError(
                f"time-to-event column {self.columns[1]!r} must be > 0; rows "
                f"{_preview(frame.index[bad])} have {_preview(time[bad])}. A time of 0 carries "
                "no follow-up: drop these rows or give them their true (positive) follow-up."
            )
        return values

    def to_dict(self) -> dict:
        """Return a JSON-ready description."""
        return {
            "name": self.name,
            "kind": self.kind,
            "objective": self.objective,
            "columns": list(self.columns),
        }


def resolve_target(
    target: str | Sequence[str],
    columns: pd.Index,
    frame: pd.DataFrame | None = None,
    *,
    kind: str | None = None,
    objective: str | None = None,
) -> Target:
    """Resolve a target given as a column, a ``<name>`` with ``<name>_event``/``<name>_years``
    columns (e.g. ``"recurrence"``), or an ``(event, time)`` pair; infer kind and objective.

    The kind is inferred when not given: survival for a pair or a ``<name>_event/_years`` target,
    binary for a column holding only 0/1, regression otherwise.
    """
    if isinstance(target, str):
        pair = (f"{target}_event", f"{target}_years")
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
        kind = _infer_kind(cols, objective, frame)
    if kind not in KINDS:
        raise InputError(f"kind {kind!r} is not one of {KINDS}.")
    if (kind == "survival") != (len(cols) == 2):
        raise InputError(
            f"target {target!r} does not fit kind {kind!r}: survival needs an (event, time) pair "
            "(or '<name>' with '<name>_event' and '<name>_years' columns), other kinds one column."
        )
    objective = objective or OBJECTIVES[kind][0]
    if objective not in OBJECTIVES[kind]:
        raise InputError(
            f"objective {objective!r} does not fit a {kind} target; use one of {OBJECTIVES[kind]}."
        )
    return Target(name=name, kind=kind, objective=objective, columns=cols)


def _infer_kind(cols: tuple[str, ...], objective: str | None, frame: pd.DataFrame | None) -> str:
    """Infer the kind of target from its columns, objective or values."""
    if len(cols) == 2:
        return "survival"
    if objective is not None:
        for kind, allowed in OBJECTIVES.items():
            if objective in allowed:
                return kind
    if frame is not None and cols[0] in frame.columns:
        values = _numeric(frame[cols[0]], cols[0])
        observed = np.unique(values[np.isfinite(values)])
        if observed.size and np.isin(observed, (0.0, 1.0)).all():
            return "binary"
    return "regression"


def _numeric(column: pd.Series, name: str) -> np.ndarray:
    """Return a column as float64, NaN for missing; InputError when it is not numeric."""
    if isinstance(column.dtype, pd.CategoricalDtype) or not (
        pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)
    ):
        raise InputError(
            f"target column {name!r} must be numeric (0/1 flags, times in years, or values); "
            f"it has dtype {column.dtype}."
        )
    return column.to_numpy(dtype=float, na_value=np.nan)


def _preview(values, limit: int = 5) -> str:
    """Format at most ``limit`` values of a sequence for an error message."""
    values = list(values)
    shown = ", ".join(str(v) for v in values[:limit])
    return f"[{shown}{', …' if len(values) > limit else ''}] ({len(values)} in all)"
