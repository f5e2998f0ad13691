"""Normalise chromosome names across naming styles (``chr1``/``1``, ``chrM``/``MT``, RefSeq)."""

from __future__ import annotations

import re
from functools import lru_cache

#: primary chromosomes in karyotype order, without prefix
PRIMARY = (*(str(i) for i in range(1, 23)), "X", "Y", "M")
_ORDER = {f"chr{name}": i for i, name in enumerate(PRIMARY)}
_REFSEQ = re.compile(r"^NC_0000(\d\d)\.\d+$")


@lru_cache(maxsize=4096)
def normalise_contig(name: str) -> str:
    """Return the UCSC-style name of a primary human chromosome, else ``name`` unchanged.

    ``1``, ``chr1`` and ``NC_000001.11`` become ``chr1``; ``MT``, ``M``, ``chrMT`` and
    ``NC_012920.1`` become ``chrM``; ``X``/``Y`` likewise. Other contigs (alternate haplotypes,
    decoys, unplaced scaffolds) are kept verbatim.

    Parameters
    ----------
    name
        A contig name as a VCF, BAM or FASTA writes it.

    Returns
    -------
    str
        The normalised name.
    """
    stem = name[3:] if name[:3].lower() == "chr" else name
    upper = stem.upper()
    if upper in ("M", "MT") or name.startswith("NC_012920."):
        return "chrM"
    if upper in ("X", "Y"):
        return f"chr{upper}"
    if stem.isdigit() and 1 <= int(stem) <= 22 and not stem.startswith("0"):
        return f"chr{stem}"
    refseq = _REFSEQ.match(name)
    if refseq is not None:
        number = int(refseq.group(1))
        if 1 <= number <= 24:
            return "chr" + {23: "X", 24: "Y"}.get(number, str(number))
    return name


def is_primary(name: str) -> bool:
    """Tell whether a normalised name is a primary chromosome (chr1-22, X, Y, M)."""
    return name in _ORDER


def contig_order(names: list[str] | tuple[str, ...]) -> dict[str, int]:
    """Return a sort rank per name: primary chromosomes in karyotype order, others after, A-Z."""
    others = sorted({n for n in names if n not in _ORDER})
    ranks = dict(_ORDER)
    ranks.update({n: len(_ORDER) + i for i, n in enumerate(others)})
    return {n: ranks[n] for n in names}
