"""Reduce alleles to one minimal form, so VCF and MAF-style records compare equal."""

from __future__ import annotations


def trim_alleles(pos: int, ref: str, alt: str) -> tuple[int, str, str]:
    """Return ``(pos, ref, alt)`` with shared bases trimmed, prefix first, then suffix.

    The result has no anchor base: an insertion has ``ref == ""`` and ``pos`` is the first base
    after the insertion point; a deletion has ``alt == ""`` and ``pos`` is the first deleted
    base. Trimming the prefix first removes a VCF anchor base wherever the indel sits in a
    repeat. VCF ``chr1 100 AT A`` becomes ``(101, "T", "")``, as does MAF ``chr1 101 T -``.
    (No left alignment: that needs the reference sequence.)
    """
    ref = "" if ref == "-" else ref.upper()
    alt = "" if alt == "-" else alt.upper()
    start = 0
    while start < len(ref) and start < len(alt) and ref[start] == alt[start]:
        start += 1
    ref, alt = ref[start:], alt[start:]
    while ref and alt and ref[-1] == alt[-1]:
        ref, alt = ref[:-1], alt[:-1]
    return pos + start, ref, alt


def maf_insertion_to_trimmed(pos: int, ref: str, alt: str) -> tuple[int, str, str]:
    """Trim a MAF-style allele; an insertion's MAF position is the base before it (vcf2maf)."""
    if ref == "-":
        return pos + 1, "", alt.upper()
    return trim_alleles(pos, ref, alt)


def variant_class(ref: str, alt: str) -> str:
    """Classify trimmed alleles: SNV, MNV, insertion, deletion, or complex (delins)."""
    if ref == alt:
        return "none"
    if len(ref) == len(alt):
        return "SNV" if len(ref) == 1 else "MNV"
    if not ref:
        return "insertion"
    if not alt:
        return "deletion"
    return "complex"
