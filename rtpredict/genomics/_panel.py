"""Read a gene panel YAML: genes with their evidence, and the groups flagged per tumour."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rtpredict._yaml import parse_yaml, read_yaml
from rtpredict.errors import InputError
from rtpredict.genomics._resources import data_file

DEFAULT_PANEL = "radiation_response_panel.yaml"
QUALIFYING = ("nonsynonymous", "truncating")
_SYMBOL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_GROUP = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class PanelGroup:
    """Genes whose mutation sets one per-tumour flag, ``dna_<name>``."""

    name: str
    genes: tuple[str, ...]
    qualifying: str = "nonsynonymous"
    description: str = ""


@dataclass(frozen=True)
class Panel:
    """A gene panel: its genes (with the YAML's evidence per gene) and its groups.

    Parameters
    ----------
    name
        The panel's name.
    genes
        HGNC symbols of its genes.
    groups
        Groups of genes, each setting one per-tumour flag ``dna_<name>``.
    details
        Per gene, the YAML's other fields (evidence, citations).
    source
        The file it was read from.
    """

    name: str
    genes: tuple[str, ...]
    groups: tuple[PanelGroup, ...]
    details: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False)
    source: str = ""


def read_panel(path: str | os.PathLike[str] | None = None) -> Panel:
    """Read a panel YAML; None reads the shipped radiation-response panel.

    The YAML holds ``name``, ``genes`` (a list of mappings with at least ``symbol``; evidence,
    citations and the like are kept in :attr:`Panel.details`) and optional ``groups`` (name ->
    ``genes``, optional ``qualifying``: ``nonsynonymous`` (default) or ``truncating``).

    Parameters
    ----------
    path
        The panel YAML, or None for the shipped panel.

    Returns
    -------
    Panel
        The panel.
    """
    if path is None:
        source = f"rtpredict/data/genomics/{DEFAULT_PANEL}"
        return _parse(parse_yaml(data_file(DEFAULT_PANEL).read_text(), source), source)
    return _parse(read_yaml(path, "panel"), str(path))


def _parse(raw: Any, source: str) -> Panel:
    if not isinstance(raw, dict) or not isinstance(raw.get("genes"), list) or not raw["genes"]:
        raise InputError(f"{source}: a panel is a mapping with a non-empty list 'genes'")
    details: dict[str, dict[str, Any]] = {}
    for i, entry in enumerate(raw["genes"]):
        symbol = entry.get("symbol") if isinstance(entry, dict) else None
        if not isinstance(symbol, str) or not _SYMBOL.match(symbol):
            raise InputError(f"{source}: genes[{i}] needs a 'symbol' (letters, digits, . _ -)")
        if symbol in details:
            raise InputError(f"{source}: gene {symbol} is listed twice")
        details[symbol] = dict(entry)
    groups = []
    for name, spec in (raw.get("groups") or {}).items():
        where = f"{source}: group {name!r}"
        if not isinstance(name, str) or not _GROUP.match(name):
            raise InputError(f"{where}: names are lower case letters, digits and _")
        if not isinstance(spec, dict) or not isinstance(spec.get("genes"), list):
            raise InputError(f"{where} needs a list 'genes'")
        unknown = [g for g in spec["genes"] if g not in details]
        if unknown:
            raise InputError(
                f"{where} lists genes not in the panel: {', '.join(map(str, unknown))}"
            )
        qualifying = spec.get("qualifying", "nonsynonymous")
        if qualifying not in QUALIFYING:
            raise InputError(f"{where}: qualifying must be one of {', '.join(QUALIFYING)}")
        groups.append(
            PanelGroup(name, tuple(spec["genes"]), qualifying, str(spec.get("description", "")))
        )
    return Panel(
        name=str(raw.get("name", Path(source).stem)),
        genes=tuple(details),
        groups=tuple(groups),
        details=details,
        source=source,
    )
