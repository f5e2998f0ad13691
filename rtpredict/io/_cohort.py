"""Assemble the cohort AnnData from gene quantities, QC and clinical tables; write it."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd

from rtpredict import __version__
from rtpredict._files import atomic_path
from rtpredict._time import utc_stamp
from rtpredict.errors import InputError
from rtpredict.io._gtf import strip_version
from rtpredict.io._quant import GeneQuant

#: a gene counts as detected in a tumour at this TPM or above
DETECTION_TPM = 1.0


def gene_table(tx2gene: pd.DataFrame) -> pd.DataFrame:
    """Return one row per gene (index: gene ID without version): symbol, biotype, version.

    Parameters
    ----------
    tx2gene
        The transcript → gene table (:func:`read_tx2gene`).

    Returns
    -------
    pandas.DataFrame
        One row per gene.
    """
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

    Parameters
    ----------
    quant
        Gene quantities of the tumours (:func:`salmon_gene_quant`,
        :func:`featurecounts_gene_quant`).
    genes
        One row per gene (:func:`gene_table`).
    qc
        QC metrics, one row per tumour: its index gives the tumours and their order.
    clinical
        The clinical table (:func:`read_clinical`), or None.
    provenance
        Entries merged into ``uns["rtpredict"]`` (after version, creation time and scale).

    Returns
    -------
    anndata.AnnData
        The cohort, tumours × genes.
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
    """Read a cohort ``.h5ad``; a missing or unreadable file is an :class:`InputError`.

    Parameters
    ----------
    path
        The ``.h5ad`` file.

    Returns
    -------
    anndata.AnnData
        The cohort, loaded in memory.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        return ad.read_h5ad(path)
    except (OSError, KeyError, ValueError) as err:
        raise InputError(f"{path}: not a readable .h5ad file ({err})") from None


def read_batches(
    paths: Sequence[str | os.PathLike],
    *,
    genes: Sequence[str] | None = None,
    layer: str | None = None,
) -> ad.AnnData:
    """Read the expression of several cohort batches as one AnnData, genes by choice.

    Parameters
    ----------
    paths
        The batches' ``expression.h5ad`` files (``results/batches/*/expression.h5ad``), in the
        order their tumours should come.
    genes
        Gene IDs (``var_names``) to read; only those columns are read from disk, so a few
        genes of tens of thousands of tumours fit in little memory. Default: every gene.
    layer
        The layer to read as ``X`` (``"counts"``, ``"tpm"``, …); default ``X``, log1p(TPM).

    Returns
    -------
    AnnData of every batch's tumours × the genes, with each batch's ``obs`` and the ``var`` of
    the first.
    """
    import h5py
    from anndata.io import read_elem

    if genes is not None and len(set(genes)) < len(genes):
        raise InputError("genes: each gene once, please")
    parts = []
    for path in paths:
        if not Path(path).is_file():
            raise InputError(f"{path}: no such file")
        with h5py.File(path, "r") as f:
            var = read_elem(f["var"])
            columns = np.arange(len(var))
            if genes is not None:
                columns = var.index.get_indexer(list(genes))
                if (columns < 0).any():
                    missing = [g for g, c in zip(genes, columns, strict=True) if c < 0]
                    raise InputError(f"{path}: no gene {', '.join(missing[:5])}")
            key = "X" if layer is None else f"layers/{layer}"
            if not isinstance(f.get(key), h5py.Dataset):
                raise InputError(f"{path}: no dense {key} (the workflow's batches store one)")
            order = np.argsort(columns)  # HDF5 reads columns in increasing order
            matrix = f[key][:, columns[order]][:, np.argsort(order)]
            parts.append(ad.AnnData(matrix, obs=read_elem(f["obs"]), var=var.iloc[columns]))
    return ad.concat(parts, merge="first")


def write_h5ad(adata: ad.AnnData, path: str | os.PathLike) -> None:
    """Write ``adata`` to ``path`` atomically (compressed).

    Parameters
    ----------
    adata
        The AnnData to write.
    path
        The ``.h5ad`` file (replaced if it exists).
    """
    with atomic_path(path) as tmp:
        adata.write_h5ad(tmp, compression="gzip")


def _write_gene_table(path: Path, matrix: np.ndarray, genes: pd.DataFrame, columns) -> None:
    """Write genes × tumours values as TSV (``%.6g``, the text pandas' ``float_format`` gives)
    a block of rows at a time: formatting one row string per gene is ~5x faster than
    ``DataFrame.to_csv``, which formats each value in its own call."""
    row = "\t".join(["%.6g"] * matrix.shape[1])
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as out:
        out.write("\t".join(["gene_id", "symbol", *map(str, columns)]) + "\n")
        for start in range(0, matrix.shape[0], 4096):
            block = matrix[start : start + 4096].astype(np.float64)
            names = genes.iloc[start : start + 4096]
            out.writelines(
                f"{gene}\t{symbol}\t{row % tuple(values)}\n"
                for gene, symbol, values in zip(names.index, names["symbol"], block, strict=True)
            )


def export_tsv(adata: ad.AnnData, outdir: str | os.PathLike, *, genes: bool = True) -> list[Path]:
    """Export obs and (unless ``genes=False``) gene counts and TPM as TSV files for R users.

    Genes are written as genes × tumours, with symbols.

    Parameters
    ----------
    adata
        The cohort AnnData.
    outdir
        Directory to write into (created if needed).
    genes
        Write the gene tables too, not only ``obs``.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    outdir = Path(outdir)
    written = []
    for name, layer in (("gene_counts", "counts"), ("gene_tpm", "tpm")) if genes else ():
        path = outdir / f"{name}.tsv"
        _write_gene_table(path, adata.layers[layer].T, adata.var, adata.obs_names)
        written.append(path)
    path = outdir / "samples.tsv"
    with atomic_path(path) as tmp:
        adata.obs.to_csv(tmp, sep="\t", index_label="sample_id", float_format="%.6g")
    written.append(path)
    return written
