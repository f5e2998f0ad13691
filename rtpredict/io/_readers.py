"""Public readers returning AnnData: salmon and featureCounts outputs of a cohort."""

from __future__ import annotations

import os
from collections.abc import Mapping

import anndata as ad
import pandas as pd

from rtpredict.io._cohort import build_cohort, gene_table
from rtpredict.io._gtf import read_tx2gene
from rtpredict.io._quant import featurecounts_gene_quant, salmon_gene_quant


def _tx2gene(tx2gene: pd.DataFrame | str | os.PathLike) -> pd.DataFrame:
    return tx2gene if isinstance(tx2gene, pd.DataFrame) else read_tx2gene(tx2gene)


def read_salmon(
    paths: Mapping[str, str | os.PathLike], *, tx2gene: pd.DataFrame | str | os.PathLike
) -> ad.AnnData:
    """Read salmon ``quant.sf`` files (sample ID → path) into a gene-level AnnData.

    Parameters
    ----------
    paths
        Sample ID → ``quant.sf`` path.
    tx2gene
        Output of :func:`read_tx2gene` or the path of the GTF to read it from.

    Returns
    -------
    Tumours × genes: ``X`` log1p(TPM), ``layers["counts"]``, ``layers["tpm"]``,
    ``layers["length_scaled_counts"]``, ``var["symbol"]``.
    """
    table = _tx2gene(tx2gene)
    quant = salmon_gene_quant(paths, table)
    return build_cohort(quant, gene_table(table), pd.DataFrame(index=list(paths)))


def read_featurecounts(
    paths: Mapping[str, str | os.PathLike], *, tx2gene: pd.DataFrame | str | os.PathLike
) -> ad.AnnData:
    """Read per-sample featureCounts tables (sample ID → path) into a gene-level AnnData.

    ``tx2gene`` (or its GTF) supplies gene symbols; layers as in :func:`read_salmon`.

    Parameters
    ----------
    paths
        Sample ID → featureCounts table (one count column each).
    tx2gene
        The transcript → gene table (:func:`read_tx2gene`), or a GTF or saved table to read it
        from.

    Returns
    -------
    anndata.AnnData
        Tumours × genes.
    """
    quant = featurecounts_gene_quant(paths)
    return build_cohort(quant, gene_table(_tx2gene(tx2gene)), pd.DataFrame(index=list(paths)))
