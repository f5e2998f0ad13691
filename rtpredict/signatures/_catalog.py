"""Read the shipped signature catalog and users' own signature files (GMT or catalog YAML)."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

from rtpredict._yaml import parse_yaml, read_yaml
from rtpredict.errors import InputError
from rtpredict.signatures._model import Signature
from rtpredict.signatures._records import gene_set, signature_from_mapping


@cache
def _catalog() -> dict[str, Signature]:
    folder = files("rtpredict.signatures").joinpath("catalog")
    signatures: dict[str, Signature] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        source = f"rtpredict/signatures/catalog/{entry.name}"
        raw = parse_yaml(entry.read_text(encoding="utf-8"), source)
        signature = signature_from_mapping(raw, source)
        if signature.name != entry.name.removesuffix(".yaml"):
            raise InputError(f"{source}: name {signature.name!r} differs from the file name.")
        if "scales" not in raw["rule"]:
            raise InputError(f"{source}: rule.scales missing; a catalog signature declares them.")
        signatures[signature.name] = signature
    return signatures


def catalog_names() -> list[str]:
    """Return the names of the shipped signatures, sorted.

    Returns
    -------
    list of str
        Signature names.
    """
    return sorted(_catalog())


def load_catalog() -> dict[str, Signature]:
    """Return every shipped signature, keyed by name.

    Returns
    -------
    dict of str to Signature
        Every shipped signature.
    """
    return dict(_catalog())


def get_signature(name: str) -> Signature:
    """Return the shipped signature called ``name``.

    Parameters
    ----------
    name
        One of :func:`catalog_names`.

    Returns
    -------
    Signature
        The signature.

    Raises
    ------
    InputError
        Naming the choices, when there is no such signature.
    """
    try:
        return _catalog()[name]
    except KeyError:
        raise InputError(
            f"unknown signature {name!r}: the catalog has {', '.join(catalog_names())}. "
            "Give a {name: [genes]} mapping or a signature file for your own."
        ) from None


def read_gmt(path: str | Path, *, min_coverage: float | None = None) -> dict[str, Signature]:
    """Read gene sets from a GMT file (name, description, genes; tab-separated) as signatures.

    Genes may be HGNC symbols or Ensembl gene IDs; each set is scored with the ``gene_set`` rule.

    Parameters
    ----------
    path
        The GMT file.
    min_coverage
        Fraction of each set's genes that must be measured for a score (default: the rule's).

    Returns
    -------
    dict of str to Signature
        The sets by name.
    """
    path = Path(path)
    signatures: dict[str, Signature] = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.rstrip("\n").split("\t")]
        genes = [g for g in fields[2:] if g]
        if len(fields) < 3 or not genes:
            raise InputError(
                f"{path}:{lineno}: a GMT line needs a name, a description and at least one gene, "
                "separated by tabs."
            )
        source = f"{path}:{lineno}"
        if fields[0] in signatures:
            raise InputError(f"{source}: gene set {fields[0]!r} defined twice. Rename one.")
        signatures[fields[0]] = gene_set(fields[0], genes, source=source, min_coverage=min_coverage)
    if not signatures:
        raise InputError(f"{path}: no gene sets found. Is it a GMT file?")
    return signatures


def read_signature_file(path: str | Path) -> dict[str, Signature]:
    """Read user signatures from a GMT file or a catalog-format YAML file (one or a list).

    The format is chosen by the extension: ``.gmt`` or ``.yaml``/``.yml``.

    Parameters
    ----------
    path
        A ``.gmt``, ``.yaml`` or ``.yml`` file.

    Returns
    -------
    dict of str to Signature
        The signatures by name.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".gmt":
        return read_gmt(path)
    if suffix not in (".yaml", ".yml"):
        raise InputError(f"{path}: unknown signature file type; use .gmt, .yaml or .yml.")
    raw = read_yaml(path, "signature file")
    records = raw if isinstance(raw, list) else [raw]
    signatures: dict[str, Signature] = {}
    for i, record in enumerate(records):
        source = str(path) if len(records) == 1 else f"{path} (entry {i + 1})"
        signature = signature_from_mapping(record, source)
        if signature.name in signatures:
            raise InputError(f"{source}: signature {signature.name!r} defined twice.")
        signatures[signature.name] = signature
    return signatures
