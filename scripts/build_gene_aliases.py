"""Build rtpredict's name table for the signature-catalog genes from org.Hs.eg.db.

Writes ``rtpredict/data/genes/catalog_gene_names.tsv``: for every name a catalog gene may carry
in someone's data (official symbol, Entrez alias, previous symbol listed in the catalog), one row
per official gene that claims that name, genome-wide. A name claimed by several genes (AK3L1 is
an alias of AK4 and of AK3) thus shows up as several rows, and the resolver refuses it.

Run from the project root (needs the shared data folder beside the project)::

    python scripts/build_gene_aliases.py [--shared ../shared]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import os
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "rtpredict" / "signatures" / "catalog"
OUT = ROOT / "rtpredict" / "data" / "genes" / "catalog_gene_names.tsv"
COLUMNS = ("name", "kind", "symbol", "entrez_id", "ensembl_gene_ids", "catalog_ensembl")


def _read_tsv_gz(path: Path) -> list[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _catalog_genes() -> dict[str, dict[str, object]]:
    """Return official symbol -> {ensembl, previous_symbols} over all catalog files."""
    genes: dict[str, dict[str, object]] = {}
    for path in sorted(CATALOG.glob("*.yaml")):
        entry = yaml.safe_load(path.read_text(encoding="utf-8"))
        for gene in entry["genes"]:
            symbol = gene["symbol"]
            record = genes.setdefault(symbol, {"ensembl": gene["ensembl"], "previous": set()})
            if record["ensembl"] != gene["ensembl"]:
                raise SystemExit(f"{path.name}: {symbol} has two Ensembl IDs in the catalog")
            record["previous"].update(gene.get("previous_symbols") or [])
    return genes


def build(shared: Path) -> list[dict[str, str]]:
    """Return the rows of the name table, sorted by name then symbol."""
    folder = shared / "data" / "human_gene_ids"
    genes = _read_tsv_gz(folder / "orgHs_genes_2022Sep.tsv.gz")
    aliases = _read_tsv_gz(folder / "orgHs_aliases_2022Sep.tsv.gz")
    by_symbol = {g["symbol"]: g for g in genes}
    catalog = _catalog_genes()

    # every name each official gene answers to (its symbol and its aliases)
    claimants: dict[str, set[str]] = {}
    for g in genes:
        claimants.setdefault(g["symbol"], set()).add(g["symbol"])
    for a in aliases:
        claimants.setdefault(a["alias_symbol"], set()).add(a["symbol"])

    wanted: set[str] = set()  # every name a catalog gene answers to
    for symbol, record in catalog.items():
        if symbol not in by_symbol:
            raise SystemExit(f"catalog symbol {symbol} is not an official symbol in org.Hs.eg.db")
        ids = by_symbol[symbol]["ensembl_gene_ids"].split(";")
        if record["ensembl"] not in ids:
            raise SystemExit(f"catalog {symbol}: {record['ensembl']} not among org.Hs IDs {ids}")
        wanted.add(symbol)
        wanted.update(record["previous"])
    wanted.update(a["alias_symbol"] for a in aliases if a["symbol"] in catalog)

    def kind(name: str, symbol: str) -> str:
        if name == symbol:
            return "symbol"
        if symbol in catalog and name in catalog[symbol]["previous"]:
            return "previous_symbol"
        return "alias"

    rows = []
    for name in wanted:
        owners = set(claimants.get(name, set()))
        owners |= {s for s, r in catalog.items() if name in r["previous"]}
        for symbol in sorted(owners):
            gene = by_symbol[symbol]
            rows.append(
                {
                    "name": name,
                    "kind": kind(name, symbol),
                    "symbol": symbol,
                    "entrez_id": gene["entrez_id"],
                    "ensembl_gene_ids": gene["ensembl_gene_ids"],
                    "catalog_ensembl": str(catalog[symbol]["ensembl"]) if symbol in catalog else "",
                }
            )
    rows.sort(key=lambda r: (r["name"], r["symbol"]))
    return rows


def write(rows: list[dict[str, str]], path: Path) -> None:
    """Write the table atomically, with a header comment naming the source."""
    buffer = io.StringIO()
    buffer.write(
        "# Names of rtpredict catalog genes, from Bioconductor org.Hs.eg.db 3.16.0 "
        "(Entrez Gene 2022-09-12; Artistic-2.0). Built by scripts/build_gene_aliases.py.\n"
    )
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, delimiter="\t", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(buffer.getvalue(), encoding="utf-8")
    os.replace(tmp, path)


def main() -> None:
    """Parse arguments, build the table and write it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(os.environ.get("RTPREDICT_SHARED", ROOT.parent / "shared"))
    parser.add_argument("--shared", type=Path, default=default, help="the shared data folder")
    args = parser.parse_args()
    rows = build(args.shared)
    write(rows, OUT)
    counts = Counter(r["name"] for r in rows)
    ambiguous = sum(c > 1 for c in counts.values())
    print(f"wrote {len(rows)} rows ({ambiguous} ambiguous names) to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
