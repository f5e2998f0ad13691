"""Tell the genome build of an input from its contig lengths and hotspot hits, never by guess.

The primary chromosomes of GRCh37 and GRCh38 differ in length (chrM excepted), so one declared
contig length settles the build. Without lengths in the header, positions past a chromosome's
end, or hotspot alleles found on the other build only, still prove a mismatch.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from rtpredict.errors import InputError
from rtpredict.genomics._contigs import normalise_contig
from rtpredict.genomics._resources import GENOMES, data_file

#: hotspot alleles on the other build (and none on the requested one) that prove a mismatch
MIN_HOTSPOT_EVIDENCE = 2


@lru_cache(maxsize=2)
def contig_lengths(genome: str) -> dict[str, int]:
    """Return the lengths of the primary chromosomes of ``genome`` (GRCh37 or GRCh38).

    Parameters
    ----------
    genome
        ``"GRCh37"`` or ``"GRCh38"``.

    Returns
    -------
    dict of str to int
        ``chr``-style name -> length in bases.
    """
    check_genome(genome)
    with data_file("contig_lengths.tsv").open() as handle:
        table = pd.read_csv(handle, sep="\t", dtype={"length": "int64"})
    rows = table[table["genome"] == genome]
    return dict(zip(rows["chrom"], rows["length"].astype(int), strict=True))


def check_genome(genome: str) -> None:
    """Raise :class:`InputError` unless ``genome`` is a supported build name."""
    if genome not in GENOMES:
        raise InputError(f"unknown genome build {genome!r}: use one of {', '.join(GENOMES)}")


def infer_genome(lengths: Mapping[str, int | None]) -> str | None:
    """Return the build whose primary chromosome lengths all match, or None if undecided.

    ``lengths`` maps contig names (any style) to lengths (None when not declared). chrM is
    ignored: it is 16,569 bp in both builds.
    """
    declared = {
        normalise_contig(name): length
        for name, length in lengths.items()
        if length is not None and normalise_contig(name) != "chrM"
    }
    verdicts = []
    for genome in GENOMES:
        reference = contig_lengths(genome)
        shared = [c for c in declared if c in reference]
        if shared and all(declared[c] == reference[c] for c in shared):
            verdicts.append(genome)
    return verdicts[0] if len(verdicts) == 1 else None


def check_header_build(lengths: Mapping[str, int | None], genome: str, source: str) -> None:
    """Raise :class:`InputError` when a declared primary contig length contradicts ``genome``."""
    reference = contig_lengths(genome)
    for name, length in lengths.items():
        chrom = normalise_contig(name)
        if length is None or chrom == "chrM" or chrom not in reference:
            continue
        if length != reference[chrom]:
            other = infer_genome(lengths)
            hint = (
                f"the header's contig lengths match {other}: pass genome={other!r} "
                f"(CLI --genome {other}) or lift the file over to {genome}"
                if other is not None
                else f"the file was not called against {genome} (GRCh37 or GRCh38 primary "
                "assembly); re-call or lift it over"
            )
            raise InputError(
                f"{source}: contig {name} has length {length} in the header but {reference[chrom]} "
                f"in {genome}; {hint}"
            )


def check_positions(chroms: np.ndarray, positions: np.ndarray, genome: str, source: str) -> None:
    """Raise :class:`InputError` when a variant lies past its chromosome's end in ``genome``."""
    reference = contig_lengths(genome)
    codes, names = pd.factorize(np.asarray(chroms, dtype=object))
    unbounded = np.iinfo(np.int64).max
    ends = np.array([reference.get(c, unbounded) for c in names], dtype=np.int64)[codes]
    beyond = np.flatnonzero(positions > ends)
    if beyond.size:
        i = beyond[0]
        raise InputError(
            f"{source}: variant at {chroms[i]}:{positions[i]} lies past the end of {chroms[i]} in "
            f"{genome} ({reference[chroms[i]]} bp), so the file is not on {genome}; pass the "
            "build it was called on (genome='GRCh37' or 'GRCh38')"
        )


def check_hotspot_evidence(hits: int, hits_other: int, genome: str, source: str) -> None:
    """Raise :class:`InputError` when hotspot alleles match the other build only."""
    other = next(g for g in GENOMES if g != genome)
    if hits == 0 and hits_other >= MIN_HOTSPOT_EVIDENCE:
        raise InputError(
            f"{source}: {hits_other} variants match Cancer Hotspots alleles on {other} and none "
            f"on {genome}; the file looks like {other}: pass genome={other!r} (CLI --genome "
            f"{other}) or lift it over"
        )


def detect_build(path: str | Path) -> str | None:
    """Return the build (GRCh37 / GRCh38) of a VCF, BCF or BAM from its header contig lengths.

    Parameters
    ----------
    path
        A VCF, BCF or BAM file.

    Returns
    -------
    str or None
        ``"GRCh37"`` or ``"GRCh38"``; None when the header declares no primary-chromosome length
        or matches neither build.
    """
    import pysam

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    try:
        if path.suffix in (".bam", ".cram", ".sam"):
            with pysam.AlignmentFile(str(path), check_sq=False) as bam:
                lengths = dict(zip(bam.references, bam.lengths, strict=True))
        else:
            with pysam.VariantFile(str(path)) as vcf:
                lengths = {name: c.length for name, c in vcf.header.contigs.items()}
    except (OSError, ValueError) as err:
        raise InputError(f"{path}: cannot read the header ({err})") from None
    return infer_genome(lengths)
