"""Published radiotherapy signatures as package data, user signatures, and gene resolution.

The catalog (``rtpredict/signatures/catalog/*.yaml``) holds one file per signature: citation,
DOI, genes (HGNC symbol + Ensembl ID), weights, scoring rule, thresholds and verification status.
Users add their own through :func:`read_signature_file` (GMT or the same YAML format).
"""

from __future__ import annotations

from rtpredict.signatures._catalog import (
    catalog_names,
    get_signature,
    load_catalog,
    read_gmt,
    read_signature_file,
)
from rtpredict.signatures._links import signature_columns
from rtpredict.signatures._model import (
    METHODS,
    REFERENCE_METHODS,
    SCALES,
    Gene,
    Rule,
    Signature,
    split_ensembl,
)
from rtpredict.signatures._records import gene_set, signature_from_mapping
from rtpredict.signatures._resolve import GeneResolver, SignatureMatch, name_table

__all__ = [
    "METHODS",
    "REFERENCE_METHODS",
    "SCALES",
    "Gene",
    "GeneResolver",
    "Rule",
    "Signature",
    "SignatureMatch",
    "catalog_names",
    "gene_set",
    "get_signature",
    "load_catalog",
    "name_table",
    "read_gmt",
    "read_signature_file",
    "signature_columns",
    "signature_from_mapping",
    "split_ensembl",
]
