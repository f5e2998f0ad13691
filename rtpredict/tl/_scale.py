"""The input contract of the scoring tools: which scale an expression matrix is on.

Every signature rule is valid on some scales only (``rule.scales`` in its catalog file, with the
reason): ranks do not care whether expression is TPM or its log, a mean of logs does, and
cytolytic activity needs linear TPM. The scoring tools therefore detect the scale of the matrix
they read (or take ``scale=``), refuse a signature whose rule does not fit it, and record the
scale in ``uns``.

The detector is a documented heuristic on at most `DETECTION_ROWS` tumours (evenly spaced, so a
large cohort costs no more than a small one), finite values only, rules in this order:

0. ``X`` equal to ``log1p(layers["tpm"])`` (as the workflow's cohorts and
   :func:`rtpredict.io.read_salmon` write them): **log1p_tpm**, confirmed.
1. Negative values: **zscore** when the genes' means sit at 0 (median over genes of |mean|
   below 0.1, with at least 3 tumours), else **log_microarray** (log ratios, or log10 of
   intensities below 1).
2. Integers only, largest above 100: **counts**.
3. Largest value above 50 (no log scale of expression reaches it; log2 of 1e6 is 19.9):
   **tpm**, a linear abundance; per-tumour sums near 1e6 confirm TPM.
4. Otherwise a log scale:

   - ``expm1`` of each tumour sums to 1e6 (within 2%): **log1p_tpm**, confirmed;
   - largest value above log1p(1e6) = 13.8, which log1p TPM cannot reach: **log_microarray**;
   - smallest value below 0.05 (a gene without reads: log1p TPM reaches 0, while microarray
     log intensities stay above the background): **log1p_tpm**, not confirmed (a gene subset,
     or another log of TPM + 1: pass ``scale=`` if so);
   - nothing near 0, as microarray intensities: **log_microarray**.

The scale of ``X`` and of each layer can always be stated with ``scale=`` instead, e.g. when a
log2(TPM + 1) matrix (``"log_microarray"``) would pass for log1p TPM.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from anndata import AnnData
from scipy import sparse

from rtpredict.errors import InputError
from rtpredict.signatures import SCALES, Signature

#: tumours the detector looks at, at most (evenly spaced over the matrix)
DETECTION_ROWS = 200
#: TPM sums to this per tumour
TPM_TOTAL = 1e6
#: the largest value log1p(TPM) can take
LOG1P_TPM_MAX = float(np.log1p(TPM_TOTAL))
#: a log-scale value below this is an (almost) unexpressed gene: RNA-seq, not a microarray
NEAR_ZERO = 0.05


@dataclass(frozen=True)
class Scale:
    """The scale of an expression matrix, for messages and ``uns``.

    Parameters
    ----------
    name
        A key of :data:`rtpredict.signatures.SCALES`.
    source
        ``"detected"`` (:func:`detect_scale`) or ``"declared"`` (``scale=``).
    evidence
        Why: the rule that decided, or what was declared.
    """

    name: str
    source: str
    evidence: str

    def __str__(self) -> str:
        return f"{self.name} ({self.source}: {self.evidence})"

    def to_dict(self) -> dict:
        """Return the ``uns`` record: ``name``, ``source``, ``evidence``.

        Returns
        -------
        dict
            ``{"name", "source", "evidence"}``.
        """
        return {"name": self.name, "source": self.source, "evidence": self.evidence}


def detect_scale(adata: AnnData, *, layer: str | None = None) -> Scale:
    """Detect the scale of ``X`` (or ``layers[layer]``).

    One of counts, tpm, log1p_tpm, log_microarray or zscore. The rules and thresholds are in
    :mod:`rtpredict.tl._scale`'s documentation; the returned :class:`Scale` says which rule
    decided (``evidence``). When the detection is wrong for your matrix, state the scale with
    the scoring tools' ``scale=``.

    Parameters
    ----------
    adata
        Tumours × genes.
    layer
        Read ``adata.layers[layer]`` instead of ``X``.

    Returns
    -------
    Scale
        The detected scale (``source="detected"``).

    Raises
    ------
    InputError
        The matrix holds no finite value.
    """
    x = _rows(adata, layer)
    if layer is None and "tpm" in adata.layers:
        with np.errstate(invalid="ignore"):
            linear = np.log1p(_rows(adata, "tpm"))
        if linear.shape == x.shape and np.allclose(x, linear, rtol=1e-4, atol=1e-4, equal_nan=True):
            return Scale("log1p_tpm", "detected", "X = log1p(layers['tpm'])")
    return Scale(*_detect(x))


def input_scale(adata: AnnData, layer: str | None, scale: str | None) -> Scale:
    """Return the declared ``scale`` (checked against `SCALES`) or the detected one."""
    if scale is None:
        return detect_scale(adata, layer=layer)
    if scale not in SCALES:
        raise InputError(
            f"scale {scale!r} is not one of {tuple(SCALES)}: "
            + "; ".join(f"{k}: {v}" for k, v in SCALES.items())
            + "."
        )
    return Scale(scale, "declared", "given as scale=")


def require_scale(signatures: Sequence[Signature], scale: Scale) -> None:
    """Raise InputError naming each signature whose rule is not valid on ``scale``, with its
    reason, the signatures that are, and how to state the scale when it was misdetected."""
    refused = [s for s in signatures if scale.name not in s.rule.scales]
    if not refused:
        return
    reasons = "; ".join(
        f"{s.name} ({s.rule.method}) is valid on {', '.join(s.rule.scales)} only: "
        f"{s.rule.scales_reason.rstrip('.')}"
        for s in refused
    )
    valid = [s.name for s in signatures if s not in refused]
    others = f" Score the others with signatures={valid}." if valid else ""
    fix = (
        f" If this is not the matrix's scale, pass scale= (one of {', '.join(SCALES)})."
        if scale.source == "detected"
        else ""
    )
    raise InputError(
        f"{len(refused)} signature(s) cannot be scored on this matrix, whose scale is "
        f"{scale}. {reasons}.{others}{fix}"
    )


def _rows(adata: AnnData, layer: str | None) -> np.ndarray:
    """Return at most `DETECTION_ROWS` evenly spaced tumours of the matrix, dense float64."""
    if layer is not None and layer not in adata.layers:
        raise InputError(
            f"layer {layer!r} not in the AnnData (layers: {', '.join(adata.layers) or 'none'})."
        )
    matrix = adata.X if layer is None else adata.layers[layer]
    if matrix is None:
        raise InputError("the AnnData has no X; give the expression in X or a layer.")
    n = matrix.shape[0]
    rows = np.unique(np.linspace(0, n - 1, min(n, DETECTION_ROWS)).round().astype(int))
    part = matrix[rows] if n else matrix
    part = part.toarray() if sparse.issparse(part) else np.asarray(part)
    return part.astype(np.float64)


def _detect(x: np.ndarray) -> tuple[str, str, str]:
    """Apply the detection rules to a tumours x genes sample; return the `Scale` fields."""
    finite = np.isfinite(x)
    if not finite.any():
        raise InputError(
            "the expression matrix holds no finite value, so its scale cannot be detected."
        )
    # NaN stands in for a non-finite value in the sums below; a finite matrix is read as it is
    masked = x if finite.all() else np.where(finite, x, np.nan)
    values = x[finite]
    low, high = float(values.min()), float(values.max())
    span = f"values {low:.3g} to {high:.3g}"
    if low < 0:
        if x.shape[0] >= 3:
            with np.errstate(invalid="ignore"):
                means = np.nanmean(masked, axis=0)
            centre = float(np.nanmedian(np.abs(means)))
            if centre < 0.1:
                return (
                    "zscore",
                    "detected",
                    f"{span}; genes' means at 0 (median |mean| {centre:.2g})",
                )
        return "log_microarray", "detected", f"{span}; negative values not centred per gene"
    if high > 100 and np.all(values == np.round(values)):
        return "counts", "detected", f"integers, {span}"
    with np.errstate(invalid="ignore"):
        sums = np.nansum(masked, axis=1)
    if high > 50:
        total = float(np.median(sums))
        confirmed = abs(total / TPM_TOTAL - 1) <= 0.02
        what = "TPM sum to 1e6 per tumour" if confirmed else f"median per-tumour sum {total:.3g}"
        return "tpm", "detected", f"{span}, linear (above any log scale); {what}"
    with np.errstate(over="ignore", invalid="ignore"):
        linear = np.nansum(np.expm1(masked), axis=1)
    total = float(np.median(linear))
    if abs(total / TPM_TOTAL - 1) <= 0.02:
        return "log1p_tpm", "detected", f"{span}; expm1 sums to 1e6 per tumour"
    if high > LOG1P_TPM_MAX + 0.01:
        return "log_microarray", "detected", f"{span}, above log1p(1e6) = 13.8"
    if low < NEAR_ZERO:
        return (
            "log1p_tpm",
            "detected",
            f"{span}; values near 0 as unexpressed genes give, but expm1 sums to {total:.3g} "
            "per tumour, not 1e6 (a gene subset?): not confirmed",
        )
    return "log_microarray", "detected", f"{span}; nothing near 0, as microarray intensities"
