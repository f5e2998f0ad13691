"""Match signature genes to the columns of an expression matrix: Ensembl IDs, symbols, aliases.

Order of attempts for each gene: its Ensembl ID (var names with or without version), the gene's
other Ensembl IDs (alternate haplotypes), its symbol (var names or ``var["symbol"]``, case-blind),
then its aliases and previous symbols. A name that several genes claim (``AK3L1`` is an alias of
AK4 and AK3) or that matches several columns is never used: the gene counts as missing and the
reason is reported.

The same resolver places model genes (``RadiosensitivityModel(genes=...)``): a model records the
symbol and Ensembl ID of each gene it resolved, so it finds them again in a matrix named the
other way.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING

import numpy as np

from rtpredict.signatures._model import Gene, Signature, split_ensembl

if TYPE_CHECKING:
    import pandas as pd
    from anndata import AnnData


@dataclass(frozen=True)
class NameTable:
    """Who claims which name: name -> official symbols, symbol -> names and Ensembl IDs."""

    claimants: dict[str, frozenset[str]]
    names_of: dict[str, frozenset[str]]
    ensembl_of: dict[str, tuple[str, ...]]
    symbol_of: dict[str, str]


@cache
def name_table() -> NameTable:
    """Return the shipped catalog-gene name table (``rtpredict/data/genes``).

    Returns
    -------
    NameTable
        Who claims which name: name -> official symbols, symbol -> names and Ensembl IDs.
    """
    path = files("rtpredict").joinpath("data", "genes", "catalog_gene_names.tsv")
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    claimants: dict[str, set[str]] = {}
    names_of: dict[str, set[str]] = {}
    ensembl_of: dict[str, tuple[str, ...]] = {}
    for row in csv.DictReader(lines, delimiter="\t"):
        name, symbol = row["name"].upper(), row["symbol"].upper()
        claimants.setdefault(name, set()).add(symbol)
        names_of.setdefault(symbol, set()).add(name)
        ids = tuple(i for i in row["ensembl_gene_ids"].split(";") if i)
        ensembl_of[symbol] = ids
    return NameTable(
        claimants={k: frozenset(v) for k, v in claimants.items()},
        names_of={k: frozenset(v) for k, v in names_of.items()},
        ensembl_of=ensembl_of,
        symbol_of={e: s for s, ids in ensembl_of.items() for e in ids},
    )


@dataclass
class SignatureMatch:
    """Where a signature's genes sit in the matrix; ``-1`` marks a gene that is not used.

    Parameters
    ----------
    name
        The signature.
    indices
        Column of each of its genes, in order; ``-1`` where not used.
    how
        How each gene was matched (or why not).
    notes
        Remarks for the user (ambiguous names, old symbols used).
    """

    name: str
    indices: np.ndarray
    how: list[str]
    notes: list[str] = field(default_factory=list)

    @property
    def n_found(self) -> int:
        """Return the number of genes matched to a column."""
        return int((self.indices >= 0).sum())

    @property
    def coverage(self) -> float:
        """Return the fraction of the signature's genes matched to a column."""
        return self.n_found / len(self.indices)


class GeneResolver:
    """Resolve genes against one matrix's columns (var names and optional symbols).

    Parameters
    ----------
    var_names
        Column names: Ensembl gene IDs (any version) or symbols.
    symbols
        Optional symbol of each column (``adata.var["symbol"]``).
    """

    def __init__(self, var_names: Sequence[str], symbols: Sequence[str] | None = None) -> None:
        self.n_vars = len(var_names)
        self.var_names = [str(name) for name in var_names]
        self._by_ensembl: dict[str, list[int]] = {}
        self._by_name: dict[str, list[int]] = {}
        self._symbol: list[str | None] = [None] * self.n_vars
        for i, name in enumerate(self.var_names):
            ensembl = split_ensembl(name)
            if ensembl:
                self._by_ensembl.setdefault(ensembl, []).append(i)
            else:
                self._by_name.setdefault(name.upper(), []).append(i)
                self._symbol[i] = name
        self.has_symbols = symbols is not None
        if symbols is not None:
            if len(symbols) != self.n_vars:
                raise ValueError("symbols must have one entry per column")
            for i, symbol in enumerate(symbols):
                if not isinstance(symbol, str) or not symbol:
                    continue  # missing symbol (None or NaN)
                key = symbol.upper()
                self._symbol[i] = symbol
                if i not in self._by_name.get(key, ()):
                    self._by_name.setdefault(key, []).append(i)
        self._table = name_table()

    @classmethod
    def for_data(cls, data: AnnData | pd.DataFrame) -> GeneResolver:
        """Return a resolver over an AnnData's var or a DataFrame's columns.

        Parameters
        ----------
        data
            An AnnData (``var_names`` and optional ``var["symbol"]``) or a DataFrame (columns).

        Returns
        -------
        GeneResolver
            The resolver.
        """
        if hasattr(data, "var_names"):
            symbols = data.var["symbol"].tolist() if "symbol" in data.var else None
            return cls(data.var_names.tolist(), symbols)
        return cls([str(c) for c in data.columns])

    @property
    def naming(self) -> str:
        """Describe how the columns name genes, for messages: ``"Ensembl IDs"``, ``"symbols"``,
        ``"Ensembl IDs with symbols in var['symbol']"`` or a mix."""
        n_ensembl = sum(len(v) for v in self._by_ensembl.values())
        if n_ensembl and n_ensembl < self.n_vars:
            kind = f"a mix of Ensembl IDs ({n_ensembl}) and other names ({self.n_vars - n_ensembl})"
        else:
            kind = "Ensembl IDs" if n_ensembl else "symbols"
        return kind + (" with symbols in var['symbol']" if self.has_symbols else "")

    @property
    def by_ensembl(self) -> bool:
        """True when at least half of the columns are named by Ensembl ID."""
        return 2 * sum(len(v) for v in self._by_ensembl.values()) >= max(self.n_vars, 1)

    def column_ids(self, column: int) -> tuple[str | None, str | None]:
        """Return ``(symbol, Ensembl ID)`` of a column.

        As far as the matrix and the shipped name table tell.

        Parameters
        ----------
        column
            Column index.

        Returns
        -------
        symbol : str or None
            None where neither tells.
        ensembl : str or None
            None where neither tells.
        """
        ensembl = split_ensembl(self.var_names[column])
        symbol = self._symbol[column]
        if symbol is None and ensembl:
            symbol = self._table.symbol_of.get(ensembl)
        if ensembl is None and symbol:
            known = self._table.ensembl_of.get(symbol.upper(), ())
            ensembl = known[0] if len(known) == 1 else None
        return symbol, ensembl

    def _unique(self, hits: list[int], what: str, notes: list[str], label: str) -> int | None:
        if len(hits) == 1:
            return hits[0]
        notes.append(f"{label}: {what} matches {len(hits)} columns; not used")
        return None

    def resolve(self, gene: Gene, notes: list[str]) -> tuple[int, str]:
        """Return ``(column, how)`` for one gene, or ``(-1, reason)``; reasons go to ``notes``.

        Parameters
        ----------
        gene
            The gene to place.
        notes
            List the reasons are appended to.

        Returns
        -------
        column : int
            The column, or -1.
        how : str
            How it was matched, or why not.
        """
        label = gene.label
        if gene.ensembl and gene.ensembl in self._by_ensembl:
            hit = self._unique(self._by_ensembl[gene.ensembl], gene.ensembl, notes, label)
            return (hit, "ensembl") if hit is not None else (-1, "ambiguous")
        given = (gene.symbol or "").upper()
        if given and given in self._by_name:
            hit = self._unique(self._by_name[given], gene.symbol or "", notes, label)
            return (hit, "symbol") if hit is not None else (-1, "ambiguous")
        symbol = given or self._table.symbol_of.get(gene.ensembl or "", "").upper()
        owners = self._table.claimants.get(symbol)
        if owners and symbol not in owners:  # the name given is an alias: find its gene
            if len(owners) > 1:
                notes.append(
                    f"{label} is a name of {', '.join(sorted(owners))}; not used "
                    "(give the official symbol or an Ensembl ID)"
                )
                return -1, "ambiguous"
            (symbol,) = owners
        if symbol != given and symbol in self._by_name:
            hit = self._unique(self._by_name[symbol], symbol, notes, label)
            return (hit, f"symbol {symbol}") if hit is not None else (-1, "ambiguous")
        for other in self._table.ensembl_of.get(symbol, ()):
            if other != gene.ensembl and other in self._by_ensembl:
                hit = self._unique(self._by_ensembl[other], other, notes, label)
                return (hit, f"ensembl {other}") if hit is not None else (-1, "ambiguous")
        aliases = set(self._table.names_of.get(symbol, ())) | {
            p.upper() for p in gene.previous_symbols
        }
        present = sorted(a for a in aliases - {symbol, given} if a in self._by_name)
        if not present:
            return -1, "missing"
        found: list[tuple[str, int]] = []
        for alias in present:
            claimed = self._table.claimants.get(alias, frozenset({symbol}))
            if claimed != {symbol}:
                notes.append(
                    f"{label}: the data's name {alias} is claimed by {', '.join(sorted(claimed))}; "
                    "not used (give Ensembl IDs or official symbols to use it)"
                )
                continue
            hit = self._unique(self._by_name[alias], alias, notes, label)
            if hit is not None:
                found.append((alias, hit))
        if len(found) == 1:
            return found[0][1], f"alias {found[0][0]}"
        if len(found) > 1:
            notes.append(f"{label}: several aliases match ({', '.join(a for a, _ in found)})")
        return -1, "ambiguous"

    def match(self, signature: Signature) -> SignatureMatch:
        """Match all genes of a signature; a column claimed by two genes is used by neither.

        Parameters
        ----------
        signature
            The signature to place.

        Returns
        -------
        SignatureMatch
            Its genes' columns.
        """
        return self.match_genes(signature.name, signature.genes)

    def match_genes(self, name: str, genes: Sequence[Gene]) -> SignatureMatch:
        """Match a list of genes (a signature's, a model's) named ``name``.

        A column claimed by two genes is used by neither.

        Parameters
        ----------
        name
            Name of the list, for the match and messages.
        genes
            The genes to place.

        Returns
        -------
        SignatureMatch
            Their columns.
        """
        notes: list[str] = []
        resolved = [self.resolve(g, notes) for g in genes]
        indices = np.array([i for i, _ in resolved], dtype=np.int64)
        how = [h for _, h in resolved]
        columns, counts = np.unique(indices[indices >= 0], return_counts=True)
        for column in columns[counts > 1]:
            twice = np.flatnonzero(indices == column)
            labels = ", ".join(genes[i].label for i in twice)
            notes.append(f"{labels} resolve to the same column; none of them used")
            indices[twice] = -1
            for i in twice:
                how[i] = "ambiguous"
        return SignatureMatch(name=name, indices=indices, how=how, notes=notes)
