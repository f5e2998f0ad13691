"""Numba kernels against slow, obvious NumPy twins and independent oracles (scipy, gseapy)."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numba
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.stats import rankdata

from rtpredict import kernels as K
from rtpredict.kernels._cache import choose_cache_dir, source_digest
from rtpredict.kernels._util import as_matrix
from rtpredict.kernels.gene_sets import TIES

ROOT = Path(__file__).resolve().parents[1]


def _matrix(rng, n, g, *, ties=False, dtype=np.float64):
    if ties:
        return rng.integers(0, 5, size=(n, g)).astype(dtype)
    return rng.normal(size=(n, g)).astype(dtype)


def _sets(rng, g, sizes):
    return [np.sort(rng.choice(g, k, replace=False)) for k in sizes]


# ---------------------------------------------------------------- twins (slow and obvious)


def twin_rsi(X, columns, coefficients):
    """The published rule: R's rank(ties='average') among the panel genes, sum coef x rank."""
    return np.array([coefficients @ rankdata(row[columns]) for row in X])


def twin_singscore(X, members):
    n_genes, k = X.shape[1], len(members)
    mean_rank = rankdata(X, axis=1)[:, members].mean(axis=1)
    low, high = (k + 1) / 2, (2 * n_genes - k + 1) / 2
    return (mean_rank - low) / (high - low) - 0.5


def twin_ssgsea_walk(x, members, order, alpha=0.25):
    """Explicit running-sum walk down ``order`` (highest first); return the sum of the walk."""
    n = len(x)
    ranks = rankdata(x)
    hit = np.zeros(n, bool)
    hit[members] = True
    h = hit[order]
    w = np.abs(ranks[order]) ** alpha
    up = np.cumsum(np.where(h, w, 0.0)) / w[h].sum()
    down = np.cumsum(~h) / (~h).sum()
    return (up - down).sum()


def _gseapy_es(X, sets, *, normalized=False):
    gseapy = pytest.importorskip("gseapy")
    genes = [f"G{i}" for i in range(X.shape[1])]
    frame = pd.DataFrame(X.T, index=genes, columns=[f"S{i}" for i in range(X.shape[0])])
    gmt = {f"set{k}": [genes[i] for i in s] for k, s in enumerate(sets)}
    result = gseapy.ssgsea(frame, gmt, min_size=1, max_size=10_000, threads=1, outdir=None)
    column = "NES" if normalized else "ES"
    table = result.res2d.pivot(index="Name", columns="Term", values=column).astype(float)
    return table.loc[frame.columns, list(gmt)].to_numpy()


# ---------------------------------------------------------------- ranks


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rank_average_matches_scipy_with_ties_zeros_and_infinities(dtype):
    rng = np.random.default_rng(1)
    X = _matrix(rng, 30, 700, ties=True, dtype=dtype) * rng.normal(size=700).astype(dtype)
    X[:, :40] = -0.0
    X[:, 40:50] = 0.0
    X[0, 60], X[1, 61] = np.inf, -np.inf
    out = K.rank_average(X)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, rankdata(X, axis=1))
    np.testing.assert_array_equal(K.rank_average(X, dtype=np.float64), rankdata(X, axis=1))


@settings(max_examples=60, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 4), st.integers(1, 60)),
        elements=st.floats(-1e300, 1e300),
    )
)
def test_rank_average_property(X):
    np.testing.assert_array_equal(K.rank_average(X), rankdata(X, axis=1))


def test_float32_input_is_read_in_place():
    X = np.ones((3, 4), np.float32)
    assert as_matrix(X) is X
    assert as_matrix(X.astype(np.int64)).dtype == np.float64


# ---------------------------------------------------------------- RSI rank model


def test_rsi_rank_matches_the_published_rule_with_ties():
    rng = np.random.default_rng(2)
    X = _matrix(rng, 400, 50, ties=True)  # 5 levels over 10 genes: ties in almost every row
    columns = rng.choice(50, 10, replace=False)
    coefficients = rng.normal(size=10)
    np.testing.assert_allclose(
        K.rsi_rank(X, columns, coefficients), twin_rsi(X, columns, coefficients), rtol=0, atol=1e-13
    )


def test_rsi_rank_ignores_per_sample_monotone_transforms():
    rng = np.random.default_rng(3)
    tpm = rng.lognormal(2, 2, size=(200, 30))
    columns = np.arange(10)
    coefficients = rng.normal(size=10)
    reference = K.rsi_rank(tpm, columns, coefficients)
    scale = rng.uniform(0.1, 10, size=(200, 1))
    for transformed in (np.log1p(tpm), np.sqrt(tpm) * scale, (tpm * scale).astype(np.float32)):
        np.testing.assert_allclose(K.rsi_rank(transformed, columns, coefficients), reference)


def test_rsi_rank_is_nan_when_a_gene_is_missing_or_a_value_is_nan():
    X = np.arange(40, dtype=float).reshape(2, 20)
    columns = np.arange(10)
    coefficients = np.ones(10)
    assert np.allclose(K.rsi_rank(X, columns, coefficients), 55.0)
    columns[4] = -1
    assert np.isnan(K.rsi_rank(X, columns, coefficients)).all()
    X[1, 3] = np.nan
    out = K.rsi_rank(X, np.arange(10), coefficients)
    assert out[0] == 55.0
    assert np.isnan(out[1])


# ---------------------------------------------------------------- singscore and ssGSEA


@pytest.mark.parametrize("ties", [False, True])
def test_singscore_matches_its_definition(ties):
    rng = np.random.default_rng(4)
    X = _matrix(rng, 25, 300, ties=ties, dtype=np.float32)
    sets = _sets(rng, 300, [1, 10, 57, 299])
    indptr, indices = K.sets_to_csr(sets)
    out = K.singscore(X, indptr, indices)
    for k, members in enumerate(sets):
        np.testing.assert_allclose(out[:, k], twin_singscore(X, members), atol=1e-12)


def test_singscore_spans_minus_half_to_half():
    x = np.arange(100, dtype=float)[None, :]
    indptr, indices = K.sets_to_csr([np.arange(90, 100), np.arange(10), np.arange(100)])
    out = K.singscore(x, indptr, indices)
    assert out[0, 0] == 0.5
    assert out[0, 1] == -0.5
    assert np.isnan(out[0, 2])  # a set of every gene has no range


def test_ssgsea_matches_gseapy_without_ties():
    """Tolerance: 1e-9 absolute on scores of order 10..100 (float64 summation order)."""
    rng = np.random.default_rng(5)
    X = _matrix(rng, 8, 400)
    sets = _sets(rng, 400, [15, 40, 120])
    indptr, indices = K.sets_to_csr(sets)
    for ties in ("average", "gseapy"):
        np.testing.assert_allclose(
            K.ssgsea(X, indptr, indices, ties=ties), _gseapy_es(X, sets), rtol=0, atol=1e-9
        )
    np.testing.assert_allclose(
        K.ssgsea(X, indptr, indices, normalize=True),
        _gseapy_es(X, sets, normalized=True),
        rtol=0,
        atol=1e-12,
    )


def test_ssgsea_matches_gseapy_with_ties_in_gseapy_mode():
    rng = np.random.default_rng(6)
    X = _matrix(rng, 8, 300, ties=True)
    sets = _sets(rng, 300, [15, 40, 90])
    indptr, indices = K.sets_to_csr(sets)
    np.testing.assert_allclose(
        K.ssgsea(X, indptr, indices, ties="gseapy"), _gseapy_es(X, sets), rtol=0, atol=1e-9
    )


def test_ssgsea_matches_an_explicit_walk_and_averages_tie_orders_exactly():
    rng = np.random.default_rng(7)
    x = np.array([5.0, 1, 3, 3, 3, 9, 0, 3, 7, 2])
    members = np.array([1, 2, 4, 9])
    indptr, indices = K.sets_to_csr([members])
    for alpha in (0.0, 0.25, 1.0):
        walks = []
        tied = np.flatnonzero(x == 3)
        for perm in itertools.permutations(tied):
            position = np.argsort(-x, kind="stable")
            # place the tied genes in this order within their block
            block = np.flatnonzero(np.isin(position, tied))
            position[block] = perm
            walks.append(twin_ssgsea_walk(x, members, position, alpha))
        average = K.ssgsea(x[None, :], indptr, indices, alpha=alpha, ties="average")[0, 0]
        assert average == pytest.approx(np.mean(walks), abs=1e-12)
        gseapy_order = np.argsort(x, kind="stable")[::-1]
        gseapy_like = K.ssgsea(x[None, :], indptr, indices, alpha=alpha, ties="gseapy")[0, 0]
        assert gseapy_like == pytest.approx(twin_ssgsea_walk(x, members, gseapy_order, alpha))
    X = rng.normal(size=(3, 50)).astype(np.float32)
    indptr, indices = K.sets_to_csr([np.arange(0, 50, 3)])
    walk = [twin_ssgsea_walk(r, indices, np.argsort(-r)) for r in X.astype(np.float64)]
    np.testing.assert_allclose(K.ssgsea(X, indptr, indices)[:, 0], walk, atol=1e-10)


def _tie_runs_matrix(dtype, repeats=4):
    """Rows whose tie runs sit at the bottom, the top, in the middle and nowhere, in turn."""
    rng = np.random.default_rng(17)
    g = 120
    rows = []
    for _ in range(repeats):
        rows += [
            np.where(rng.random(g) < 0.3, 0.0, rng.gamma(2.0, size=g)),  # a long run of zeros
            rng.normal(size=g),  # no ties: a run remembered from the sample before must not leak
            np.where(rng.random(g) < 0.2, 9.0, rng.normal(size=g)),  # the highest genes tie
            rng.integers(0, 4, size=g).astype(float),  # every gene in one of four runs
            np.round(rng.normal(size=g), 1),  # many short runs, some of two genes
            np.full(g, 3.0),  # one run of every gene: no radix pass moves a gene
        ]
    return np.array(rows).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_ssgsea_equals_the_explicit_walk_on_tie_runs_everywhere(dtype):
    """Every sample, every set, both tie modes, against a walk down the genes in Python.

    The sets share genes and tie runs (a run's rank is looked up once and reused), include the
    lowest and highest genes and run past both ends of every tie run. One thread scores several
    samples in a row with the same buffers.
    """
    X = _tie_runs_matrix(dtype)
    g = X.shape[1]
    sets = [
        np.arange(0, g, 2),
        np.arange(1, g, 3),
        np.array([0, g - 1]),
        np.arange(g - 30, g),
        np.array([5]),
        np.arange(g - 1),
    ]
    indptr, indices = K.sets_to_csr(sets)
    threads = numba.get_num_threads()
    for alpha in (0.0, 0.25, 1.0):
        gseapy_like = K.ssgsea(X, indptr, indices, alpha=alpha, ties="gseapy")
        average = K.ssgsea(X, indptr, indices, alpha=alpha, ties="average")
        sing = K.singscore(X, indptr, indices)
        numba.set_num_threads(1)
        try:
            one_thread = K.rank_set_scores(X, indptr, indices, alpha=alpha, ties="gseapy")
        finally:
            numba.set_num_threads(threads)
        np.testing.assert_array_equal(one_thread[0], sing)
        np.testing.assert_array_equal(one_thread[1], gseapy_like)
        for s, x in enumerate(X.astype(np.float64)):
            walk_order = np.argsort(x, kind="stable")[::-1]  # ties: later columns first
            ranks = rankdata(x)
            for k, members in enumerate(sets):
                want = twin_ssgsea_walk(x, members, walk_order, alpha)
                assert gseapy_like[s, k] == pytest.approx(want, rel=0, abs=1e-9), (s, k)
                # average: every tied gene at its run's mean position, in the closed form
                w = ranks[members] ** alpha
                m = len(members)
                expected = (w * ranks[members]).sum() / w.sum() - (
                    g * (g + 1) / 2 - ranks[members].sum()
                ) / (g - m)
                assert average[s, k] == pytest.approx(expected, rel=0, abs=1e-9), (s, k)
        np.testing.assert_allclose(
            sing, np.array([twin_singscore(X, s) for s in sets]).T, rtol=0, atol=1e-12
        )


def test_rank_set_scores_one_pass_equals_separate_calls():
    rng = np.random.default_rng(8)
    X = _matrix(rng, 40, 500, dtype=np.float32)
    indptr, indices = K.sets_to_csr(_sets(rng, 500, rng.integers(5, 60, size=12)))
    sing, ssg = K.rank_set_scores(X, indptr, indices)
    np.testing.assert_array_equal(sing, K.singscore(X, indptr, indices))
    np.testing.assert_array_equal(ssg, K.ssgsea(X, indptr, indices))
    # float32 input gives the float64 answer (ranks are exact)
    np.testing.assert_array_equal(sing, K.singscore(X.astype(np.float64), indptr, indices))


def test_kernels_reject_bad_sets():
    X = np.zeros((2, 5))
    with pytest.raises(ValueError, match="twice"):
        K.singscore(X, np.array([0, 2]), np.array([1, 1]))
    with pytest.raises(ValueError, match="lie in"):
        K.singscore(X, np.array([0, 1]), np.array([5]))
    with pytest.raises(ValueError, match="ties"):
        K.ssgsea(X, np.array([0, 1]), np.array([1]), ties="random")


# ---------------------------------------------------------------- expression-scale rules


def test_set_rules_match_numpy_twins():
    rng = np.random.default_rng(9)
    X = rng.normal(2, 1, size=(30, 80)).astype(np.float32)
    sets = _sets(rng, 80, [1, 2, 7, 8, 30])
    indptr, indices = K.sets_to_csr(sets)
    X64 = X.astype(np.float64)
    median, mean, sd = rng.normal(2, 1, 80), rng.normal(2, 1, 80), rng.uniform(0.5, 2, 80)
    weights = rng.normal(size=indices.size)
    tpm = np.exp(X64)
    for k, s in enumerate(sets):
        w = weights[indptr[k] : indptr[k + 1]]
        expect = {
            "mean": X64[:, s].mean(1),
            "sample_median": np.median(X64[:, s], 1),
            "median_dichotomy": np.where(X64[:, s] > median[s], 1, -1).sum(1),
            "mean_z": ((X64[:, s] - mean[s]) / sd[s]).mean(1),
            "weighted_sum": X64[:, s] @ w,
            "geometric_mean": np.exp(np.log(tpm[:, s] + 0.01).mean(1)),
        }
        got = {
            "mean": K.mean(X, indptr, indices)[:, k],
            "sample_median": K.sample_median(X, indptr, indices)[:, k],
            "median_dichotomy": K.median_dichotomy(X, indptr, indices, median)[:, k],
            "mean_z": K.mean_z(X, indptr, indices, mean, sd)[:, k],
            "weighted_sum": K.weighted_sum(X, indptr, indices, weights)[:, k],
            "geometric_mean": K.geometric_mean(tpm, indptr, indices, 0.01)[:, k],
        }
        for rule, value in expect.items():
            np.testing.assert_allclose(got[rule], value, rtol=1e-12, atol=1e-12, err_msg=rule)


def test_multi_rule_pass_equals_single_rules_and_propagates_nan():
    rng = np.random.default_rng(10)
    X = rng.normal(size=(6, 20))
    sets = [np.arange(5), np.arange(3, 12), np.arange(10, 20)]
    indptr, indices = K.sets_to_csr(sets)
    codes = np.array([K.CODES["mean"], K.CODES["median_dichotomy"], K.CODES["mean_z"]])
    a = np.concatenate([np.zeros(5), np.full(9, 0.1), np.full(10, -0.2)])
    b = np.concatenate([np.ones(14), np.full(10, 2.0)])
    out = K.set_scores(X, indptr, indices, codes, a, b)
    np.testing.assert_allclose(out[:, 0], K.mean(X, indptr, indices)[:, 0])
    np.testing.assert_allclose(
        out[:, 1], K.median_dichotomy(X, indptr, indices, np.full(20, 0.1))[:, 1]
    )
    np.testing.assert_allclose(
        out[:, 2], K.mean_z(X, indptr, indices, np.full(20, -0.2), np.full(20, 2.0))[:, 2]
    )
    X[0, 4] = np.nan
    a[6] = np.nan  # a reference median missing for one gene of set 1
    b[20] = 0.0  # a zero reference SD in set 2
    out = K.set_scores(X, indptr, indices, codes, a, b)
    assert np.isnan(out[0, 0])
    assert np.isfinite(out[1:, 0]).all()
    assert np.isnan(out[:, 1]).all()
    assert np.isnan(out[:, 2]).all()
    assert np.isnan(K.sample_median(X, indptr, indices)[0, 0])
    assert np.isnan(K.geometric_mean(-np.ones((1, 20)), indptr, indices, 0.5)).all()


# ---------------------------------------------------------------- compiled-code cache


def test_cache_choice_order(tmp_path):
    package = tmp_path / "pkg" / "__pycache__"
    env = {"HOME": str(tmp_path / "home")}
    assert choose_cache_dir(env, package_cache=package).directory is None
    readonly = lambda p: not str(p).startswith(str(tmp_path / "pkg"))  # noqa: E731
    choice = choose_cache_dir(env, package_cache=package, writable=readonly)
    assert choice.directory == str(tmp_path / "home" / ".cache" / "rtpredict" / "numba")
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg")
    choice = choose_cache_dir(env, package_cache=package, writable=readonly)
    assert choice.directory == str(tmp_path / "xdg" / "rtpredict" / "numba")
    env["NUMBA_CACHE_DIR"] = str(tmp_path / "mine")
    assert choose_cache_dir(env, package_cache=package).directory == str(tmp_path / "mine")
    nothing = choose_cache_dir(env, package_cache=package, writable=lambda p: False)
    assert not nothing.enabled
    assert nothing.directory is None


def test_read_only_package_caches_in_the_user_cache(tmp_path):
    """A copy of the package whose kernels/__pycache__ cannot be created (a file is in the way)."""
    site = tmp_path / "site"
    shutil.copytree(
        ROOT / "rtpredict", site / "rtpredict", ignore=shutil.ignore_patterns("__pycache__")
    )
    (site / "rtpredict" / "kernels" / "__pycache__").write_text("not a directory")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    env.update(
        PYTHONPATH=str(site), XDG_CACHE_HOME=str(tmp_path / "xdg"), PYTHONDONTWRITEBYTECODE="1"
    )
    script = (
        "import os, numpy as np\n"
        "from rtpredict import kernels as K\n"
        "assert (K.rank_average(np.array([[3.0, 1.0, 3.0]])) == [[2.5, 1, 2.5]]).all()\n"
        "from numba.core import config\n"
        "assert 'NUMBA_CACHE_DIR' not in os.environ, 'the environment of child processes'\n"
        "from rtpredict.kernels._cache import CHOICE\n"
        "print(config.CACHE_DIR, CHOICE.enabled)\n"
    )
    for _ in range(2):  # second run loads from the cache
        done = subprocess.run(
            [sys.executable, "-c", script],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    cache_dir = tmp_path / "xdg" / "rtpredict" / "numba" / f"kernels-{source_digest()}"
    assert done.stdout.split() == [str(cache_dir), "True"]
    assert list(cache_dir.rglob("*.nbi")), "no cache index written"

    # a kernel's callee changes: every kernel compiles afresh, in a directory of its own
    sort = site / "rtpredict" / "kernels" / "_sort.py"
    sort.write_text(sort.read_text() + "\n# changed\n")
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[0] != str(cache_dir)


# ---------------------------------------------------------------- radix sort vs scipy, edge values


def _awkward_matrix(rng, n, g, dtype):
    """Values over many magnitudes (every radix digit varies), ties, +-0, +-inf, +-NaN."""
    X = rng.normal(size=(n, g)) * 10.0 ** rng.uniform(-30, 30, size=(n, g))
    X[:, : g // 5] = np.round(X[:, : g // 5] * 1e-30, 0)  # ties, mostly at zero
    X = X.astype(dtype)
    X[:, 1::17] = -0.0
    X[:, 2::29] = np.inf
    X[:, 3::31] = -np.inf
    X[::2, 4::37] = np.nan
    X[1::2, 5::41] = -np.nan  # sign bit set, as 0/0 gives on x86
    X[-1, :] = 7.0  # one sample of a single tie run
    return X


def _reference_ranks(row):
    """``(average, ordinal)`` ranks by scipy: numbers ascending (-0.0 == 0.0), NaNs tied last."""
    row = np.asarray(row, dtype=np.float64)
    nan = np.isnan(row)
    average, ordinal = np.empty(row.size), np.empty(row.size)
    n_numbers = int((~nan).sum())
    average[~nan] = rankdata(row[~nan])
    ordinal[~nan] = rankdata(row[~nan], method="ordinal")  # ties in column order
    average[nan] = n_numbers + (nan.sum() + 1) / 2
    ordinal[nan] = n_numbers + np.arange(1, nan.sum() + 1)
    return average, ordinal


def _reference_scores(X, sets, alpha, ties):
    """singscore and raw ssGSEA from the closed forms, one sample and one set at a time."""
    n_genes = X.shape[1]
    sing = np.full((X.shape[0], len(sets)), np.nan)
    ssg = np.full((X.shape[0], len(sets)), np.nan)
    for s, row in enumerate(X):
        average, ordinal = _reference_ranks(row)
        for k, members in enumerate(sets):
            m = len(members)
            if m == 0 or m >= n_genes:
                continue
            r = average[members]
            o = r if ties == "average" else ordinal[members]
            w = r**alpha
            sing[s, k] = (r.mean() - (m + 1) / 2) / (n_genes - m) - 0.5
            ssg[s, k] = (w * o).sum() / w.sum() - (n_genes * (n_genes + 1) / 2 - o.sum()) / (
                n_genes - m
            )
    return sing, ssg


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_genes", [300, 5000])
def test_ranks_and_set_scores_equal_a_scipy_reference(dtype, n_genes):
    rng = np.random.default_rng(16)
    X = _awkward_matrix(rng, 6, n_genes, dtype)
    sets = [*_sets(rng, n_genes, [1, 2, 10, 150]), np.arange(0, n_genes, 3), np.array([], int)]
    sets.append(np.arange(n_genes))
    indptr, indices = K.sets_to_csr(sets)
    ranks = K.rank_average(X, dtype=np.float64)
    np.testing.assert_array_equal(ranks, [_reference_ranks(row)[0] for row in X])
    for ties, alpha in itertools.product(TIES, (0.0, 0.25, 1.0)):
        sing, ssg = K.rank_set_scores(X, indptr, indices, alpha=alpha, ties=ties)
        want_sing, want_ssg = _reference_scores(X, sets, alpha, ties)
        np.testing.assert_allclose(sing, want_sing, rtol=0, atol=1e-12)
        np.testing.assert_allclose(ssg, want_ssg, rtol=0, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nonfinite_rows_flags_nan_and_inf_of_either_sign_in_the_chosen_columns(dtype):
    rng = np.random.default_rng(4)
    X = rng.normal(size=(40, 700)).astype(dtype) * dtype(1e30)  # large but finite
    X[3, 5], X[7, 699], X[11, 0], X[19, 350] = np.nan, np.inf, -np.inf, -np.nan
    X[23, :] = np.finfo(dtype).max  # the largest finite value is finite
    np.testing.assert_array_equal(K.nonfinite_rows(X), ~np.isfinite(X).all(axis=1))
    columns = np.array([0, 5, 351])
    assert np.flatnonzero(K.nonfinite_rows(X, columns)).tolist() == [3, 11]
    assert not K.nonfinite_rows(X, np.array([], int)).any()
    assert K.nonfinite_rows(X[:, ::2]).tolist() == (~np.isfinite(X[:, ::2]).all(axis=1)).tolist()
    with pytest.raises(ValueError, match="columns"):
        K.nonfinite_rows(X, np.array([700]))
