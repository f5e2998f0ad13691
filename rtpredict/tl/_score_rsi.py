"""``score_rsi``: the Radiosensitivity Index of each tumour."""

from __future__ import annotations

import numpy as np
from anndata import AnnData

from rtpredict.signatures import get_signature
from rtpredict.tl import _scoring
from rtpredict.tl._scale import input_scale
from rtpredict.tl._score_signatures import signature_record


def score_rsi(
    adata: AnnData,
    *,
    layer: str | None = None,
    key_added: str = "rsi",
    scale: str | None = None,
    copy: bool = False,
) -> AnnData | None:
    """Score the Radiosensitivity Index (RSI) of each tumour.

    Eschrich SA et al., Int J Radiat Oncol Biol Phys 2009;75:489 (DOI
    10.1016/j.ijrobp.2009.06.014): the 10 genes are ranked among themselves within each tumour
    (ties averaged) and RSI = sum(coefficient x rank), no intercept. Higher RSI = more
    radioresistant (RSI is read as a predicted SF2). Ranks make RSI the same on TPM or
    log1p(TPM); the normalisation before ranking (TPM from salmon here) does matter.
    A missing RSI gene gives NaN for every tumour, never a 9-gene RSI; the reason is logged.
    The ranks need normalised expression: TPM, log1p TPM or log microarray values; raw counts
    and per-gene z-scores are refused (InputError with the reason; ``rule.scales`` in the
    catalog).

    Parameters
    ----------
    adata
        Tumours x genes; ``X`` log1p(TPM) (any per-sample monotone scale works).
    layer
        Use ``adata.layers[layer]`` instead of ``X``.
    key_added
        obs column of the score; coverage goes to ``{key_added}_coverage``.
    scale
        The scale of the matrix (:data:`rtpredict.signatures.SCALES`); None detects it
        (:func:`detect_scale`).
    copy
        Return a modified copy instead of writing into ``adata``.

    Returns
    -------
    None, or the copy. Writes ``obs[key_added]``, ``obs[f"{key_added}_coverage"]`` and
    ``uns[key_added]`` (``params``, ``scale``, how each gene was matched, and ``columns``: the
    link of ``key_added`` to the catalog's ``rsi``).
    """
    adata = adata.copy() if copy else adata
    found = input_scale(adata, layer, scale)
    (item,) = _scoring.score(
        adata,
        [get_signature("rsi")],
        layer=layer,
        method="singscore",
        ties="average",
        reference=None,
        min_coverage=None,
        scale=found,
    )
    adata.obs[key_added] = item.scores
    adata.obs[f"{key_added}_coverage"] = np.full(adata.n_obs, item.coverage)
    params = {"key_added": key_added} | ({"layer": layer} if layer is not None else {})
    params |= {"scale": scale} if scale is not None else {}
    record = signature_record(item, "rsi_rank")
    record["matched_by"] = {
        g.symbol: how for g, how in zip(item.signature.genes, item.match.how, strict=True)
    }
    adata.uns[key_added] = {
        "params": params,
        "scale": found.to_dict(),
        "columns": {key_added: "rsi"},
    } | record
    return adata if copy else None
