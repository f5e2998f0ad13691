"""VCF records, as htslib writes them out, as columns: one row per kept record, then per allele.

htslib has parsed and checked every record before its text reaches these functions, so each line
has the VCF columns, tab-separated, and no value holds a tab or a newline. A block of lines is
read as bytes by :mod:`rtpredict.kernels.text`: only a column's distinct values become strings.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from rtpredict.genomics._annotation import AnnotationReader, Annotations, no_annotations
from rtpredict.genomics._contigs import normalise_contig
from rtpredict.genomics._spans import span_strings, span_texts
from rtpredict.kernels import integer_lists, key_value_spans, line_spans, nth_spans

#: 0-based VCF columns
CHROM, POS, REF, ALT, FILTER, INFO, FORMAT = 0, 1, 3, 4, 6, 7, 8


def _alt_alleles(codes: np.ndarray, uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split each record's ALT (codes into distinct texts) into alleles; return them and counts."""
    parts = [text.split(",") for text in uniques.tolist()]
    per_unique = np.fromiter(map(len, parts), np.int64, len(parts))
    alleles = np.empty(int(per_unique.sum()), dtype=object)
    alleles[:] = [allele for alts in parts for allele in alts]
    n_alts = per_unique[codes]
    first = np.cumsum(n_alts) - n_alts
    within = np.arange(int(n_alts.sum())) - np.repeat(first, n_alts)
    offsets = np.cumsum(per_unique) - per_unique
    return alleles[np.repeat(offsets[codes], n_alts) + within], n_alts


def _counts(
    raw: bytes,
    text: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    calls: tuple[np.ndarray, np.ndarray],
    n_alts: np.ndarray,
) -> dict[str, np.ndarray]:
    """Read the tumour's integer ``AD`` and ``DP`` of each record from its text.

    ``starts``/``ends`` are the FORMAT column's spans, ``calls`` the tumour column's. Returns
    ``ad_ok`` (the ``AD`` holds one count per allele), ``ad`` (those counts, records in turn)
    and ``dp`` (NaN where absent or not an integer).
    """
    codes, formats = span_strings(raw, text, starts, ends)
    keys = [names.split(":") for names in formats.tolist()]
    ad_index = np.array([k.index("AD") if "AD" in k else -1 for k in keys], np.int64)
    dp_index = np.array([k.index("DP") if "DP" in k else -1 for k in keys], np.int64)
    ad = nth_spans(text, *calls, index=ad_index[codes], separator=b":")
    ad_ok, ad_counts = integer_lists(text, *ad, lengths=n_alts + 1)
    dp = nth_spans(text, *calls, index=dp_index[codes], separator=b":")
    dp_ok, dp_values = integer_lists(text, *dp, lengths=np.ones(len(n_alts), np.int64))
    depth = np.full(len(n_alts), np.nan)
    depth[dp_ok] = dp_values
    return {"ad_ok": ad_ok, "ad": ad_counts, "dp": depth}


def kept_records(
    lines: list[str],
    first: int,
    column: int | None,
    pass_only: bool,
    annotation: AnnotationReader | None,
    counts: bool,
) -> dict[str, Any]:
    """Read the kept records of a block of lines into columns; choose each alt's annotation.

    ``number`` is each record's 0-based number in the file, ``first`` that of ``lines[0]``.
    With ``counts``, the tumour's integer ``AD`` and ``DP`` are read from the text
    (``ad_ok``, ``ad``, ``dp``; see :func:`rtpredict.genomics._vaf.vaf_from_counts`); without,
    those columns are None.
    """
    raw = "".join(lines).encode()
    text = np.frombuffer(raw, np.uint8)
    n_columns = INFO + 1 if column is None else FORMAT + 2 + column
    starts, ends = line_spans(text, n_columns)
    alt_codes, alt_uniques = span_strings(raw, text, starts[:, ALT], ends[:, ALT])
    filter_codes, filter_uniques = span_strings(raw, text, starts[:, FILTER], ends[:, FILTER])
    kept = (alt_uniques != ".")[alt_codes]
    if pass_only:
        kept &= np.isin(filter_uniques, ["PASS", "."])[filter_codes]
    rows = np.flatnonzero(kept)
    starts, ends = starts[rows], ends[rows]
    alts, n_alts = _alt_alleles(alt_codes[rows], alt_uniques)
    chrom_codes, names = span_strings(raw, text, starts[:, CHROM], ends[:, CHROM])
    chroms = np.empty(len(names), dtype=object)
    chroms[:] = [normalise_contig(name) for name in names.tolist()]
    pos_ok, pos = integer_lists(
        text, starts[:, POS], ends[:, POS], lengths=np.ones(len(rows), np.int64)
    )
    if not pos_ok.all():
        raise ValueError("a record's POS is not an integer")
    refs = span_texts(raw, text, starts[:, REF], ends[:, REF])
    if annotation is not None:
        key = (annotation.key + "=").encode()
        values = key_value_spans(text, starts[:, INFO], ends[:, INFO], key=key)
        chosen = annotation.choose(raw, text, *values, refs, alts, n_alts)
    else:
        chosen = no_annotations(len(alts))
    read = dict.fromkeys(("ad_ok", "ad", "dp"))
    if counts and column is not None:
        call = FORMAT + 1 + column
        calls = (starts[:, call], ends[:, call])
        read = _counts(raw, text, starts[:, FORMAT], ends[:, FORMAT], calls, n_alts)
    return {
        "number": rows + first,
        "chrom": chroms[chrom_codes],
        "pos": pos,
        "ref": refs,
        "alts": alts,
        "n_alts": n_alts,
        "filter": filter_uniques[filter_codes[rows]],
        **read,
        **chosen._asdict(),
    }


def concatenate(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """Join the columns of the blocks of records."""
    return {
        key: None if value is None else np.concatenate([block[key] for block in blocks])
        for key, value in blocks[0].items()
    }


def allele_rows(
    records: dict[str, Any],
    vafs: tuple[np.ndarray, pd.arrays.IntegerArray, pd.arrays.IntegerArray],
) -> dict[str, Any]:
    """Return one array per column, one entry per kept alt allele (symbolic ones dropped)."""
    n_alts, flat = records["n_alts"], records["alts"]
    codes, written = pd.factorize(flat)
    symbolic = [a in ("*", ".") or a.startswith("<") or "[" in a or "]" in a for a in written]
    keep = ~np.array(symbolic, dtype=bool)[codes]
    vaf, depth, alt_depth = vafs
    return {
        "chrom": np.repeat(records["chrom"], n_alts)[keep],
        "pos": np.repeat(records["pos"], n_alts)[keep],
        "ref": _upper(np.repeat(records["ref"], n_alts)[keep]),
        "alt": _upper(flat[keep]),
        "filter": np.repeat(records["filter"], n_alts)[keep],
        "vaf": vaf[keep],
        "depth": depth[keep],
        "alt_depth": alt_depth[keep],
        **{name: records[name][keep] for name in Annotations._fields},
    }


def _upper(alleles: np.ndarray) -> np.ndarray:
    """Return the alleles in upper case."""
    codes, written = pd.factorize(alleles)
    return np.array([a.upper() for a in written], dtype=object)[codes]
