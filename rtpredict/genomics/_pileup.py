"""Count reference and alternate reads at Cancer Hotspots positions in a BAM (e.g. STAR RNA-seq).

Supporting evidence only: RNA reads show expressed alleles, not the DNA genotype. For each hotspot
allele on a chromosome of the BAM (and inside it): an SNV or MNV counts the reads whose bases at
the position(s) equal the reference or the alternate allele; an insertion or deletion counts, at
the base before it, the reads carrying exactly that indel (alt) or none (ref). Reads spliced over
the position (``N``), duplicates, secondary and QC-failed reads are not counted. Complex
(delins) hotspots are reported with missing counts.
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path
from typing import Any

import pandas as pd
import pysam

from rtpredict.errors import InputError
from rtpredict.genomics._build import check_genome, check_header_build
from rtpredict.genomics._contigs import normalise_contig
from rtpredict.genomics._hotspots import hotspot_table

PILEUP_COLUMNS = (
    "chrom",
    "pos",
    "ref",
    "alt",
    "gene",
    "protein_change",
    "variant_class",
    "depth",
    "ref_count",
    "alt_count",
    "alt_fraction",
)


def hotspot_pileup(
    bam: str | os.PathLike[str],
    *,
    genome: str = "GRCh38",
    genes: list[str] | None = None,
    min_mapping_quality: int = 20,
    min_base_quality: int = 13,
) -> pd.DataFrame:
    """Count reference and alternate reads at each hotspot allele that falls in the BAM.

    Parameters
    ----------
    bam
        Coordinate-sorted, indexed BAM (``samtools index``).
    genome
        Build of the alignment, GRCh37 or GRCh38; checked against the header's lengths.
    genes
        Restrict to the hotspots of these genes (default: all).
    min_mapping_quality, min_base_quality
        Reads and bases below these are not counted.

    Returns
    -------
    DataFrame with ``chrom, pos, ref, alt`` (hotspot table, MAF style, ``chr`` names), ``gene``,
    ``protein_change``, ``variant_class`` (MAF class), ``depth`` (reads informative at the
    position), ``ref_count``, ``alt_count`` and ``alt_fraction`` (alt / depth, NaN at depth 0).
    """
    check_genome(genome)
    path = Path(bam)
    source = str(path)
    if not path.is_file():
        raise InputError(f"{source}: no such BAM file")
    try:
        handle = pysam.AlignmentFile(source)
    except (OSError, ValueError) as err:
        raise InputError(f"{source}: not a readable BAM ({err})") from None
    with handle:
        if not handle.has_index():
            raise InputError(f"{source}: no index; create one with `samtools index {source}`")
        lengths = dict(zip(handle.references, handle.lengths, strict=True))
        check_header_build(lengths, genome, source)
        names = {normalise_contig(name): name for name in handle.references}
        table = hotspot_table(genome)
        inside = table["chrom"].isin(list(names)) & (
            table["trim_pos"] <= table["chrom"].map(lambda c: lengths.get(names.get(c, ""), 0))
        )
        if genes is not None:
            inside &= table["gene"].isin(genes)
        chosen = table[inside]
        counts = _count(handle, chosen, names, min_mapping_quality, min_base_quality)
    out = chosen[["chrom", "pos", "ref", "alt", "gene", "protein_change", "variant_class"]]
    out = out.reset_index(drop=True)
    for name, values in zip(("depth", "ref_count", "alt_count"), counts, strict=True):
        out[name] = pd.array(values, dtype="Int64")
    depth = out["depth"].astype("float64")
    out["alt_fraction"] = (out["alt_count"].astype("float64") / depth.where(depth > 0)).astype(
        float
    )
    return out[list(PILEUP_COLUMNS)]


def _count(
    bam: Any, hotspots: pd.DataFrame, names: dict[str, str], min_mq: int, min_bq: int
) -> tuple[list[Any], list[Any], list[Any]]:
    """Return depth, ref and alt counts per hotspot row, one pileup per distinct column."""
    by_column: dict[tuple[str, int], list[int]] = defaultdict(list)
    rows = list(hotspots.itertuples(index=False))
    for i, row in enumerate(rows):
        if row.allele_class in ("SNV", "MNV"):
            column = row.trim_pos - 1
        elif row.allele_class in ("insertion", "deletion"):
            column = row.trim_pos - 2  # the base before the indel, 0-based
        else:
            continue
        by_column[(names[row.chrom], column)].append(i)
    depth: list[Any] = [None] * len(rows)
    ref_count: list[Any] = [None] * len(rows)
    alt_count: list[Any] = [None] * len(rows)
    for (contig, column), members in by_column.items():
        reads = _reads_at(bam, contig, column)
        for i in members:
            depth[i], ref_count[i], alt_count[i] = _tally(reads, rows[i], column, min_mq, min_bq)
    return depth, ref_count, alt_count


def _reads_at(bam: Any, contig: str, column: int) -> list[Any]:
    for pileup_column in bam.pileup(
        contig,
        column,
        column + 1,
        truncate=True,
        ignore_orphans=False,
        min_base_quality=0,
        min_mapping_quality=0,
    ):
        return [r for r in pileup_column.pileups if not r.is_refskip]
    return []


def _tally(
    reads: list[Any], row: Any, column: int, min_mq: int, min_bq: int
) -> tuple[int, int, int]:
    depth = ref = alt = 0
    for read in reads:
        aln = read.alignment
        if aln.mapping_quality < min_mq or read.is_del:
            continue
        qpos = read.query_position
        quality = aln.query_qualities
        if quality is not None and quality[qpos] < min_bq:
            continue
        sequence = aln.query_sequence
        if row.allele_class in ("SNV", "MNV"):
            width = len(row.trim_ref)
            if width > 1 and not _contiguous(aln, qpos, column, width):
                continue
            bases = sequence[qpos : qpos + width]
            depth += 1
            ref += bases == row.trim_ref
            alt += bases == row.trim_alt
        else:
            depth += 1
            if read.indel == 0:
                ref += 1
            elif row.allele_class == "deletion":
                alt += read.indel == -len(row.trim_ref)
            else:
                inserted = sequence[qpos + 1 : qpos + 1 + len(row.trim_alt)]
                alt += read.indel == len(row.trim_alt) and inserted == row.trim_alt
    return depth, ref, alt


def _contiguous(aln: Any, qpos: int, column: int, width: int) -> bool:
    """Tell whether query bases qpos.. align one-to-one to reference column.. for ``width``."""
    pairs = dict(aln.get_aligned_pairs(matches_only=True))
    return all(pairs.get(qpos + k) == column + k for k in range(width))
