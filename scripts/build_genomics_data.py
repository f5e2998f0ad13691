"""Derive the genomics tables shipped in rtpredict/data/genomics/ from the project's shared data.

Reads ``shared/data/human_gene_ids/`` (org.Hs.eg.db 3.16.0) and ``shared/data/cancer_hotspots/``
(Cancer Hotspots v2 as redistributed by maftools) and writes, deterministically (gzip without a
timestamp, sorted rows):

- ``gene_intervals_GRCh38.tsv.gz``: one row per gene and primary chromosome, the union span of
  the gene's hg38 locations (1-based, inclusive), biological regions left out;
- ``cancer_hotspots_v2_GRCh37.tsv.gz`` and ``cancer_hotspots_v2_GRCh38.tsv.gz``: the hotspot
  tables with a header, chromosome names with ``chr`` (``chrM`` for the mitochondrion);
- the two licence files next to them.

The shared folder is ``$RTPREDICT_SHARED`` or ``shared/`` beside the project root. Run from the
project root: ``python scripts/build_genomics_data.py``.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import shutil
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "rtpredict" / "data" / "genomics"
PRIMARY = [str(i) for i in range(1, 23)] + ["X", "Y", "M"]
RANK = {f"chr{name}": i for i, name in enumerate(PRIMARY)}
_LOCATION = re.compile(r"^(?P<chrom>[^:]+):(?P<start>-?\d+)-(?P<end>-?\d+)$")


def shared_dir() -> Path:
    """Return the shared data folder (``$RTPREDICT_SHARED`` or ``shared/`` beside the root)."""
    env = os.environ.get("RTPREDICT_SHARED")
    path = Path(env) if env else ROOT.parent / "shared"
    if not (path / "data").is_dir():
        sys.exit(f"shared data not found at {path}; set RTPREDICT_SHARED to the shared folder")
    return path / "data"


def write_tsv_gz(frame: pd.DataFrame, path: Path) -> None:
    """Write a TSV compressed with gzip, byte-identical from run to run (no name, no mtime)."""
    text = frame.to_csv(sep="\t", index=False, lineterminator="\n").encode()
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as gz:
        gz.write(text)
    path.write_bytes(buffer.getvalue())


def gene_intervals(genes_tsv: Path) -> pd.DataFrame:
    """Return the union span of each gene on each primary chromosome (1-based, inclusive).

    org.Hs.eg.db's hg38 locations (UCSC CHRLOC/CHRLOCEND) give a 0-based start and an inclusive
    end, negated for the minus strand; e.g. KRAS ``12:-25205245--25250929`` is Ensembl's
    ``12:25205246-25250929``. Alternate haplotypes and fix patches are left out.
    """
    table = pd.read_csv(genes_tsv, sep="\t", dtype=str, keep_default_na=False)
    table = table[
        (table["locations_signed_hg38"] != "") & (table["gene_type"] != "biological-region")
    ]
    rows = []
    for gene in table.itertuples(index=False):
        for location in gene.locations_signed_hg38.split(";"):
            match = _LOCATION.match(location)
            if match is None or match["chrom"] not in PRIMARY:
                continue
            start, end = int(match["start"]), int(match["end"])
            rows.append(
                (
                    "chr" + match["chrom"],
                    abs(start) + 1,
                    abs(end),
                    "-" if start < 0 else "+",
                    gene.symbol,
                    gene.gene_type,
                    gene.entrez_id,
                    gene.ensembl_gene_ids,
                )
            )
    spans = pd.DataFrame(
        rows,
        columns=[
            "chrom",
            "start",
            "end",
            "strand",
            "symbol",
            "gene_type",
            "entrez_id",
            "ensembl_gene_ids",
        ],
    )
    keys = ["chrom", "symbol", "gene_type", "entrez_id", "ensembl_gene_ids"]
    merged = spans.groupby(keys, as_index=False, sort=False).agg(
        start=("start", "min"),
        end=("end", "max"),
        strand=("strand", lambda s: s.iloc[0] if (s == s.iloc[0]).all() else "."),
    )
    merged["chrom_order"] = merged["chrom"].map(RANK)
    merged = merged.sort_values(["chrom_order", "start", "end", "symbol"], kind="stable")
    columns = ["chrom", "start", "end", "strand", "symbol", "gene_type", "entrez_id"]
    return merged[[*columns, "ensembl_gene_ids"]].reset_index(drop=True)


def hotspots(path: Path) -> pd.DataFrame:
    """Return a Cancer Hotspots v2 table with a header and ``chr``-prefixed chromosome names."""
    table = pd.read_csv(
        path,
        sep="\t",
        header=None,
        dtype=str,
        keep_default_na=False,
        names=["chrom", "pos", "ref", "alt", "gene", "variant_class", "protein_change", "sift"],
    )
    table["chrom"] = "chr" + table["chrom"].replace({"MT": "M"})
    table["sift"] = table["sift"].replace({'""': ""})
    table["pos"] = table["pos"].astype(int)
    table["chrom_order"] = table["chrom"].map(RANK)
    unknown = sorted(table.loc[table["chrom_order"].isna(), "chrom"].unique())
    if unknown:
        sys.exit(f"{path}: unexpected chromosome names {unknown}")
    table = table.sort_values(["chrom_order", "pos", "ref", "alt"], kind="stable")
    return table.drop(columns="chrom_order").reset_index(drop=True)


def main() -> None:
    """Write the derived tables and licences into rtpredict/data/genomics/."""
    data = shared_dir()
    OUT.mkdir(parents=True, exist_ok=True)
    genes = gene_intervals(data / "human_gene_ids" / "orgHs_genes_2022Sep.tsv.gz")
    write_tsv_gz(genes, OUT / "gene_intervals_GRCh38.tsv.gz")
    n_genes = genes["symbol"].nunique()
    print(f"gene_intervals_GRCh38.tsv.gz: {len(genes)} intervals, {n_genes} genes")
    for build in ("GRCh37", "GRCh38"):
        table = hotspots(data / "cancer_hotspots" / f"cancerhotspots_v2_{build}.tsv")
        write_tsv_gz(table, OUT / f"cancer_hotspots_v2_{build}.tsv.gz")
        print(f"cancer_hotspots_v2_{build}.tsv.gz: {len(table)} hotspot alleles")
    shutil.copyfile(
        data / "cancer_hotspots" / "maftools_LICENSE.txt", OUT / "LICENSE-cancer-hotspots.txt"
    )
    shutil.copyfile(
        data / "human_gene_ids" / "debian_copyright.txt", OUT / "LICENSE-org.Hs.eg.db.txt"
    )


if __name__ == "__main__":
    main()
