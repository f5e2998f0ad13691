"""``gard``: genomic-adjusted radiation dose of each tumour's radiotherapy plan."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from anndata import AnnData

from rtpredict import radiobiology
from rtpredict.errors import InputError

logger = logging.getLogger("rtpredict.tl")


def _per_tumour(adata: AnnData, value, column: str) -> np.ndarray:
    """Return a float per tumour from an obs column (value None), a number or a sequence."""
    if value is None:
        if column not in adata.obs:
            raise InputError(
                f"obs has no {column!r} column; add it or pass {column}= (a number or one value "
                "per tumour)."
            )
        value = adata.obs[column]
    if isinstance(value, pd.Series) and not value.index.equals(adata.obs_names):
        value = value.reindex(adata.obs_names)
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{column}: values must be numbers.") from None
    if array.ndim == 0:
        return np.full(adata.n_obs, float(array))
    if array.shape != (adata.n_obs,):
        raise InputError(f"{column}: need one value per tumour ({adata.n_obs}), got {array.shape}.")
    return array


def gard(
    adata: AnnData,
    *,
    dose_per_fraction: float | np.ndarray | pd.Series | None = None,
    fractions: float | np.ndarray | pd.Series | None = None,
    rsi_key: str = "rsi",
    key_added: str = "gard",
    target_gard: float | None = None,
    beta: float = radiobiology.GARD_BETA,
    copy: bool = False,
) -> AnnData | None:
    """Compute GARD for each tumour's planned schedule, and the fractions to reach a target.

    GARD = n d (alpha + beta d) with alpha = ln(RSI)/(-2) - 2 beta and beta = 0.05 Gy^-2
    (Scott JG et al., Lancet Oncol 2017;18:202; pooled analysis Lancet Oncol 2021).

    Parameters
    ----------
    adata
        Tumours with ``obs[rsi_key]`` (from :func:`score_rsi`).
    dose_per_fraction, fractions
        The plan: None reads obs ``dose_per_fraction`` (Gy) and ``fractions`` (may be
        non-integer); or a number for every tumour, or one value per tumour.
    rsi_key
        obs column holding RSI.
    key_added
        obs column of GARD; the fractions to the target go to
        ``{key_added}_fractions_to_target``.
    target_gard
        If given, also compute the fractions needed at each tumour's dose per fraction.
    beta
        The model's beta (Gy^-2).
    copy
        Return a modified copy instead of writing into ``adata``.

    Returns
    -------
    None, or the copy. Tumours without RSI or without a plan get NaN (counts logged); RSI <= 0
    or a negative dose give NaN with a :class:`~rtpredict.radiobiology.RadiobiologyWarning`.
    """
    adata = adata.copy() if copy else adata
    if rsi_key not in adata.obs:
        raise InputError(f"obs has no {rsi_key!r} column; run rtpredict.tl.score_rsi first.")
    rsi = _per_tumour(adata, None, rsi_key)
    d = _per_tumour(adata, dose_per_fraction, "dose_per_fraction")
    n = _per_tumour(adata, fractions, "fractions")
    no_rsi, no_plan = np.isnan(rsi), np.isnan(d) | np.isnan(n)
    if no_rsi.any() or no_plan.any():
        logger.info(
            "GARD is NaN for %d tumours without RSI and %d without a dose plan",
            int(no_rsi.sum()),
            int((no_plan & ~no_rsi).sum()),
        )
    adata.obs[key_added] = radiobiology.gard(rsi, d, n, beta=beta)
    params: dict = {"rsi_key": rsi_key, "beta": beta}
    params["dose_per_fraction"] = (
        "obs['dose_per_fraction']" if dose_per_fraction is None else "argument"
    )
    params["fractions"] = "obs['fractions']" if fractions is None else "argument"
    if target_gard is not None:
        needed = radiobiology.fractions_for_gard(target_gard, rsi, d, beta=beta)
        adata.obs[f"{key_added}_fractions_to_target"] = needed
        params["target_gard"] = float(target_gard)
    adata.uns[key_added] = {"params": params}
    return adata if copy else None
