"""Which variants count: passing, non-synonymous or hotspot; coding for tumour mutational burden.

The consequence sets are defined in :mod:`rtpredict.genomics._consequences`. A hotspot hit always
counts as a qualifying (non-synonymous) mutation and as coding, whatever its annotation says;
a group declared ``qualifying: truncating`` counts truncating consequences only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rtpredict.genomics._consequences import CODING, NON_SYNONYMOUS, TRUNCATING

PASSING = ("PASS", ".")


def is_passing(variants: pd.DataFrame) -> pd.Series:
    """Tell which rows passed the caller's filters (FILTER ``PASS`` or ``.``).

    Parameters
    ----------
    variants
        A variants table.

    Returns
    -------
    pandas.Series
        bool, one per row.
    """
    return variants["filter"].isin(PASSING)


def is_qualifying(variants: pd.DataFrame, *, truncating: bool = False) -> pd.Series:
    """Tell which rows mutate their gene: passing, and a hotspot allele or non-synonymous.

    With ``truncating``, passing and truncating only (a missense hotspot does not count).

    Parameters
    ----------
    variants
        A variants table.
    truncating
        Count truncating variants only.

    Returns
    -------
    pandas.Series
        bool, one per row.
    """
    if truncating:
        return is_passing(variants) & variants["consequence"].isin(TRUNCATING)
    return is_passing(variants) & (
        variants["hotspot"] | variants["consequence"].isin(NON_SYNONYMOUS)
    )


def is_coding(variants: pd.DataFrame) -> pd.Series:
    """Tell which rows are passing coding variants (non-synonymous, synonymous, hotspot…).

    Parameters
    ----------
    variants
        A variants table.

    Returns
    -------
    pandas.Series
        bool, one per row.
    """
    return is_passing(variants) & (variants["hotspot"] | variants["consequence"].isin(CODING))


def tumour_mutational_burden(
    variants: pd.DataFrame, *, callable_mb: float | pd.Series, by: str | None = None
) -> float | pd.Series:
    """Return coding passing variants per megabase of callable sequence.

    The burden is NaN when a passing variant has no known consequence (an unannotated VCF off the
    hotspot list): whether it is coding cannot be told. With ``by``, one value per group of that
    column, ``callable_mb`` then being a number or a Series indexed by group.

    Parameters
    ----------
    variants
        A variants table.
    callable_mb
        Megabases of callable sequence: a number, or with ``by`` a Series indexed by group.
    by
        A column to group by (e.g. ``sample_id``).

    Returns
    -------
    float or pandas.Series
        Variants per megabase; a Series indexed by group with ``by``.
    """
    passing = is_passing(variants)
    frame = pd.DataFrame(
        {
            "coding": is_coding(variants),
            "unknown": passing & variants["consequence"].isna() & ~variants["hotspot"],
        }
    )
    if by is None:
        if frame["unknown"].any() or not callable_mb > 0:
            return float("nan")
        return float(frame["coding"].sum()) / float(callable_mb)
    sums = frame.groupby(variants[by], observed=False).sum()
    size = pd.Series(callable_mb, index=sums.index, dtype=float)
    burden = sums["coding"] / size.where(size > 0)
    return burden.where(sums["unknown"] == 0, np.nan).astype(float)
