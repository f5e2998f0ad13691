"""Read one tumour's somatic VCF into the standard variants table, through ``pysam.VariantFile``.

htslib parses and checks every record; the loop keeps each record's text as htslib writes it,
and the columns, VAF and CSQ/ANN choice of each block of records are then worked out at once
from its bytes by Numba text kernels (:mod:`rtpredict.kernels.text`), which make a Python string
of a field's distinct values only (:mod:`~rtpredict.genomics._records`,
:mod:`~rtpredict.genomics._vaf`, :mod:`~rtpredict.genomics._annotation`). VAF sources that need
pysam's typed values (FORMAT/AF floats, Strelka counts, user-named fields) are read record by
record.
"""

from __future__ import annotations

import contextlib
import gzip
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd
import pysam

from rtpredict.errors import InputError
from rtpredict.genomics._annotation import AnnotationReader
from rtpredict.genomics._build import check_genome, check_header_build, infer_genome
from rtpredict.genomics._enrich import finish_variants
from rtpredict.genomics._records import FORMAT, allele_rows, concatenate, kept_records
from rtpredict.genomics._resources import GENOMES
from rtpredict.genomics._tumour_sample import tumour_column
from rtpredict.genomics._vaf import VafReader, VafValues, allele_vafs

logger = logging.getLogger(__name__)
#: records worked out together: their text fits in the CPU's cache
_BLOCK = 4096


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
                {k: str(v.type) for k, v in header.formats.items()},
            )
            annotation = AnnotationReader.from_header(
                {k: v.description or "" for k, v in header.info.items() if k in ("CSQ", "ANN")}
            )
            key = annotation.key if annotation is not None else None
            context = _Context(source, len(str(header).splitlines()), column, vaf, key)
            blocks: list[dict[str, Any]] = []
            n_records, typed = _collect(
                vcf,
                context,
                pass_only,
                lambda lines, first: blocks.append(
                    kept_records(lines, first, column, pass_only, annotation, vaf.counts_from_text)
                ),
            )
        records = concatenate(blocks)
        vafs = allele_vafs(records, vaf, typed, lambda wanted: _reread(readable, wanted, context))
    alleles = allele_rows(records, vafs)
    variants = finish_variants(
        alleles, genome, annotation.key if annotation is not None else None, source
    )
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


class _Context(NamedTuple):
    """What reading records needs besides the records: for messages and the VAF."""

    source: str
    n_header_lines: int
    column: int | None
    vaf: VafReader
    annotation_key: str | None

    def malformed(self, n: int, record: Any, err: Exception) -> InputError:
        """The error for record ``n`` (1-based) that pysam read but that makes no sense."""
        return InputError(
            f"{self.source}: record {n} (line {self.n_header_lines + n}, "
            f"{record.contig}:{record.pos}) is malformed: {err}; fix or drop the record"
        )


def _collect(
    vcf: Any,
    context: _Context,
    pass_only: bool,
    on_block: Callable[[list[str], int], None],
) -> tuple[int, dict[int, VafValues]]:
    """Stream the records: hand on their text in blocks, and the VAF where text will not do.

    ``on_block`` gets the text of each block of records and the 0-based number of its first
    record: a block is worked out while its text is still in the CPU's cache, and the text of
    the whole file is never held. The VAF is read through pysam, record by record, when the
    header's fields rule out reading it from text, and for a kept record whose line lacks the
    tumour column (pysam's error then names it). Returns the number of records and those VAF
    values by 0-based record number.
    """
    lines: list[str] = []
    typed: dict[int, VafValues] = {}
    column, vaf, source = context.column, context.vaf, context.source
    per_record = column is not None and not vaf.counts_from_text
    min_tabs = 0 if column is None else FORMAT + 1 + column
    records = iter(vcf)
    n = 0
    while True:
        try:
            record = next(records)
        except StopIteration:
            break
        except (OSError, ValueError) as err:
            line_number = context.n_header_lines + n + 1
            raise InputError(
                f"{source}: cannot read record {n + 1} (about line {line_number}): "
                f"{err or 'unreadable data'} (a malformed record, or a truncated or corrupt "
                f"file); check it with `bcftools view {source} > /dev/null` (and `bgzip -t` "
                "if compressed) and fix or re-export it"
            ) from None
        n += 1
        try:
            try:
                line = str(record)
            except UnicodeDecodeError:
                line = _used_fields(record, n - 1, context, pass_only, typed)
            lines.append(line)
            if (per_record or line.count("\t") < min_tabs) and _kept(record, pass_only):
                typed[n - 1] = vaf.read(record, column)
        except InputError:
            raise
        except (TypeError, ValueError, KeyError, IndexError) as err:
            raise context.malformed(n, record, err) from None
        if len(lines) == _BLOCK:
            on_block(lines, n - _BLOCK)
            lines = []
    on_block(lines, n - len(lines))
    return n, typed


def _used_fields(
    record: Any, number: int, context: _Context, pass_only: bool, typed: dict[int, VafValues]
) -> str:
    """Return a record's line with only the fields the reader uses, the others ``.``.

    For a record that is not UTF-8 throughout (a Latin-1 ID, say), so that fields the reader
    never reads cannot stop it; its VAF, if kept, goes into ``typed``.
    """
    kept = _kept(record, pass_only)
    info = None
    if kept and context.annotation_key is not None:
        info = record.info.get(context.annotation_key)
    if info:
        info = f"{context.annotation_key}={info if isinstance(info, str) else ','.join(info)}"
    alts = ",".join(record.alts) if record.alts else "."
    filters = ";".join(record.filter.keys()) or "."
    columns = [record.contig, str(record.pos), ".", record.ref, alts, ".", filters, info or "."]
    if context.column is not None:
        if kept:
            typed[number] = context.vaf.read(record, context.column)
        columns += ["."] * (2 + context.column)
    return "\t".join(columns) + "\n"


def _kept(record: Any, pass_only: bool) -> bool:
    """Tell whether a record has alt alleles and passes (FILTER PASS or ``.``) if it must."""
    if not record.alts:
        return False
    return not pass_only or record.filter.keys() in ([], ["PASS"])


def _reread(path: Path, wanted: set[int], context: _Context) -> dict[int, VafValues]:
    """Read the VAF of the wanted records (0-based numbers) through pysam's typed values."""
    found: dict[int, VafValues] = {}
    with pysam.VariantFile(str(path)) as vcf:
        for n, record in enumerate(vcf):
            if n in wanted:
                try:
                    found[n] = context.vaf.read(record, context.column)
                except InputError:
                    raise
                except (TypeError, ValueError, KeyError, IndexError) as err:
                    raise context.malformed(n + 1, record, err) from None
                if len(found) == len(wanted):
                    break
    return found
