"""Check FASTQ pairs before any tool runs: complete gzip, well-formed records, true mates.

One streaming pass per file (gzip is decompressed block by block, lines are counted, never
parsed one by one in Python); records at the head and tail of each file are parsed to check
their structure and that read 1 and read 2 name the same fragments. The same pass checksums the
file as stored, for the run's provenance, so no later step reads the FASTQ files again.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from rtpredict.errors import InputError

_BLOCK = 1 << 23  # 8 MiB of decompressed text per read
_SAMPLE = 1000  # records parsed at each end of a file
_MATE_SUFFIX = re.compile(rb"/[12]$")


@dataclass
class FastqScan:
    """What one pass over a FASTQ file found."""

    path: Path
    n_records: int
    sha256: str
    size: int
    head: list[tuple[bytes, bytes, bytes, bytes]] = field(repr=False)
    tail: list[bytes] = field(repr=False)

    def names(self, records: list[tuple[bytes, ...]] | None = None) -> list[bytes]:
        """Return the fragment names of the head records (mate suffix and comment removed)."""
        return [_fragment_name(r[0]) for r in (records or self.head)]


def _fragment_name(header: bytes) -> bytes:
    return _MATE_SUFFIX.sub(b"", header[1:].split(maxsplit=1)[0] if header[1:] else b"")


class _Checksummed(io.RawIOBase):
    """A file read through: every byte read is added to a SHA-256 digest."""

    def __init__(self, raw):
        self.raw, self.digest, self.size = raw, hashlib.sha256(), 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.raw.readinto(buffer)
        self.digest.update(memoryview(buffer)[:n])
        self.size += n
        return n

    def drain(self) -> None:
        """Read what the decompressor left (trailing bytes), so the digest covers the file."""
        while self.read(_BLOCK):
            pass


def _open(raw: _Checksummed):
    magic = raw.raw.peek(2)[:2]
    return gzip.GzipFile(fileobj=raw, mode="rb") if magic == b"\x1f\x8b" else raw


def _records(lines: list[bytes], path: Path, first_line: int) -> list[tuple[bytes, ...]]:
    """Group lines into 4-line records, checking each one's structure."""
    out = []
    for i in range(0, len(lines) - len(lines) % 4, 4):
        header, seq, plus, qual = lines[i : i + 4]
        where = f"{path}, line {first_line + i}"
        if not header.startswith(b"@"):
            raise InputError(f"{where}: a FASTQ record starts with '@', found {header[:20]!r}")
        if not plus.startswith(b"+"):
            raise InputError(f"{where}: the third line of a record starts with '+'")
        if len(seq) != len(qual):
            raise InputError(
                f"{where}: sequence ({len(seq)} bases) and quality ({len(qual)}) differ in length"
            )
        out.append((header, seq, plus, qual))
    return out


def scan_fastq(path: str | os.PathLike) -> FastqScan:
    """Read a FASTQ (plain or gzip) once; return its record count and head and tail records.

    Parameters
    ----------
    path
        The FASTQ file.

    Returns
    -------
    FastqScan
        Record count, SHA-256, size, and the first and last records.

    Raises
    ------
    InputError
        Naming the file and the fix for: a truncated or corrupt gzip stream, an empty file,
        Windows (CRLF) line endings, a last record cut short, and malformed records at
        either end.
    """
    path = Path(path)
    n_lines = 0
    head: list[bytes] = []
    tail = b""
    last = b""
    try:
        with open(path, "rb") as stored, _open(raw := _Checksummed(stored)) as fh:
            while block := fh.read(_BLOCK):
                if not head:
                    if b"\r\n" in block[:65536]:
                        raise InputError(
                            f"{path}: Windows line endings (CRLF); convert the file with "
                            f"`dos2unix` (or `sed 's/\\r$//'`) and compress it again"
                        )
                    head = block.split(b"\n", 4 * _SAMPLE)[: 4 * _SAMPLE]
                n_lines += block.count(b"\n")
                tail = (tail + block)[-(_BLOCK // 8) :]
                last = block[-1:]
            raw.drain()
    except (EOFError, gzip.BadGzipFile, zlib.error) as err:
        problem = (
            "the gzip stream is truncated (it ends before its end-of-stream marker): the file "
            "was not copied or written completely; copy it again"
            if isinstance(err, EOFError)
            else f"corrupt gzip data ({err}); copy the file again and check it with `gzip -t`"
        )
        raise InputError(f"{path}: {problem}") from None
    except OSError as err:
        raise InputError(f"{path}: cannot read: {err}") from None
    if last and last != b"\n":
        n_lines += 1  # a last line without its newline
    if n_lines == 0:
        raise InputError(f"{path}: empty: no reads (was the file written completely?)")
    if n_lines % 4:
        raise InputError(
            f"{path}: {n_lines} lines is not a whole number of 4-line records: the last record "
            "is cut short (truncated file)"
        )
    head_records = _records(head, path, 1)
    # the tail's first line may start mid-line: drop it, then align on a record boundary
    tail_lines = tail.rstrip(b"\n").split(b"\n")[1:][-(4 * _SAMPLE) :]
    start = n_lines - len(tail_lines)
    offset = (-start) % 4
    tail_records = _records(tail_lines[offset:], path, start + offset + 1)
    tail_names = [r[0] for r in tail_records]
    return FastqScan(path, n_lines // 4, raw.digest.hexdigest(), raw.size, head_records, tail_names)


def check_fastq_pair(r1: str | os.PathLike, r2: str | os.PathLike) -> dict:
    """Check that ``r1`` and ``r2`` are sound FASTQ files holding mates of the same fragments.

    Parameters
    ----------
    r1, r2
        The read 1 and read 2 FASTQ files.

    Returns
    -------
    dict
        The number of read pairs and the SHA-256 and size (bytes) of each file.

    Raises
    ------
    InputError
        When either file is unsound (:func:`scan_fastq`), when the read counts differ, or when
        read names at the head or the tail of the files disagree.
    """
    first, second = scan_fastq(r1), scan_fastq(r2)
    if first.n_records != second.n_records:
        raise InputError(
            f"{r1} has {first.n_records:,} reads but {r2} has {second.n_records:,}: read 1 and "
            "read 2 files must hold the same fragments in the same order (was one truncated or "
            "filtered on its own?)"
        )
    pairs = list(zip(first.names(), second.names(), strict=True))
    pairs += list(
        zip(
            [_fragment_name(h) for h in first.tail],
            [_fragment_name(h) for h in second.tail],
            strict=True,
        )
    )
    for i, (a, b) in enumerate(pairs):
        if a != b:
            where = f"record {i + 1}" if i < len(first.head) else "the end of the files"
            raise InputError(
                f"read names differ between {r1} ({a.decode(errors='replace')!r}) and {r2} "
                f"({b.decode(errors='replace')!r}) at {where}: the files are not mates of one "
                "run, or their order differs"
            )
    return {
        "read_pairs": first.n_records,
        "sha256": [first.sha256, second.sha256],
        "bytes": [first.size, second.size],
    }
