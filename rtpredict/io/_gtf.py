"""GTF → transcript-to-gene table, reconciling versioned and unversioned Ensembl IDs."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from rtpredict._files import atomic_path
from rtpredict.errors import InputError

_ATTRIBUTES = {
    "transcript_id": r'transcript_id "([^"]+)"',
    "transcript_version": r'transcript_version "([^"]+)"',
    "gene_id": r'gene_id "([^"]+)"',
    "gene_version": r'gene_version "([^"]+)"',
    "symbol": r'gene_name "([^"]+)"',
    "biotype": r'gene_(?:bio)?type "([^"]+)"',
}
_VERSION = r"\.\d+$"


def strip_version(ids: pd.Series | pd.Index) -> pd.Series | pd.Index:
    """Remove a trailing Ensembl version (``ENST00000269305.9`` → ``ENST00000269305``).

    Parameters
    ----------
    ids
        Ensembl IDs, with or without version.

    Returns
    -------
    pandas.Series or pandas.Index
        The IDs without version, of the type given.
    """
    return ids.str.replace(_VERSION, "", regex=True)


def read_tx2gene(gtf: str | os.PathLike) -> pd.DataFrame:
    """Read the transcript → gene table of a GTF (Ensembl or GENCODE style).

    Ensembl GTFs keep versions apart (``transcript_id "ENST…"; transcript_version "7"``) while
    transcript FASTA headers carry ``ENST….7``; GENCODE GTFs write the version into the ID.
    Both forms are returned: ``transcript_id`` without version and ``transcript_id_versioned``
    (equal when the GTF has no version). Genes are keyed by ``gene_id`` without version.

    Parameters
    ----------
    gtf
        The GTF file (plain or gzipped).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``transcript_id`` with columns ``transcript_id_versioned``, ``gene_id``,
        ``gene_id_versioned``, ``symbol``, ``biotype``, ``length`` (sum of exons).
    """
    try:
        gtf_table = pd.read_csv(
            gtf,
            sep="\t",
            comment="#",
            header=None,
            usecols=[2, 3, 4, 8],
            names=["feature", "start", "end", "attributes"],
            dtype=str,
            keep_default_na=False,
        )
    except (pd.errors.ParserError, ValueError) as err:
        raise InputError(f"{gtf}: not a readable GTF (9 tab-separated columns): {err}") from err
    exons = gtf_table[gtf_table["feature"] == "exon"]
    if exons.empty:
        raise InputError(f"{gtf}: no 'exon' lines: is this a GTF of gene models?")
    attrs = pd.DataFrame(
        {k: exons["attributes"].str.extract(rx, expand=False) for k, rx in _ATTRIBUTES.items()}
    )
    if attrs["transcript_id"].isna().any() or attrs["gene_id"].isna().any():
        line = attrs.index[attrs["transcript_id"].isna() | attrs["gene_id"].isna()][0]
        raise InputError(
            f"{gtf}: an exon line lacks transcript_id or gene_id (data row {line + 1})"
        )
    coords = exons[["start", "end"]].apply(pd.to_numeric, errors="coerce")
    whole = (np.isfinite(coords) & (coords % 1 == 0)).all(axis=1)
    if not whole.all():
        line = exons.index[~whole.to_numpy()][0]
        raise InputError(f"{gtf}: exon start and end must be whole numbers (data row {line + 1})")
    attrs["length"] = (coords["end"] - coords["start"] + 1).astype("int64").to_numpy()
    lengths = attrs.groupby("transcript_id", sort=False)["length"].sum()
    tx = attrs.drop(columns="length").drop_duplicates("transcript_id").set_index("transcript_id")
    tx["length"] = lengths
    versioned_tx = tx.index.to_series()
    has_version = tx["transcript_version"].notna()
    versioned_tx[has_version] += "." + tx.loc[has_version, "transcript_version"]
    versioned_gene = tx["gene_id"].copy()
    has_gene_version = tx["gene_version"].notna()
    versioned_gene[has_gene_version] += "." + tx.loc[has_gene_version, "gene_version"]
    out = pd.DataFrame(
        {
            "transcript_id_versioned": versioned_tx,
            "gene_id": strip_version(tx["gene_id"]),
            "gene_id_versioned": versioned_gene,
            "symbol": tx["symbol"].fillna(tx["gene_id"]),
            "biotype": tx["biotype"].fillna("unknown"),
            "length": tx["length"].astype("int64"),
        }
    )
    out.index = strip_version(out.index)
    out.index.name = "transcript_id"
    if out.index.has_duplicates:
        dup = out.index[out.index.duplicated()][0]
        raise InputError(f"{gtf}: transcript {dup} appears under several versions or genes")
    return out


def match_transcripts(names: pd.Index, tx2gene: pd.DataFrame) -> pd.Series:
    """Map quantified transcript names to gene IDs, whatever their version form.

    Accepts ``ENST….7``, ``ENST…`` and GENCODE ``ENST….7|ENSG….3|…`` headers.

    Parameters
    ----------
    names
        Transcript names as the quantifier wrote them.
    tx2gene
        The transcript → gene table (:func:`read_tx2gene`).

    Returns
    -------
    pandas.Series
        Indexed by ``names``, holding the gene ID; NaN where the GTF lacks the transcript.
    """
    first_field = names.str.split("|").str[0]
    by_versioned = tx2gene.set_index("transcript_id_versioned")["gene_id"]
    gene = pd.Series(first_field.map(by_versioned), index=names)
    missing = gene.isna().to_numpy()
    gene[missing] = strip_version(first_field[missing]).map(tx2gene["gene_id"])
    return gene


def read_gene_intervals(gtf: str | os.PathLike) -> pd.DataFrame:
    """Return each gene's span and strand from a GTF's exon lines.

    Parameters
    ----------
    gtf
        The GTF file (plain or gzipped).

    Returns
    -------
    pandas.DataFrame
        Columns ``contig``, ``start``, ``end`` (1-based, inclusive), ``strand``; index
        ``gene_id`` without version.
    """
    exons = pd.read_csv(
        gtf,
        sep="\t",
        comment="#",
        header=None,
        usecols=[0, 2, 3, 4, 6, 8],
        names=["contig", "feature", "start", "end", "strand", "attributes"],
        dtype={"contig": str, "feature": str},
    )
    exons = exons[exons["feature"] == "exon"]
    exons = exons.assign(
        gene_id=strip_version(exons["attributes"].str.extract(_ATTRIBUTES["gene_id"], expand=False))
    )
    return exons.groupby("gene_id").agg(
        contig=("contig", "first"),
        start=("start", "min"),
        end=("end", "max"),
        strand=("strand", "first"),
    )


#: columns of a saved transcript → gene table (:func:`write_tx2gene`)
_TX2GENE_COLUMNS = ["transcript_id_versioned", "gene_id", "gene_id_versioned", "symbol", "biotype"]


def write_tx2gene(tx2gene: pd.DataFrame, path: str | os.PathLike) -> None:
    """Save a :func:`read_tx2gene` table as TSV (atomically), to read the GTF once per run.

    Parameters
    ----------
    tx2gene
        The table to save.
    path
        The TSV file to write.
    """
    with atomic_path(path) as tmp:
        tx2gene.to_csv(tmp, sep="\t")


def load_tx2gene(path: str | os.PathLike) -> pd.DataFrame:
    """Read a table saved by :func:`write_tx2gene`; a GTF (``.gtf``, ``.gtf.gz``) is parsed.

    Parameters
    ----------
    path
        A TSV written by :func:`write_tx2gene`, or a GTF.

    Returns
    -------
    pandas.DataFrame
        The transcript → gene table, as :func:`read_tx2gene` returns it.
    """
    if str(path).endswith((".gtf", ".gtf.gz")):
        return read_tx2gene(path)
    try:
        table = pd.read_csv(
            path, sep="\t", index_col=0, dtype=str, keep_default_na=False, na_values=[]
        )
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise InputError(f"{path}: cannot read the transcript → gene table: {err}") from err
    missing = [c for c in [*_TX2GENE_COLUMNS, "length"] if c not in table.columns]
    if missing or table.index.name != "transcript_id":
        raise InputError(f"{path}: not a transcript → gene table (missing {missing})")
    table["length"] = table["length"].astype("int64")
    return table
