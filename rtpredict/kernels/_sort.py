"""Per-sample stable sort and average ranks: the one pass every rank-based kernel shares.

Values become unsigned integer keys that sort like the floats (``-0.0`` folded onto ``0.0``;
every NaN, whatever its sign bit or payload, becomes one NaN that sorts above ``+inf``), then an
LSD radix sort (11-bit digits, passes whose digit is constant skipped) orders the genes stably:
ties keep their column order. float32 rows use 32-bit keys and are never widened to float64.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from rtpredict.kernels._cache import CACHE

_RADIX_BITS = 11
_RADIX = 1 << _RADIX_BITS


def key_template(dtype: np.dtype) -> np.ndarray:
    """Return an empty array whose dtype is the sort key for ``dtype`` rows (uint32 or uint64)."""
    if dtype == np.float32:
        return np.empty(0, np.uint32)
    if dtype == np.float64:
        return np.empty(0, np.uint64)
    raise TypeError(f"expression must be float32 or float64, got {dtype}")


@njit(cache=CACHE, nogil=True)
def _to_keys(row, vals, keys):
    """Write sortable unsigned keys of ``row`` into ``keys`` (``vals`` is scratch)."""
    n = row.shape[0]
    for i in range(n):
        v = row[i]
        if v != v:
            vals[i] = np.nan  # NaN from arithmetic (0/0, log(-1)) has its sign bit set on x86
        else:
            vals[i] = 0 if v == 0 else v  # -0.0 and 0.0 must tie
    bits = vals.view(keys.dtype)
    sign = keys.dtype.type(1) << keys.dtype.type(keys.itemsize * 8 - 1)
    for i in range(n):
        b = bits[i]
        keys[i] = ~b if b & sign else b | sign


@njit(cache=CACHE, nogil=True)
def sort_sample(row, vals, keys, kbuf, order, obuf, hist):
    """Sort one sample stably; return ``(sorted_keys, order)`` (views of the buffers).

    ``order[p]`` is the column at sorted position ``p`` (ascending; ties in column order).
    Buffers have the row's length; ``hist`` is int64 of shape (passes, 2048).
    """
    n = row.shape[0]
    _to_keys(row, vals, keys)
    npass = hist.shape[0]
    mask = keys.dtype.type(_RADIX - 1)
    hist[:] = 0
    for i in range(n):
        k = keys[i]
        for p in range(npass):
            hist[p, (k >> keys.dtype.type(p * _RADIX_BITS)) & mask] += 1
    for i in range(n):
        order[i] = i
    src_k, dst_k, src_o, dst_o = keys, kbuf, order, obuf
    for p in range(npass):
        h = hist[p]
        constant = False
        for b in range(_RADIX):
            if h[b] != 0:
                constant = h[b] == n
                break
        if constant:
            continue
        total = 0
        for b in range(_RADIX):
            c = h[b]
            h[b] = total
            total += c
        shift = keys.dtype.type(p * _RADIX_BITS)
        for i in range(n):
            k = src_k[i]
            d = (k >> shift) & mask
            pos = h[d]
            h[d] = pos + 1
            dst_k[pos] = k
            dst_o[pos] = src_o[i]
        src_k, dst_k = dst_k, src_k
        src_o, dst_o = dst_o, src_o
    return src_k, src_o


@njit(cache=CACHE, nogil=True)
def ranks_from_sorted(sorted_keys, order, ranks, ordinal):
    """Fill average ranks (1-based, ties averaged) and stable ordinal ranks per column."""
    n = sorted_keys.shape[0]
    i = 0
    while i < n:
        j = i + 1
        while j < n and sorted_keys[j] == sorted_keys[i]:
            j += 1
        r = 0.5 * (i + 1 + j)
        for t in range(i, j):
            ranks[order[t]] = r
            ordinal[order[t]] = t + 1
        i = j


def n_passes(keys_template: np.ndarray) -> int:
    """Return the radix passes needed for the key width."""
    return -(-keys_template.itemsize * 8 // _RADIX_BITS)


RADIX = _RADIX
