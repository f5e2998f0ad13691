"""Check that the reference files belong together before any index is built.

A GTF of one build or naming style with a genome or transcriptome of another is a common and
costly mistake: quantification runs for hours and then nothing matches. The contig names of the
genome FASTA must include the GTF's, and most transcript names of the transcript FASTA must be
in the GTF (in either Ensembl version form).
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pandas as pd

from rtpredict.errors import InputError
from rtpredict.io import match_transcripts, read_tx2gene

#: share of the transcript FASTA's records that must be in the GTF
MIN_TRANSCRIPTS_MATCHED = 0.95


def fasta_names(path: str | os.PathLike) -> list[str]:
    """Return the record names of a (gzipped) FASTA: the header up to the first space."""
    path = Path(path)
    with open(path, "rb") as probe:
        opener = gzip.open if probe.read(2) == b"\x1f\x8b" else open
    names = []
    with opener(path, "rb") as fh:
        for line in fh:
            if line.startswith(b">"):
                names.append(line[1:].split(maxsplit=1)[0].decode() if line[1:].strip() else "")
    return names


def gtf_contigs(path: str | os.PathLike) -> set[str]:
    """Return the sequence names used by a GTF."""
    table = pd.read_csv(path, sep="\t", comment="#", header=None, usecols=[0], dtype=str)
    return set(table[0])


def check_reference(
    gtf: str | os.PathLike,
    *,
    genome: str | os.PathLike | None = None,
    transcriptome: str | os.PathLike | None = None,
) -> dict[str, int]:
    """Check that the GTF, genome and transcriptome belong to one build and naming style.

    Parameters
    ----------
    gtf
        The annotation.
    genome
        The genome FASTA (indexed or not), if used.
    transcriptome
        The transcriptome FASTA, if used.

    Returns
    -------
    dict of str to int
        Counts for the record (contigs, transcripts).

    Raises
    ------
    InputError
        Naming the files, an example of what does not match and the likely fix (``chr1``
        against ``1``, or another release).
    """
    report: dict[str, int] = {}
    if genome is not None:
        contigs = set(fasta_names(genome))
        used = gtf_contigs(gtf)
        missing = sorted(used - contigs)
        if missing:
            hint = ""
            if any(f"chr{m}" in contigs for m in missing) or any(
                m.removeprefix("chr") in contigs for m in missing
            ):
                hint = " ('chr1' against '1': the files use different naming styles)"
            raise InputError(
                f"{gtf} names {len(missing)} sequence(s) that {genome} lacks (e.g. "
                f"{missing[0]!r}){hint}: the GTF and the genome must come from the same build "
                "and release"
            )
        report |= {"genome_contigs": len(contigs), "gtf_contigs": len(used)}
    if transcriptome is not None:
        names = pd.Index(fasta_names(transcriptome))
        if names.empty:
            raise InputError(f"{transcriptome}: no FASTA records")
        genes = match_transcripts(names, read_tx2gene(gtf))
        matched = float(genes.notna().mean())
        if matched < MIN_TRANSCRIPTS_MATCHED:
            example = names[genes.isna().to_numpy()][0]
            raise InputError(
                f"only {matched:.0%} of the transcripts of {transcriptome} are in {gtf} (e.g. "
                f"{example!r}): the transcript FASTA and the GTF must come from the same release"
            )
        report |= {"transcripts": len(names), "transcripts_in_gtf": int(genes.notna().sum())}
    return report
