"""Assemble the cohort AnnData from gene quantities, QC and clinical tables; write it."""

from __future__ import annotations

import os
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd

from rtpredict import __version__
from rtpredict._time import utc_stamp
from rtpredict.errors import InputError
from rtpredict.io._atomic import atomic_path
from rtpredict.io._gtf import strip_version
from rtpredict.io._quant import GeneQuant

#: a gene counts as detected in a tumour at this TPM or above
DETECTION_TPM = 1.0


def gene_table(tx2gene: pd.DataFrame) -> pd.DataFrame:
    """Return one row per gene (index: gene ID without version): symbol, biotype, version."""
    genes = tx2gene.drop_duplicates("gene_id").set_index("gene_id")
    return genes[["symbol", "biotype", "gene_id_versioned"]]


def build_cohort(
    quant: GeneQuant,
    genes: pd.DataFrame,
    qc: pd.DataFrame,
    clinical: pd.DataFrame | None = None,
    *,
    provenance: dict | None = None,
) -> ad.AnnData:
    """Return the cohort AnnData: tumours × genes.

    ``X`` = log1p(TPM) (float32); ``layers``: ``counts``, ``tpm``, ``length_scaled_counts``;
    ``var`` indexed by gene ID without version with ``symbol``; ``obs`` = QC metrics, then
    clinical covariates (NaN for tumours the clinical table lacks), plus ``genes_detected``.
    """
    order = list(qc.index)
    tpm = quant.tpm.loc[order]
    tpm.columns = strip_version(pd.Index(tpm.columns.astype(str)))
    var = genes.reindex(tpm.columns)
    var["symbol"] = var["symbol"].fillna(pd.Series(var.index, index=var.index))
    obs = qc.copy()
    obs["genes_detected"] = (tpm.to_numpy() >= DETECTION_TPM).sum(axis=1)
    if clinical is not None:
        obs = obs.join(clinical.drop(columns=obs.columns.intersection(clinical.columns)))
    obs.index.name = None
    var.index.name = None

    def layer(frame: pd.DataFrame) -> np.ndarray:
        return frame.loc[order].to_numpy(dtype=np.float32)

    adata = ad.AnnData(
        X=np.log1p(tpm.to_numpy(dtype=np.float32)),
        obs=obs,
        var=var,
        layers={
            "counts": layer(quant.counts),
            "tpm": tpm.to_numpy(dtype=np.float32),
            "length_scaled_counts": layer(quant.length_scaled_counts()),
        },
    )
    adata.uns["rtpredict"] = {
        "version": __version__,
        "created_utc": utc_stamp(),
        "X": "log1p(TPM)",
        "detection_tpm": DETECTION_TPM,
        **(provenance or {}),
    }
    return adata


def read_h5ad(path: str | os.PathLike) -> ad.AnnData:
    """Read a cohort ``.h5ad``; a missing or unreadable file is an :class:`InputError`."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        return ad.read_h5ad(path)
    except (OSError, KeyError, ValueError) as err:
        raise InputError(f"{path}: not a readable .h5ad file ({err})") from None


def write_h5ad(adata: ad.AnnData, path: str | os.PathLike) -> None:
    """Write ``adata`` to ``path`` atomically (compressed)."""
    with atomic_path(path) as tmp:
        adata.write_h5ad(tmp, compression="gzip")


def export_tsv(adata: ad.AnnData, outdir: str | os.PathLike) -> list[Path]:
    """Export gene counts, TPM (genes × tumours, with symbols) and obs as TSV files for R users."""
    outdir = Path(outdir)
    written = []
    for name, layer in (("gene_counts", "counts"), ("gene_tpm", "tpm")):
        frame = pd.DataFrame(adata.layers[layer].T, index=adata.var_names, columns=adata.obs_names)
        frame.insert(0, "symbol", adata.var["symbol"].to_numpy())
        path = outdir / f"{name}.tsv"
        with atomic_path(path) as tmp:
            frame.to_csv(tmp, sep="\t", index_label="gene_id", float_format="%.6g")
        written.append(path)
    path = outdir / "samples.tsv"
    with atomic_path(path) as tmp:
        adata.obs.to_csv(tmp, sep="\t", index_label="sample_id", float_format="%.6g")
    written.append(path)
    return written
