"""BAM quality control through pysam: mapping and pairing rates, library strandedness."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pysam

from rtpredict.errors import InputError

#: sense fraction of read 1 above which a library is forward-stranded (below 1 - this: reverse)
STRANDED_CUTOFF = 0.8


def bam_qc(bam: str | os.PathLike) -> dict[str, float]:
    """Return primary-read totals and the mapped and properly-paired fractions of a BAM.

    Counts come from ``samtools flagstat`` (through pysam), QC-passed reads only.

    Parameters
    ----------
    bam
        An indexed BAM file.

    Returns
    -------
    dict of str to float
        Totals and fractions by name.
    """
    try:
        stats = json.loads(pysam.flagstat("-O", "json", str(bam)))["QC-passed reads"]
    except (pysam.utils.SamtoolsError, json.JSONDecodeError, KeyError) as err:
        raise InputError(f"{bam}: samtools flagstat failed: {err}") from err
    primary = stats["primary"]
    return {
        "bam_primary_reads": primary,
        "bam_mapped_fraction": stats["primary mapped"] / primary if primary else float("nan"),
        "bam_properly_paired_fraction": (
            stats["properly paired"] / stats["paired in sequencing"]
            if stats["paired in sequencing"]
            else float("nan")
        ),
    }


def infer_strandedness(
    bam: str | os.PathLike, genes: pd.DataFrame, *, max_reads: int = 200_000
) -> dict[str, float | str | int]:
    """Infer library strandedness from read 1 orientation relative to the gene it falls in.

    Like RSeQC's ``infer_experiment``: among up to ``max_reads`` uniquely mapped, properly
    paired first mates lying inside a gene (``genes`` from :func:`rtpredict.io.read_gene_intervals`;
    where genes overlap, the one starting last before the read is used), the fraction on the
    gene's strand. Above 0.8: forward (featureCounts ``-s 1``); below 0.2: reverse (``-s 2``);
    otherwise unstranded (``-s 0``).

    Parameters
    ----------
    bam
        A coordinate-sorted, indexed BAM of paired reads.
    genes
        Gene spans and strands (:func:`rtpredict.io.read_gene_intervals`).
    max_reads
        Stop after this many informative reads.

    Returns
    -------
    dict
        The fraction on the gene's strand, the reads used, the strandedness in words and the
        featureCounts ``-s`` value.
    """
    by_contig = {
        contig: (g["start"].to_numpy(), g["end"].to_numpy(), (g["strand"] == "+").to_numpy())
        for contig, g in genes.sort_values("start").groupby("contig")
    }
    sense = assigned = 0
    with pysam.AlignmentFile(str(bam)) as fh:
        for read in fh.fetch(until_eof=True):
            if assigned >= max_reads:
                break
            if (
                not read.is_read1
                or not read.is_proper_pair
                or read.is_secondary
                or read.is_supplementary
                or read.mapping_quality < 10
                or read.reference_name not in by_contig
            ):
                continue
            starts, ends, plus = by_contig[read.reference_name]
            pos = read.reference_start + 1
            i = np.searchsorted(starts, pos, side="right") - 1
            if i < 0 or pos > ends[i]:
                continue
            assigned += 1
            sense += plus[i] != read.is_reverse
    if not assigned:
        return {
            "strand_sense_fraction": float("nan"),
            "strandedness": "unknown",
            "featurecounts_strand": 0,
            "strand_reads_assigned": 0,
        }
    fraction = sense / assigned
    if fraction > STRANDED_CUTOFF:
        words, code = "forward", 1
    elif fraction < 1 - STRANDED_CUTOFF:
        words, code = "reverse", 2
    else:
        words, code = "unstranded", 0
    return {
        "strand_sense_fraction": fraction,
        "strandedness": words,
        "featurecounts_strand": code,
        "strand_reads_assigned": assigned,
    }
