"""Per-sample stable sort and average ranks: the one pass every rank-based kernel shares.

Values become unsigned integer keys that sort like the floats (``-0.0`` folded onto ``0.0``;
every NaN, whatever its sign bit or payload, becomes one NaN that sorts above ``+inf``), then an
LSD radix sort (11-bit digits, passes whose digit is constant skipped) orders the genes stably:
ties keep their column order. The keys are built without branches (a zero or a NaN in a row must
not cost a mispredicted branch); float32 keys in a loop of their own, which LLVM vectorises, then
counted, float64 keys in the loop that counts every pass's digits.

float32 rows are never widened: a gene's 32-bit key and its column travel as one uint64
(``key << 32 | column``) through three passes, so each pass moves one array, not two. float64 rows
move a 64-bit key array and an int32 column array through six passes.

:func:`rank_sample` (every gene's average rank) and :func:`sort_positions` (each gene's sorted
position, recorded in the last pass, for kernels that need the ranks of a few genes only; then
:func:`average_rank`) pick the path from the row's dtype at compile time; the caller allocates
the buffers with the shapes :func:`buffer_shapes` gives.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import overload

from rtpredict.kernels._cache import CACHE

_RADIX_BITS = 11
_RADIX = 1 << _RADIX_BITS
_M64 = np.uint64(_RADIX - 1)
_LOW32 = np.uint64(0xFFFFFFFF)


def buffer_shapes(dtype: np.dtype) -> tuple[int, int]:
    """Return ``(column_rows, passes)`` for rows of ``dtype``.

    The int32 column buffer is (column_rows, genes), the int32 histogram (passes, 2048); the two
    uint64 buffers hold one entry per gene. float32 rows carry their columns inside the uint64
    words and need no column buffer.
    """
    if dtype == np.float32:
        return 0, 3
    if dtype == np.float64:
        return 2, 6
    raise TypeError(f"expression must be float32 or float64, got {dtype}")


@njit(cache=CACHE, nogil=True, inline="always")
def _key32(bits):
    """Sortable uint32 key of a float32 bit pattern (NaN canonical, -0.0 as 0.0)."""
    magnitude = bits & np.uint32(0x7FFFFFFF)
    if magnitude > np.uint32(0x7F800000):  # rare: a predictable branch
        bits = np.uint32(0x7FC00000)
    bits = np.uint32(bits & np.uint32(-np.int32(magnitude != 0)))  # Numba widens uint32 sums
    return np.uint32(bits ^ (np.uint32(-np.int32(bits >> np.uint32(31))) | np.uint32(0x80000000)))


@njit(cache=CACHE, nogil=True, inline="always")
def _key64(bits):
    """Sortable uint64 key of a float64 bit pattern (NaN canonical, -0.0 as 0.0)."""
    magnitude = bits & np.uint64(0x7FFFFFFFFFFFFFFF)
    if magnitude > np.uint64(0x7FF0000000000000):
        bits = np.uint64(0x7FF8000000000000)
    bits &= np.uint64(0) - np.uint64(magnitude != 0)
    return bits ^ ((np.uint64(0) - (bits >> np.uint64(63))) | np.uint64(0x8000000000000000))


@njit(cache=CACHE, nogil=True, inline="always")
def _offsets(h, n):
    """Turn digit counts into start offsets; return False when one digit holds all ``n``."""
    total = 0
    for d in range(h.shape[0]):
        c = h[d]
        if c == n:
            return False
        h[d] = total
        total += c
    return True


@njit(cache=CACHE, nogil=True)
def _passes(hist, n):
    """Turn every pass's counts into offsets; return a bit mask of the passes that move genes."""
    moves = 0
    for p in range(hist.shape[0]):
        if _offsets(hist[p], n):
            moves |= 1 << p
    return moves


@njit(cache=CACHE, nogil=True)
def _identity(positions):
    """Record the column order as the sorted order (no pass moved a gene: all keys equal)."""
    for i in range(positions.shape[0]):
        positions[i] = i


@njit(cache=CACHE, nogil=True)
def _sort_packed(row, a, b, hist, positions):
    """Sort a float32 row as packed ``key << 32 | column`` words; return the sorted view.

    When ``positions`` has one entry per gene, the last pass also records each column's
    0-based position in the sorted order.
    """
    n = row.shape[0]
    bits = row.view(np.uint32)
    hist[:] = 0
    h0, h1, h2 = hist[0], hist[1], hist[2]
    for i in range(n):  # no stores to a histogram here: LLVM vectorises this loop
        a[i] = (np.uint64(_key32(bits[i])) << np.uint64(32)) | np.uint64(i)
    for i in range(n):
        k = a[i] >> np.uint64(32)
        h0[k & _M64] += 1
        h1[(k >> np.uint64(_RADIX_BITS)) & _M64] += 1
        h2[k >> np.uint64(2 * _RADIX_BITS)] += 1
    moves = _passes(hist, n)
    record = positions.shape[0] == n
    if record and moves == 0:
        _identity(positions)
    src, dst = a, b
    for p in range(3):
        if not (moves >> p) & 1:
            continue
        h = hist[p]
        shift = np.uint64(32 + p * _RADIX_BITS)
        if record and moves >> (p + 1) == 0:  # the last pass: positions are final
            for i in range(n):
                w = src[i]
                d = (w >> shift) & _M64
                pos = h[d]
                h[d] = pos + 1
                dst[pos] = w
                positions[w & _LOW32] = pos
        else:
            for i in range(n):
                w = src[i]
                d = (w >> shift) & _M64
                pos = h[d]
                h[d] = pos + 1
                dst[pos] = w
        src, dst = dst, src
    return src


@njit(cache=CACHE, nogil=True)
def _sort_pairs(row, a, b, columns, hist, positions):
    """Sort a float64 row as keys plus int32 columns; return ``(sorted_keys, columns)``.

    ``positions`` as in :func:`_sort_packed`.
    """
    n = row.shape[0]
    bits = row.view(np.uint64)
    npass = hist.shape[0]
    hist[:] = 0
    for i in range(n):
        k = _key64(bits[i])
        a[i] = k
        columns[0, i] = i
        for p in range(npass):
            hist[p, (k >> np.uint64(p * _RADIX_BITS)) & _M64] += 1
    moves = _passes(hist, n)
    record = positions.shape[0] == n
    if record and moves == 0:
        _identity(positions)
    src_k, dst_k, src_o, dst_o = a, b, columns[0], columns[1]
    for p in range(npass):
        if not (moves >> p) & 1:
            continue
        h = hist[p]
        shift = np.uint64(p * _RADIX_BITS)
        last = record and moves >> (p + 1) == 0
        for i in range(n):
            k = src_k[i]
            d = (k >> shift) & _M64
            pos = h[d]
            h[d] = pos + 1
            dst_k[pos] = k
            dst_o[pos] = src_o[i]
            if last:
                positions[src_o[i]] = pos
        src_k, dst_k = dst_k, src_k
        src_o, dst_o = dst_o, src_o
    return src_k, src_o


@njit(cache=CACHE, nogil=True)
def _ranks_packed(words, ranks):
    """Average ranks per column from sorted packed words."""
    n = words.shape[0]
    i = 0
    while i < n:
        key = words[i] >> np.uint64(32)
        j = i + 1
        while j < n and (words[j] >> np.uint64(32)) == key:
            j += 1
        r = 0.5 * (i + 1 + j)
        for t in range(i, j):
            ranks[words[t] & _LOW32] = r
        i = j


@njit(cache=CACHE, nogil=True)
def _ranks_pairs(sorted_keys, order, ranks):
    """Average ranks per column from sorted keys and columns."""
    n = sorted_keys.shape[0]
    i = 0
    while i < n:
        j = i + 1
        while j < n and sorted_keys[j] == sorted_keys[i]:
            j += 1
        r = 0.5 * (i + 1 + j)
        for t in range(i, j):
            ranks[order[t]] = r
        i = j


@njit(cache=CACHE, nogil=True)
def average_rank(keys, shift, p, group):
    """1-based average rank of the gene at sorted position ``p``.

    ``keys >> shift`` are the sorted keys (:func:`sort_positions`). A gene without an equal
    neighbour ranks ``p + 1``; a tie run is found by binary search and kept in ``group``
    (``[start, stop)``, int64, reset to ``[0, 0]`` per sample), so the other genes of the run
    (the zeros of a sample, say) cost one comparison.
    """
    start, stop = group[0], group[1]
    if start <= p < stop:
        return 0.5 * (start + 1 + stop)
    n = keys.shape[0]
    key = keys[p] >> shift
    if (p == 0 or (keys[p - 1] >> shift) != key) and (p + 1 == n or (keys[p + 1] >> shift) != key):
        return p + 1.0
    low, high = 0, p  # first position holding key
    while low < high:
        mid = (low + high) // 2
        if (keys[mid] >> shift) < key:
            low = mid + 1
        else:
            high = mid
    start = low
    low, high = p + 1, n  # first position past the run
    while low < high:
        mid = (low + high) // 2
        if (keys[mid] >> shift) == key:
            low = mid + 1
        else:
            high = mid
    group[0], group[1] = start, low
    return 0.5 * (start + 1 + low)


def sort_positions(row, a, b, columns, hist, positions):
    """Sort one row; fill ``positions`` (int32, one per gene) with each column's sorted position.

    Returns ``(keys, shift)``: ``keys >> shift`` are the sorted keys, for :func:`average_rank`.
    Buffers as for :func:`rank_sample`; ``positions[j]`` is the 0-based position of column
    ``j`` in the stable ascending order (ties in column order). Compiled only.
    """
    raise NotImplementedError("sort_positions is called from Numba-compiled code only")


@overload(sort_positions, jit_options={"cache": CACHE, "nogil": True})
def _sort_positions_impl(row, a, b, columns, hist, positions):
    if row.dtype == types.float32:

        def packed(row, a, b, columns, hist, positions):
            return _sort_packed(row, a, b, hist, positions), np.uint64(32)

        return packed

    def pairs(row, a, b, columns, hist, positions):
        return _sort_pairs(row, a, b, columns, hist, positions)[0], np.uint64(0)

    return pairs


def rank_sample(row, a, b, columns, hist, ranks):
    """Fill ``ranks`` with the 1-based average ranks of one row's columns.

    ``a``/``b`` are uint64 buffers of the row's length; ``columns`` (int32) and ``hist``
    (int32, (passes, 2048)) have the shapes of :func:`buffer_shapes`. Compiled only (Numba
    picks the float32 or float64 path from the row's type).
    """
    raise NotImplementedError("rank_sample is called from Numba-compiled code only")


@overload(rank_sample, jit_options={"cache": CACHE, "nogil": True})
def _rank_sample_impl(row, a, b, columns, hist, ranks):
    if row.dtype == types.float32:

        def packed(row, a, b, columns, hist, ranks):
            _ranks_packed(_sort_packed(row, a, b, hist, np.empty(0, np.int32)), ranks)

        return packed

    def pairs(row, a, b, columns, hist, ranks):
        sorted_keys, order = _sort_pairs(row, a, b, columns, hist, np.empty(0, np.int32))
        _ranks_pairs(sorted_keys, order, ranks)

    return pairs


RADIX = _RADIX
