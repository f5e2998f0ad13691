"""Read one tumour's somatic VCF into the standard variants table, through ``pysam.VariantFile``."""

from __future__ import annotations

import contextlib
import gzip
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pysam

from rtpredict.errors import InputError
from rtpredict.genomics._alleles import trim_alleles, variant_class
from rtpredict.genomics._annotation import Annotation, AnnotationReader
from rtpredict.genomics._build import (
    check_genome,
    check_header_build,
    check_hotspot_evidence,
    check_positions,
    infer_genome,
)
from rtpredict.genomics._consequences import IMPACT
from rtpredict.genomics._contigs import contig_order, is_primary, normalise_contig
from rtpredict.genomics._genes import genes_at
from rtpredict.genomics._hotspots import hotspot_table, match_hotspots
from rtpredict.genomics._resources import GENOMES
from rtpredict.genomics._table import COLUMNS, conform, empty_variants
from rtpredict.genomics._tumour_sample import tumour_column
from rtpredict.genomics._vaf import VafReader

logger = logging.getLogger(__name__)
_NO_ANNOTATION = Annotation(None, None, None, None)


@contextlib.contextmanager
def _quiet_htslib() -> Iterator[None]:
    """Silence htslib's own stderr messages; errors reach the user as InputError instead."""
    previous = pysam.set_verbosity(0)
    try:
        yield
    finally:
        pysam.set_verbosity(previous)


@contextlib.contextmanager
def _bgzf_readable(path: Path) -> Iterator[Path]:
    """Yield ``path``, or a decompressed temporary copy when it is plain gzip (not bgzip).

    htslib streams bgzip (and BCF) files but cannot open plain gzip VCFs through pysam, so these
    are decompressed once to a temporary file that is removed afterwards.
    """
    with path.open("rb") as handle:
        head = handle.read(18)
    is_gzip = head[:2] == b"\x1f\x8b"
    is_bgzf = len(head) >= 16 and head[3] & 4 and head[12:14] == b"BC"
    if not is_gzip or is_bgzf:
        yield path
        return
    logger.info("%s is plain gzip, not bgzip: reading a decompressed temporary copy", path)
    with tempfile.TemporaryDirectory(prefix="rtpredict-vcf-") as folder:
        copy = Path(folder) / path.name.removesuffix(".gz")
        try:
            with gzip.open(path, "rb") as compressed, copy.open("wb") as plain:
                shutil.copyfileobj(compressed, plain)
        except (OSError, EOFError) as err:
            raise InputError(
                f"{path}: gzip data cannot be read ({err}); the file is truncated or corrupt"
            ) from None
        yield copy


def read_somatic_vcf(
    path: str | os.PathLike[str],
    *,
    sample: str | None = None,
    genome: str = "GRCh38",
    vaf_fields: Sequence[str] | None = None,
    pass_only: bool = True,
) -> pd.DataFrame:
    """Read the somatic variants of one tumour from a VCF or BCF (plain, gzip or bgzip).

    One row per alternate allele of each passing record (FILTER ``PASS``, or ``.`` = no filter
    applied), sorted by chromosome (karyotype order), position and alleles. Symbolic alleles
    (``<DEL>``), breakends and ``*`` are skipped. No index is needed: the file is streamed
    (an index matters only for region queries, which this reader does not make). Plain-gzip
    files are read through a decompressed temporary copy.

    Parameters
    ----------
    path
        The VCF/BCF file.
    sample
        Name of the tumour column. By default: the ``##tumor_sample=`` header line (Mutect2),
        else a column named TUMOR/TUMOUR (Strelka), else the column that is not
        ``##normal_sample=``, else the only column.
    genome
        ``"GRCh38"``, ``"GRCh37"`` or ``"auto"`` (from the header's contig lengths, which must
        then be present). A header, position or hotspot pattern that contradicts the build
        raises :class:`~rtpredict.errors.InputError`. Coordinate-based gene assignment exists for
        GRCh38 only; GRCh37 input gets genes from CSQ/ANN or hotspot hits.
    vaf_fields
        Extra VAF sources tried before FORMAT ``AD``/``AF`` (see :mod:`rtpredict.genomics._vaf`),
        e.g. ``["FORMAT/FREQ"]`` for VarScan.
    pass_only
        Keep only passing records; with False, filtered records are kept and ``filter`` tells.

    Returns
    -------
    DataFrame with columns ``chrom`` (``chr1``…``chrX``, ``chrY``, ``chrM``; other contigs
    verbatim), ``pos`` (1-based, as in the VCF), ``ref``, ``alt`` (VCF alleles, upper case),
    ``gene``, ``consequence`` (SO term), ``protein_change`` (one-letter, ``R175H``), ``vaf``,
    ``depth``, ``alt_depth``, ``hotspot``, ``hotspot_gene``, ``variant_class`` (SNV, MNV,
    insertion, deletion, complex), ``impact``, ``filter`` and ``annotation_source`` (``CSQ``,
    ``ANN``, ``hotspot``, ``coordinates``; None = no gene or consequence known). ``attrs`` records
    the file, tumour column, build, annotation key and hotspot hits on both builds.
    """
    path = Path(path)
    source = str(path)
    if genome != "auto":
        check_genome(genome)
    if not path.is_file():
        raise InputError(f"{source}: no such VCF file")
    with _quiet_htslib(), _bgzf_readable(path) as readable:
        try:
            vcf = pysam.VariantFile(str(readable))
        except (OSError, ValueError, NotImplementedError) as err:
            damaged = "truncated" in str(err) or "EOF" in str(err)
            fix = (
                "the file is truncated or corrupt: copy or create it again (`bgzip -t` checks it)"
                if damaged
                else f"check it with `bcftools view -h {source}`"
            )
            raise InputError(f"{source}: not a readable VCF or BCF ({err}); {fix}") from None
        with vcf:
            header = vcf.header
            lengths = {name: contig.length for name, contig in header.contigs.items()}
            genome = _resolve_genome(genome, lengths, source)
            check_header_build(lengths, genome, source)
            meta = {rec.key: rec.value for rec in header.records if rec.type == "GENERIC"}
            samples = list(header.samples)
            column = tumour_column(samples, meta, sample, source)
            vaf = VafReader(
                {k: str(v.number) for k, v in header.formats.items()},
                {k: str(v.number) for k, v in header.info.items()},
                vaf_fields,
                source,
            )
            annotation = AnnotationReader.from_header(
                {k: v.description or "" for k, v in header.info.items() if k in ("CSQ", "ANN")}
            )
            n_header_lines = len(str(header).splitlines())
            rows, n_records = _collect(
                vcf, column, vaf, annotation, pass_only, source, n_header_lines
            )
    variants = _finish(rows, genome, annotation, source)
    variants.attrs = {
        "source": source,
        "sample_column": None if column is None else column + 1,  # names may identify a patient
        "genome": genome,
        "annotation": annotation.key if annotation is not None else None,
        "records": n_records,
    } | variants.attrs
    return variants


def _resolve_genome(genome: str, lengths: dict[str, int | None], source: str) -> str:
    if genome != "auto":
        return genome
    inferred = infer_genome(lengths)
    if inferred is None:
        raise InputError(
            f"{source}: genome='auto' needs ##contig lines with lengths of the primary "
            f"chromosomes of {' or '.join(GENOMES)}; none were found, so pass the build explicitly"
        )
    return inferred


def _collect(
    vcf: Any,
    column: int | None,
    vaf: VafReader,
    annotation: AnnotationReader | None,
    pass_only: bool,
    source: str,
    n_header_lines: int,
) -> tuple[dict[str, list[Any]], int]:
    """Stream the records and return one list per column (one entry per kept alt allele)."""
    rows: list[tuple[Any, ...]] = []
    records = iter(vcf)
    n = 0
    while True:
        try:
            record = next(records)
        except StopIteration:
            break
        except (OSError, ValueError) as err:
            raise InputError(
                f"{source}: cannot read record {n + 1} (about line {n_header_lines + n + 1}): "
                f"{err or 'unreadable data'} (a malformed record, or a truncated or corrupt "
                f"file); check it with `bcftools view {source} > /dev/null` (and `bgzip -t` "
                "if compressed) and fix or re-export it"
            ) from None
        n += 1
        try:
            _add_record(rows, record, column, vaf, annotation, pass_only)
        except InputError:
            raise
        except (TypeError, ValueError, KeyError, IndexError) as err:
            raise InputError(
                f"{source}: record {n} (line {n_header_lines + n}, {record.contig}:{record.pos}) "
                f"is malformed: {err}; fix or drop the record"
            ) from None
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(_FIELDS)
    return {name: list(values) for name, values in zip(_FIELDS, columns, strict=True)}, n


_FIELDS = ("chrom", "pos", "ref", "alt", "filter", "vaf", "depth", "alt_depth")
_FIELDS += ("gene", "consequence", "impact", "protein_change")


def _add_record(
    rows: list[tuple[Any, ...]],
    record: Any,
    column: int | None,
    vaf: VafReader,
    annotation: AnnotationReader | None,
    pass_only: bool,
) -> None:
    alts = record.alts
    if not alts:
        return
    filters = record.filter.keys()
    if pass_only and filters and filters != ["PASS"]:
        return
    fractions, depth, alt_depths = vaf.read(record, column)
    ref = record.ref.upper()
    if annotation is not None:
        chosen = annotation.annotate(record.info.get(annotation.key), record.ref, alts)
    else:
        chosen = [None] * len(alts)
    chrom = normalise_contig(record.contig)
    pos = record.pos
    filter_text = ";".join(filters) if filters else "."
    for i, alt in enumerate(alts):
        if alt in ("*", ".") or alt.startswith("<") or "[" in alt or "]" in alt:
            continue
        picked = chosen[i] or _NO_ANNOTATION
        rows.append(
            (chrom, pos, ref, alt.upper(), filter_text, fractions[i], depth, alt_depths[i], *picked)
        )


def _finish(
    rows: dict[str, list[Any]], genome: str, annotation: AnnotationReader | None, source: str
) -> pd.DataFrame:
    """Trim alleles, check the build, add hotspots and coordinate genes, sort and type."""
    if not rows["chrom"]:
        empty = empty_variants()
        empty.attrs = {"hotspot_hits": dict.fromkeys(GENOMES, 0)}
        return empty
    frame = pd.DataFrame({k: pd.Series(v, dtype=COLUMNS[k]) for k, v in rows.items()})
    chroms = frame["chrom"].to_numpy(dtype=object)
    codes, names = pd.factorize(chroms)
    primary = np.array([is_primary(c) for c in names], dtype=bool)[codes]
    if not primary.any():
        seen = ", ".join(sorted(set(chroms))[:5])
        raise InputError(
            f"{source}: no variant is on a human primary chromosome (contigs: {seen}); rename "
            "the contigs to 1..22/X/Y/MT or chr1..chrM (`bcftools annotate --rename-chrs`)"
        )
    positions = frame["pos"].to_numpy(np.int64)
    check_positions(chroms[primary], positions[primary], genome, source)
    trim_pos, trim_ref, trim_alt, frame["variant_class"] = _trim(
        positions, frame["ref"].to_numpy(object), frame["alt"].to_numpy(object)
    )

    hits = {g: match_hotspots(chroms, trim_pos, trim_ref, trim_alt, g) for g in GENOMES}
    n_hits = {g: int((hits[g] >= 0).sum()) for g in GENOMES}
    check_hotspot_evidence(n_hits[genome], n_hits[_other(genome)], genome, source)
    row = hits[genome]
    is_hotspot = row >= 0
    table = hotspot_table(genome)
    frame["hotspot"] = is_hotspot
    frame["hotspot_gene"] = np.where(is_hotspot, table["gene"].to_numpy(object)[row], None)

    source_of = np.full(len(frame), None, dtype=object)
    annotated = frame["consequence"].notna().to_numpy()
    if annotation is not None:
        source_of[annotated] = annotation.key
    from_hotspot = is_hotspot & ~annotated
    if from_hotspot.any():
        hotspot_rows = table.iloc[row[from_hotspot]]
        consequences = hotspot_rows["consequence"].to_numpy(object)
        frame.loc[from_hotspot, "gene"] = hotspot_rows["gene"].to_numpy(object)
        frame.loc[from_hotspot, "consequence"] = consequences
        frame.loc[from_hotspot, "protein_change"] = hotspot_rows["protein_change"].to_numpy(object)
        frame.loc[from_hotspot, "impact"] = [IMPACT.get(c, "MODIFIER") for c in consequences]
        source_of[from_hotspot] = "hotspot"
    unknown = ~annotated & ~is_hotspot & frame["gene"].isna().to_numpy()
    if unknown.any():
        if genome == "GRCh38":
            genes = genes_at(chroms[unknown], positions[unknown])
            frame.loc[unknown, "gene"] = genes
            source_of[np.flatnonzero(unknown)[genes != None]] = "coordinates"  # noqa: E711
        else:
            logger.info(
                "%s: %d unannotated variants get no gene: coordinate lookup is GRCh38 only",
                source,
                int(unknown.sum()),
            )
    frame["annotation_source"] = source_of

    ranks = contig_order(list(pd.unique(frame["chrom"])))
    frame["_rank"] = frame["chrom"].map(ranks)
    frame = frame.sort_values(["_rank", "pos", "ref", "alt"], kind="stable")
    out = conform(frame.drop(columns="_rank"))
    out.attrs = {"hotspot_hits": n_hits}
    return out


def _trim(
    positions: np.ndarray, refs: np.ndarray, alts: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Trim alleles and classify them; single-base pairs (most rows) are SNVs as they stand."""
    n = len(positions)
    single = (np.fromiter(map(len, refs), np.int64, n) == 1) & (
        np.fromiter(map(len, alts), np.int64, n) == 1
    )
    trim_pos, trim_ref, trim_alt = positions.copy(), refs.copy(), alts.copy()
    classes = np.full(n, "SNV", dtype=object)
    for i in np.flatnonzero(~single).tolist():
        trim_pos[i], trim_ref[i], trim_alt[i] = trim_alleles(int(positions[i]), refs[i], alts[i])
        classes[i] = variant_class(trim_ref[i], trim_alt[i])
    return trim_pos, trim_ref, trim_alt, classes


def _other(genome: str) -> str:
    return next(g for g in GENOMES if g != genome)
