"""Number formatting for people (reports, plots): fixed digits, percentages, missing values."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

MISSING = "—"


def is_missing(value: Any) -> bool:
    """Return True for None, NaN, NaT and pandas' NA."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    return False


def number(value: Any, digits: int = 2) -> str:
    """Format a number with ``digits`` decimals (a true minus sign); missing → an em dash."""
    if is_missing(value):
        return MISSING
    value = float(value)
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    text = f"{value:,.{digits}f}"
    if text.lstrip("-").strip("0.,") == "":
        text = text.lstrip("-")  # no "−0.00"
    return text.replace("-", "−")


def signed(value: Any, digits: int = 2) -> str:
    """Format a number with an explicit sign (+0.12, −0.30)."""
    if is_missing(value):
        return MISSING
    text = number(value, digits)
    return text if text.startswith("−") or float(value) == 0 else f"+{text}"


def percent(fraction: Any, digits: int = 0) -> str:
    """Format a fraction (0.125) as a percentage ("13%")."""
    if is_missing(fraction):
        return MISSING
    return f"{number(100 * float(fraction), digits)}%"


def count(value: Any) -> str:
    """Format a count for reading: 1,234 below a million, else "1.23 M"."""
    if is_missing(value):
        return MISSING
    value = float(value)
    if abs(value) >= 1e6:
        return f"{number(value / 1e6, 2)} M"
    return number(value, 0)


def ordinal(value: Any) -> str:
    """Format a percentile as an ordinal ("71st"); missing → an em dash."""
    if is_missing(value):
        return MISSING
    n = round(float(value))
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def interval(lower: Any, upper: Any, digits: int = 2, *, as_percent: bool = False) -> str:
    """Format an interval as "0.12 to 0.34" (or "12% to 34%")."""
    if is_missing(lower) or is_missing(upper):
        return MISSING
    if as_percent:
        return f"{percent(lower, digits)} to {percent(upper, digits)}"
    return f"{number(lower, digits)} to {number(upper, digits)}"


def short_hash(value: Any, n: int = 12) -> str:
    """Return the first ``n`` characters of a checksum."""
    return MISSING if is_missing(value) or not value else str(value)[:n]
