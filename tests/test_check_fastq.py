"""FASTQ pairs are checked before any tool reads them; each fault gets a message and a fix."""

from __future__ import annotations

import gzip
import hashlib

import pytest

from rtpredict.errors import InputError
from rtpredict.qc import check_fastq_pair


def _records(n: int, mate: int, *, start: int = 0) -> bytes:
    return b"".join(
        b"@frag%06d/%d\nACGTACGTAC\n+\nIIIIIIIIII\n" % (i, mate) for i in range(start, start + n)
    )


def _pair(tmp_path, r1: bytes, r2: bytes, *, gz: bool = True):
    paths = []
    for name, data in (("r1", r1), ("r2", r2)):
        path = tmp_path / (f"{name}.fastq.gz" if gz else f"{name}.fastq")
        path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
        paths.append(path)
    return paths


def _stored(*paths) -> dict:
    """The sha256 and size of files as stored, read separately."""
    return {
        "sha256": [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths],
        "bytes": [p.stat().st_size for p in paths],
    }


def test_sound_pair_counts_reads_and_checksums_the_files_in_the_same_pass(tmp_path):
    r1, r2 = _pair(tmp_path, _records(5000, 1), _records(5000, 2))
    assert check_fastq_pair(r1, r2) == {"read_pairs": 5000, **_stored(r1, r2)}
    r1, r2 = _pair(tmp_path, _records(3, 1), _records(3, 2), gz=False)
    assert check_fastq_pair(r1, r2) == {"read_pairs": 3, **_stored(r1, r2)}


def test_checksum_covers_every_gzip_member_and_trailing_bytes(tmp_path):
    r1, r2 = _pair(tmp_path, _records(50, 1), _records(50, 2))
    r1.write_bytes(gzip.compress(_records(20, 1)) + gzip.compress(_records(30, 1, start=20)))
    r2.write_bytes(r2.read_bytes() + b"\0" * 7)  # padding some tools leave after the stream
    assert check_fastq_pair(r1, r2) == {"read_pairs": 50, **_stored(r1, r2)}


def test_truncated_gzip(tmp_path):
    r1, r2 = _pair(tmp_path, _records(5000, 1), _records(5000, 2))
    data = r1.read_bytes()
    r1.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"r1.fastq.gz: the gzip stream is truncated .* copy it"):
        check_fastq_pair(r1, r2)


def test_corrupt_gzip(tmp_path):
    r1, r2 = _pair(tmp_path, _records(5000, 1), _records(5000, 2))
    data = bytearray(r1.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 16] = b"\x00" * 16
    r1.write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"r1.fastq.gz: (corrupt gzip data|the gzip stream)"):
        check_fastq_pair(r1, r2)


def test_empty_file(tmp_path):
    r1, r2 = _pair(tmp_path, b"", _records(2, 2))
    with pytest.raises(InputError, match=r"r1.fastq.gz: empty: no reads"):
        check_fastq_pair(r1, r2)


def test_crlf_line_endings(tmp_path):
    r1, r2 = _pair(tmp_path, _records(4, 1).replace(b"\n", b"\r\n"), _records(4, 2))
    with pytest.raises(
        InputError, match=r"Windows line endings \(CRLF\); convert the file with `dos2unix`"
    ):
        check_fastq_pair(r1, r2)


def test_different_read_counts(tmp_path):
    r1, r2 = _pair(tmp_path, _records(5000, 1), _records(4998, 2))
    with pytest.raises(InputError, match=r"has 5,000 reads but .*r2.fastq.gz has 4,998"):
        check_fastq_pair(r1, r2)


def test_names_differ_at_the_end(tmp_path):
    tail_swapped = _records(4990, 2) + _records(10, 2, start=7000)
    r1, r2 = _pair(tmp_path, _records(5000, 1), tail_swapped)
    with pytest.raises(InputError, match=r"read names differ .* at the end of the files"):
        check_fastq_pair(r1, r2)


def test_names_differ_at_the_start(tmp_path):
    r1, r2 = _pair(tmp_path, _records(10, 1), _records(10, 2, start=1))
    with pytest.raises(InputError, match=r"read names differ .*'frag000000'.*'frag000001'"):
        check_fastq_pair(r1, r2)


def test_record_cut_short(tmp_path):
    r1, r2 = _pair(tmp_path, _records(3, 1) + b"@frag000003/1\nACGT\n", _records(4, 2), gz=False)
    with pytest.raises(InputError, match=r"14 lines is not a whole number of 4-line records"):
        check_fastq_pair(r1, r2)


def test_malformed_record(tmp_path):
    bad = _records(2, 1).replace(b"IIIIIIIIII", b"IIII", 1)
    r1, r2 = _pair(tmp_path, bad, _records(2, 2))
    with pytest.raises(InputError, match=r"line 1: sequence \(10 bases\) and quality \(4\)"):
        check_fastq_pair(r1, r2)
