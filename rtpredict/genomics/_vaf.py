"""Read the tumour's variant allele fraction (VAF) and depth of each alternate allele.

Sources, first usable one wins per record:

1. fields the user names (``vaf_fields``, e.g. ``FORMAT/FREQ`` or ``INFO/AF``): a Number=A
   field gives one fraction per alt, a Number=R field holds read counts (alt / sum), any other
   field one fraction for every alt; ``"12.5%"`` is read as 0.125;
2. FORMAT ``AD`` (reference and alt read counts, Number=R): alt / sum of AD;
3. FORMAT ``AF`` (one fraction per alt, Mutect2);
4. Strelka2's tier-1 counts: ``AU/CU/GU/TU`` for SNVs, ``TAR/TIR`` for indels.

Depth is FORMAT ``DP`` when present, else the sum of the counts used. A fraction outside [0, 1]
raises :class:`InputError`.

Integer ``AD``/``DP`` are read for many records at once from their VCF text (by
:mod:`~rtpredict.genomics._records`, then :func:`vaf_from_counts`); the other sources need
pysam's typed values, one record at a time (:class:`VafReader`); :func:`allele_vafs` combines
both for every alt allele.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from rtpredict.errors import InputError

#: what :meth:`VafReader.read` gives for one record: VAF per alt, depth, alt read count per alt
VafValues = tuple[list[float | None], int | None, list[int | None]]

_STRELKA_SNV = ("AU", "CU", "GU", "TU")


def _fraction(value: Any, field: str, source: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(text.rstrip("%")) / (100.0 if text.endswith("%") else 1.0)
        except ValueError:
            raise InputError(f"{source}: {field} value {value!r} is not a number") from None
    else:
        number = float(value)
    if not 0.0 <= number <= 1.0:
        raise InputError(
            f"{source}: {field} value {value!r} is not an allele fraction in [0, 1]; name the "
            "right VAF field (CLI --vaf-field) or write percentages as '12.5%'"
        )
    return number


def _counts(values: Any) -> list[int] | None:
    if values is None or isinstance(values, (str, int, float)):
        return None
    if None in values:
        return None
    return list(map(int, values))


class VafReader:
    """Extract (VAF per alt, depth, alt read count per alt) from a pysam record's tumour column."""

    def __init__(
        self,
        formats: dict[str, str],
        infos: dict[str, str],
        vaf_fields: Sequence[str] | None,
        source: str,
        format_types: Mapping[str, str] | None = None,
    ) -> None:
        """``formats``/``infos`` map each header field to its Number (``A``, ``R``, ``1``, …).

        ``format_types`` maps FORMAT fields to their Type (``Integer``, ``Float``, …).
        """
        self.source = source
        self.fields: list[tuple[str, str, str]] = []
        for spec in vaf_fields or ():
            where, _, name = spec.rpartition("/")
            where = where.upper()
            if where not in ("", "FORMAT", "INFO"):
                raise InputError(f"VAF field {spec!r}: write FORMAT/NAME or INFO/NAME")
            if where in ("", "FORMAT") and name in formats:
                self.fields.append(("FORMAT", name, formats[name]))
            elif where in ("", "INFO") and name in infos:
                self.fields.append(("INFO", name, infos[name]))
            else:
                raise InputError(
                    f"{source}: no {where or 'FORMAT or INFO'} field {name!r} in the header for "
                    f"the VAF; FORMAT fields: {', '.join(formats) or 'none'}; INFO fields: "
                    f"{', '.join(infos) or 'none'}"
                )
        self.has_ad = formats.get("AD") in ("R", ".")
        self.has_af = "AF" in formats
        self.has_dp = "DP" in formats
        self.has_strelka_snv = all(b in formats for b in _STRELKA_SNV)
        self.has_strelka_indel = "TAR" in formats and "TIR" in formats
        types = format_types or {}
        #: AD and DP are integers, and no other source comes first: :func:`vaf_from_counts` applies
        self.counts_from_text = (
            not self.fields
            and self.has_ad
            and types.get("AD") == "Integer"
            and (not self.has_dp or (formats["DP"] == "1" and types.get("DP") == "Integer"))
        )

    def read(self, record: Any, sample: int | None) -> VafValues:
        """Return the VAF and alt read count of each alt allele, and the depth, of one record."""
        n_alts = len(record.alts)
        call = record.samples[sample] if sample is not None else None
        depth = None
        if call is not None and self.has_dp:
            dp = call.get("DP")
            depth = int(dp) if isinstance(dp, int) else None
        for where, name, number in self.fields:
            holder = record.info if where == "INFO" else call
            if holder is None:
                continue
            value = holder.get(name)
            if value is None or (isinstance(value, tuple) and all(v is None for v in value)):
                continue
            label = f"{where}/{name}"
            if number == "R":
                counts = _counts(value)
                if counts is not None and len(counts) == n_alts + 1:
                    return self._from_counts(counts, depth)
                continue
            values = value if isinstance(value, tuple) else (value,) * n_alts
            if len(values) != n_alts:
                continue
            return [_fraction(v, label, self.source) for v in values], depth, [None] * n_alts
        if call is None:
            return [None] * n_alts, depth, [None] * n_alts
        if self.has_ad:
            counts = _counts(call.get("AD"))
            if counts is not None and len(counts) == n_alts + 1:
                return self._from_counts(counts, depth)
        if self.has_af:
            af = call.get("AF")
            values = af if isinstance(af, tuple) else (af,)
            if len(values) == n_alts and any(v is not None for v in values):
                fractions = [_fraction(v, "FORMAT/AF", self.source) for v in values]
                return fractions, depth, [None] * n_alts
        if self.has_strelka_snv and len(record.ref) == 1:
            tier1 = {b[0]: _counts(call.get(b)) for b in _STRELKA_SNV}
            if all(v is not None for v in tier1.values()):
                total = sum(v[0] for v in tier1.values())
                alt_counts = [tier1[a][0] if a in tier1 else None for a in record.alts]
                fractions = [c / total if c is not None and total else None for c in alt_counts]
                return fractions, depth if depth is not None else total, alt_counts
        if self.has_strelka_indel and n_alts == 1:
            tar, tir = _counts(call.get("TAR")), _counts(call.get("TIR"))
            if tar is not None and tir is not None:
                total = tar[0] + tir[0]
                return [tir[0] / total if total else None], depth, [tir[0]]
        return [None] * n_alts, depth, [None] * n_alts

    @staticmethod
    def _from_counts(counts: list[int], depth: int | None) -> VafValues:
        total = sum(counts)
        fractions: list[float | None] = [c / total if total else None for c in counts[1:]]
        return fractions, depth if depth is not None else total, list(counts[1:])


def vaf_from_counts(
    usable: np.ndarray, counts: np.ndarray, dp: np.ndarray, n_alts: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Work out VAF, alt read counts and depth of many records from their integer ``AD``/``DP``.

    Gives what :meth:`VafReader.read` gives from an integer ``AD`` (alt / sum of AD, depth ``DP``
    or else the sum), for every record whose ``AD`` holds one count per allele.

    Parameters
    ----------
    usable
        Per record: whether its tumour ``AD`` holds one integer per allele (other records need
        :class:`VafReader`).
    counts
        The ``AD`` counts of the usable records, records in turn.
    dp
        Per record: the tumour's ``DP``, NaN when absent.
    n_alts
        Per record: the number of alt alleles.

    Returns
    -------
    vaf
        Per alt allele of the usable records (records in order): the fraction, NaN for no reads.
    alt_depth
        Per alt allele of the usable records: the read count.
    depth
        Per usable record: ``DP``, else the sum of ``AD``.
    """
    widths = n_alts[usable] + 1
    starts = np.cumsum(widths) - widths
    totals = np.add.reduceat(counts, starts) if len(counts) else np.zeros(0, np.int64)
    is_alt = np.ones(len(counts), bool)
    is_alt[starts] = False
    alt_depth = counts[is_alt]
    per_alt = np.repeat(totals, widths - 1)
    vaf = np.full(len(alt_depth), np.nan)
    np.divide(alt_depth, per_alt, out=vaf, where=per_alt != 0)
    given = dp[usable]
    depth = np.where(np.isnan(given), totals, np.nan_to_num(given)).astype(np.int64)
    return vaf, alt_depth, depth


def allele_vafs(
    records: Mapping[str, Any],
    reader: VafReader,
    typed: Mapping[int, VafValues],
    reread: Callable[[set[int]], dict[int, VafValues]],
) -> tuple[np.ndarray, pd.arrays.IntegerArray, pd.arrays.IntegerArray]:
    """Return VAF, depth and alt read count of every alt allele of many records.

    Integer ``AD`` is read from the records' text (:func:`vaf_from_counts`) when the reader
    allows; the other records take :meth:`VafReader.read`'s values, from ``typed`` or, for
    records whose ``AD`` text was unusable, from ``reread``.

    Parameters
    ----------
    records
        ``number`` (each record's 0-based number in the file), ``n_alts``, and ``ad_ok``,
        ``ad`` and ``dp`` as :func:`vaf_from_counts` takes them (None when not read from text).
    reader
        The VCF's VAF reader.
    typed
        :meth:`VafReader.read` values already read, by record number.
    reread
        Reads :meth:`VafReader.read` values of the given record numbers.

    Returns
    -------
    tuple
        Per alt allele, records in order: VAF (NaN unknown), depth and alt read count.
    """
    n_alts, numbers = records["n_alts"], records["number"]
    first = np.cumsum(n_alts) - n_alts
    total = int(n_alts.sum())
    vaf = np.full(total, np.nan)
    depth, alt_depth = np.zeros(total, np.int64), np.zeros(total, np.int64)
    known_depth, known_alt = np.zeros(total, bool), np.zeros(total, bool)
    if records["ad_ok"] is not None:
        usable = records["ad_ok"]
        fractions, alt_counts, depths = vaf_from_counts(
            usable, records["ad"], records["dp"], n_alts
        )
        rows = np.repeat(usable, n_alts)
        vaf[rows], alt_depth[rows] = fractions, alt_counts
        depth[rows] = np.repeat(depths, n_alts[usable])
        known_depth[rows] = known_alt[rows] = True
        missing = set(numbers[~usable].tolist()) - typed.keys()
        typed = {**typed, **reread(missing)} if missing else typed
    for i in np.flatnonzero(np.isin(numbers, list(typed))).tolist():
        fractions_i, depth_i, alt_i = typed[int(numbers[i])]
        rows = slice(first[i], first[i] + n_alts[i])
        vaf[rows] = [np.nan if f is None else f for f in fractions_i]
        depth[rows], known_depth[rows] = depth_i or 0, depth_i is not None
        alt_depth[rows] = [0 if a is None else a for a in alt_i]
        known_alt[rows] = [a is not None for a in alt_i]
    return (
        vaf,
        pd.arrays.IntegerArray(depth, ~known_depth),
        pd.arrays.IntegerArray(alt_depth, ~known_alt),
    )
