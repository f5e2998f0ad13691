"""Delimited text as byte spans: fields found, factorized and read as integers in compiled loops.

The text is a 1-D ``uint8`` array of UTF-8 bytes; a field is a span ``(start, end)`` of byte
offsets into it, ``start == -1`` for a field that is absent. Spans given to a kernel must lie
within its text (the compiled loops do not check bounds). Only the distinct values of a field
ever become Python strings (:func:`factorize_spans`), so reading a column of a million records
costs a few passes over its bytes instead of a million string objects.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from rtpredict.kernels._cache import CACHE

_TAB, _NEWLINE, _COMMA, _MINUS, _PLUS = 9, 10, 44, 45, 43


@njit(cache=CACHE, nogil=True)
def _line_spans(text, n_lines, n_columns):
    starts = np.empty((n_lines, n_columns), np.int64)
    ends = np.empty((n_lines, n_columns), np.int64)
    row, column, start = 0, 0, 0
    for i in range(text.shape[0]):
        byte = text[i]
        if byte != _TAB and byte != _NEWLINE:
            continue
        if column < n_columns:
            starts[row, column], ends[row, column] = start, i
        column += 1
        start = i + 1
        if byte == _NEWLINE:
            for missing in range(column, n_columns):
                starts[row, missing], ends[row, missing] = i, i
            row += 1
            column = 0
    return starts, ends


def line_spans(text: np.ndarray, n_columns: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the spans of the first ``n_columns`` tab-separated fields of each line.

    Parameters
    ----------
    text
        uint8 bytes of whole lines, each ending in ``\\n``.
    n_columns
        How many leading fields to return; a line with fewer gets empty spans for the rest.

    Returns
    -------
    starts, ends
        int64 arrays of shape ``(lines, n_columns)``.

    Raises
    ------
    ValueError
        The text does not end in a newline.
    """
    if len(text) and text[-1] != _NEWLINE:
        raise ValueError("the text must be whole lines, each ending in a newline")
    n_lines = int(np.count_nonzero(text == _NEWLINE))
    return _line_spans(text, n_lines, n_columns)


@njit(cache=CACHE, nogil=True, inline="always")
def _same(text, start_a, end_a, start_b, end_b):
    if end_a - start_a != end_b - start_b:
        return False
    for k in range(end_a - start_a):  # noqa: SIM110 (a generator does not compile)
        if text[start_a + k] != text[start_b + k]:
            return False
    return True


@njit(cache=CACHE, nogil=True)
def _factorize_spans(text, starts, ends):
    n = starts.shape[0]
    size = 16
    while size < 2 * n:
        size *= 2
    mask = size - 1
    table = np.full(size, -1, np.int64)
    hashes = np.empty(max(n, 1), np.uint64)
    firsts = np.empty(max(n, 1), np.int64)
    codes = np.full(n, -1, np.int64)
    n_codes = 0
    for i in range(n):
        start, end = starts[i], ends[i]
        if start < 0:
            continue
        h = np.uint64(14695981039346656037)  # FNV-1a, 64 bit
        for k in range(start, end):
            h = (h ^ np.uint64(text[k])) * np.uint64(1099511628211)
        slot = np.int64(h & np.uint64(mask))
        while True:
            code = table[slot]
            if code == -1:
                table[slot] = n_codes
                hashes[n_codes], firsts[n_codes] = h, i
                codes[i] = n_codes
                n_codes += 1
                break
            first = firsts[code]
            if hashes[code] == h and _same(text, starts[first], ends[first], start, end):
                codes[i] = code
                break
            slot = (slot + 1) & mask
    return codes, firsts[:n_codes].copy()


def factorize_spans(
    text: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Number the distinct byte strings among the spans, in order of first appearance.

    Parameters
    ----------
    text
        uint8 bytes.
    starts, ends
        int64 span offsets, one per field; ``start == -1`` marks an absent field.

    Returns
    -------
    codes
        int64 code of each span, -1 for an absent one (as :func:`pandas.factorize` numbers).
    firsts
        For each code, the index of the first span holding it.
    """
    return _factorize_spans(
        text, np.ascontiguousarray(starts, np.int64), np.ascontiguousarray(ends, np.int64)
    )


@njit(cache=CACHE, nogil=True)
def _key_value_spans(text, starts, ends, key, separator):
    n, width = starts.shape[0], key.shape[0]
    found_starts = np.full(n, -1, np.int64)
    found_ends = np.full(n, -1, np.int64)
    for i in range(n):
        start, end = starts[i], ends[i]
        at = start
        while at + width <= end:
            if at == start or text[at - 1] == separator:
                matched = True
                for k in range(width):
                    if text[at + k] != key[k]:
                        matched = False
                        break
                if matched:
                    stop = at + width
                    while stop < end and text[stop] != separator:
                        stop += 1
                    found_starts[i], found_ends[i] = at + width, stop
                    break
            at += 1
    return found_starts, found_ends


def key_value_spans(
    text: np.ndarray, starts: np.ndarray, ends: np.ndarray, *, key: bytes, separator: bytes = b";"
) -> tuple[np.ndarray, np.ndarray]:
    """Return the span of a ``KEY=value`` item's value in each field (VCF INFO).

    The item is the field's first that starts with ``key``; its value runs to the next
    ``separator``.

    Parameters
    ----------
    text
        uint8 bytes.
    starts, ends
        The fields' spans.
    key
        The item's opening, e.g. ``b"CSQ="``.
    separator
        What separates items.

    Returns
    -------
    starts, ends
        The value's span in each field; -1 where the field has no such item.
    """
    return _key_value_spans(
        text, starts, ends, np.frombuffer(key, np.uint8), np.uint8(separator[0])
    )


@njit(cache=CACHE, nogil=True)
def _subfield_spans(text, starts, ends, entries, fields, width):
    n_entries = 0
    for i in range(starts.shape[0]):
        if starts[i] < 0 or ends[i] == starts[i]:
            continue
        n_entries += 1
        for k in range(starts[i], ends[i]):
            n_entries += text[k] == entries
    owner = np.empty(n_entries, np.int64)
    field_starts = np.empty((n_entries, width), np.int64)
    field_ends = np.empty((n_entries, width), np.int64)
    row = 0
    for i in range(starts.shape[0]):
        start, end = starts[i], ends[i]
        if start < 0 or end == start:
            continue
        at = start
        while at <= end:
            stop = at
            while stop < end and text[stop] != entries:
                stop += 1
            owner[row] = i
            column, begin = 0, at
            for k in range(at, stop + 1):
                if k == stop or text[k] == fields:
                    if column < width:
                        field_starts[row, column], field_ends[row, column] = begin, k
                    column += 1
                    begin = k + 1
                    if column >= width:
                        break
            for missing in range(column, width):
                field_starts[row, missing], field_ends[row, missing] = stop, stop
            row += 1
            at = stop + 1
    return owner, field_starts, field_ends


def subfield_spans(
    text: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    *,
    width: int,
    entries: bytes = b",",
    fields: bytes = b"|",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split each value into entries, and each entry into its first ``width`` fields (VEP CSQ).

    Parameters
    ----------
    text
        uint8 bytes.
    starts, ends
        The values' spans; absent (-1) and empty values hold no entry.
    width
        How many leading fields of each entry to return; missing ones are empty spans, and
        the fields after them are not split.
    entries, fields
        What separates entries, and fields within an entry.

    Returns
    -------
    owner
        For each entry, the index of the value it comes from.
    starts, ends
        int64 arrays of shape ``(entries, width)``.
    """
    return _subfield_spans(text, starts, ends, np.uint8(entries[0]), np.uint8(fields[0]), width)


@njit(cache=CACHE, nogil=True)
def _nth_spans(text, starts, ends, index, separator):
    n = starts.shape[0]
    found_starts = np.full(n, -1, np.int64)
    found_ends = np.full(n, -1, np.int64)
    for i in range(n):
        wanted = index[i]
        if wanted < 0 or starts[i] < 0:
            continue
        field, begin = 0, starts[i]
        for k in range(starts[i], ends[i] + 1):
            if k == ends[i] or text[k] == separator:
                if field == wanted:
                    found_starts[i], found_ends[i] = begin, k
                    break
                field += 1
                begin = k + 1
    return found_starts, found_ends


def nth_spans(
    text: np.ndarray, starts: np.ndarray, ends: np.ndarray, *, index: np.ndarray, separator: bytes
) -> tuple[np.ndarray, np.ndarray]:
    """Return the span of the ``index[i]``-th (0-based) ``separator``-separated part of field i.

    Parameters
    ----------
    text
        uint8 bytes.
    starts, ends
        The fields' spans.
    index
        int64, which part of each field; -1 for none.
    separator
        What separates the parts, e.g. ``b":"`` in a VCF sample column.

    Returns
    -------
    starts, ends
        The part's span, -1 where the index is -1 or the field has fewer parts.
    """
    return _nth_spans(text, starts, ends, index, np.uint8(separator[0]))


@njit(cache=CACHE, nogil=True)
def _integer_lists(text, starts, ends, lengths):
    n = starts.shape[0]
    ok = np.zeros(n, np.bool_)
    values = np.empty(max(int(lengths.sum()), 0), np.int64)
    filled = 0
    for i in range(n):
        start, end = starts[i], ends[i]
        if start < 0:
            continue
        at, count, good = start, 0, True
        while good:
            negative = at < end and text[at] == _MINUS
            if at < end and (text[at] == _MINUS or text[at] == _PLUS):
                at += 1
            digits, number = 0, 0
            while at < end and 48 <= text[at] <= 57:
                number = number * 10 + (text[at] - 48)
                digits += 1
                at += 1
            if digits == 0 or digits > 18 or count >= lengths[i]:
                good = False
                break
            values[filled + count] = -number if negative else number
            count += 1
            if at == end:
                break
            if text[at] != _COMMA:
                good = False
            at += 1
        if good and count == lengths[i]:
            ok[i] = True
            filled += count
    return ok, values[:filled].copy()


def integer_lists(
    text: np.ndarray, starts: np.ndarray, ends: np.ndarray, *, lengths: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Read comma-separated integers (VCF ``AD``, ``DP``) where each field holds as many as asked.

    Parameters
    ----------
    text
        uint8 bytes.
    starts, ends
        The fields' spans (-1 absent).
    lengths
        int64, how many integers field i must hold.

    Returns
    -------
    ok
        bool per field: present and exactly ``lengths[i]`` integers (a ``.`` or other text
        fails it).
    values
        int64, the integers of the ``ok`` fields, in order.

    Raises
    ------
    ValueError
        A length is negative.
    """
    if (np.asarray(lengths) < 0).any():
        raise ValueError("lengths must not be negative")
    return _integer_lists(text, starts, ends, np.ascontiguousarray(lengths, np.int64))
