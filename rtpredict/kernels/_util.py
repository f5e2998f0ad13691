"""Input checks and set layout shared by the kernels (plain NumPy, no Numba)."""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np


def as_matrix(X: np.ndarray) -> np.ndarray:
    """Return ``X`` as a C-contiguous float32/float64 2-D array, copying only when needed.

    Parameters
    ----------
    X
        A samples x genes array (anything :func:`numpy.asarray` takes); other dtypes than
        float32 and float64 are converted to float64.

    Returns
    -------
    numpy.ndarray
        ``X`` itself when it already qualifies, else a converted copy.
    """
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"expression must be a 2-D samples x genes array, got {X.ndim}-D")
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    return np.ascontiguousarray(X)


def chunks(n_samples: int) -> int:
    """Return how many blocks of samples to spread over Numba's threads (buffers per block)."""
    return max(1, min(n_samples, 4 * numba.get_num_threads()))


def sets_to_csr(sets: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Pack gene sets (column indices) as CSR-like ``(indptr, indices)`` arrays.

    Parameters
    ----------
    sets
        One sequence of column indices per gene set.

    Returns
    -------
    indptr : numpy.ndarray
        int64, ``len(sets) + 1`` offsets into ``indices``.
    indices : numpy.ndarray
        int64, the sets' column indices concatenated in order.
    """
    indptr = np.zeros(len(sets) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(s) for s in sets])
    indices = (
        np.concatenate([np.asarray(s, dtype=np.int64) for s in sets])
        if sets
        else np.empty(0, np.int64)
    )
    return indptr, indices.astype(np.int64, copy=False)


def check_sets(indptr: np.ndarray, indices: np.ndarray, n_genes: int) -> tuple[np.ndarray, ...]:
    """Validate CSR set arrays against the number of genes; return them as int64."""
    indptr = np.ascontiguousarray(indptr, dtype=np.int64)
    indices = np.ascontiguousarray(indices, dtype=np.int64)
    if indptr.ndim != 1 or indptr.size < 1 or indptr[0] != 0 or np.any(np.diff(indptr) < 0):
        raise ValueError("indptr must start at 0 and never decrease")
    if indptr[-1] != indices.size:
        raise ValueError("indptr[-1] must equal len(indices)")
    if indices.size and (indices.min() < 0 or indices.max() >= n_genes):
        raise ValueError(f"set indices must lie in [0, {n_genes})")
    for s in range(indptr.size - 1):
        members = indices[indptr[s] : indptr[s + 1]]
        if np.unique(members).size != members.size:
            raise ValueError(f"set {s} lists a gene twice")
    return indptr, indices


def per_entry(values: np.ndarray, indices: np.ndarray, n_genes: int, what: str) -> np.ndarray:
    """Gather a per-gene parameter (length ``n_genes``) onto the set entries, as float64."""
    values = np.asarray(values, dtype=np.float64)
    if values.shape != (n_genes,):
        raise ValueError(f"{what} must have one value per gene ({n_genes}), got {values.shape}")
    return values[indices]
