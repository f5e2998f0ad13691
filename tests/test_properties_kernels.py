"""Property-based tests (hypothesis) of the Numba kernels and of the scoring API above them.

Inputs mix ordinary floats with the awkward ones: NaN of either sign (arithmetic NaNs such as
0/0 carry the sign bit on x86), +-inf, -0.0, ties, huge values (1e30, float32 max), one gene,
constant genes, empty and full gene sets. ``deadline=None``: the first example compiles or loads
the kernels.
"""

from __future__ import annotations

import numpy as np
import pytest
from anndata import AnnData
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.stats import rankdata

from rtpredict import kernels as K
from rtpredict import tl
from rtpredict.errors import InputError
from rtpredict.signatures import get_signature

F32_MAX = float(np.finfo(np.float32).max)
SPECIAL = (0.0, -0.0, 1.0, -1.0, 2.5, 1e30, -1e30, F32_MAX, -F32_MAX, 1e-30)
NON_FINITE = (np.nan, -np.nan, np.inf, -np.inf)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _elements(dtype, *, finite: bool, bound: float | None = None):
    width = 32 if dtype == np.float32 else 64
    specials = [v for v in SPECIAL if bound is None or abs(v) <= bound]
    plain = st.floats(
        min_value=-bound if bound else None,
        max_value=bound,
        allow_nan=not finite,
        allow_infinity=not finite and bound is None,
        width=width,
    )
    choices = [plain, st.sampled_from(specials)]
    if not finite:
        choices.append(st.sampled_from(NON_FINITE))
    return st.one_of(*choices)


@st.composite
def matrices(draw, *, finite: bool = True, bound: float | None = None, min_genes: int = 1):
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    shape = (draw(st.integers(1, 4)), draw(st.integers(min_genes, 30)))
    X = draw(arrays(dtype, shape, elements=_elements(dtype, finite=finite, bound=bound)))
    if draw(st.booleans()):  # a constant gene
        X[:, draw(st.integers(0, shape[1] - 1))] = draw(st.sampled_from([0.0, 7.0]))
    return X


@st.composite
def gene_sets(draw, n_genes: int):
    """Column-index sets, empty ones included, sometimes one of every gene."""
    members = st.lists(st.integers(0, n_genes - 1), unique=True)
    sets = draw(st.lists(members, min_size=1, max_size=5))
    if draw(st.booleans()):
        sets.append(list(range(n_genes)))
    return sets


def twin_ranks(row: np.ndarray) -> np.ndarray:
    """The documented order, spelled out: numbers ascending (-0.0 == 0.0), then every NaN tied."""
    row = np.asarray(row, dtype=np.float64)
    nan = np.isnan(row)
    out = np.empty(row.size)
    out[~nan] = rankdata(row[~nan]) if (~nan).any() else []
    n_numbers = int((~nan).sum())
    out[nan] = n_numbers + (nan.sum() + 1) / 2
    return out


def monotone_remap(X: np.ndarray, rng_seed: int) -> np.ndarray:
    """Apply, per sample, a random strictly increasing map to the values (exact: no rounding)."""
    rng = np.random.default_rng(rng_seed)
    out = np.empty_like(X, dtype=np.float64)
    for s, row in enumerate(X):
        levels, inverse = np.unique(row, return_inverse=True)
        new_levels = np.cumsum(rng.uniform(0.5, 50, size=levels.size)) - rng.uniform(0, 1e3)
        out[s] = new_levels[inverse]
    return out


# ---------------------------------------------------------------- ranks


def test_nan_from_arithmetic_ranks_above_every_number():
    """Regression: 0/0 or log(-1) give a NaN with the sign bit set, which used to rank lowest."""
    with np.errstate(invalid="ignore"):
        negative_nan = np.log(np.array([-1.0]))[0]
    assert np.signbit(negative_nan)
    for dtype in (np.float32, np.float64):
        X = np.array([[negative_nan, 1.0, -np.inf, np.nan, np.inf]], dtype=dtype)
        np.testing.assert_array_equal(K.rank_average(X), [[4.5, 2, 1, 4.5, 3]])
        indptr, indices = K.sets_to_csr([[0]])
        assert K.singscore(X, indptr, indices)[0, 0] == pytest.approx(0.375)


@SETTINGS
@given(matrices(finite=False))
def test_ranks_follow_the_documented_order_for_any_input(X):
    ranks = K.rank_average(X)
    g = X.shape[1]
    assert ranks.dtype == X.dtype
    for s in range(X.shape[0]):
        np.testing.assert_array_equal(ranks[s], twin_ranks(X[s]))
    np.testing.assert_array_equal(ranks.astype(np.float64).sum(axis=1), g * (g + 1) / 2)


@SETTINGS
@given(matrices(finite=False))
def test_float32_ranks_equal_float64_ranks_of_the_same_values(X):
    with np.errstate(over="ignore"):  # float64 beyond float32's range becomes inf
        X32 = X.astype(np.float32)
    np.testing.assert_array_equal(
        K.rank_average(X32, dtype=np.float64), K.rank_average(X32.astype(np.float64))
    )


# ---------------------------------------------------------------- RSI rank model


@st.composite
def rsi_inputs(draw, *, finite: bool):
    X = draw(matrices(finite=finite, min_genes=2))
    g = X.shape[1]
    k = draw(st.integers(1, min(g, 10)))
    columns = np.array(draw(st.permutations(range(g)))[:k])
    coefficients = np.array(
        draw(st.lists(st.floats(-1, 1, allow_subnormal=False), min_size=k, max_size=k))
    )
    return X, columns, coefficients


@SETTINGS
@given(rsi_inputs(finite=False))
def test_rsi_is_the_published_rule_and_nan_only_where_a_panel_value_is_nan(args):
    X, columns, coefficients = args
    out = K.rsi_rank(X, columns, coefficients)
    panel = X[:, columns].astype(np.float64)
    has_nan = np.isnan(panel).any(axis=1)
    np.testing.assert_array_equal(np.isnan(out), has_nan)
    for s in np.flatnonzero(~has_nan):
        assert out[s] == pytest.approx(coefficients @ rankdata(panel[s]), abs=1e-12)
        # rearrangement bounds: ranks 1..k (ties average them, which stays inside)
        ordered = np.sort(coefficients)
        ranks = np.arange(1, columns.size + 1)
        low, high = ordered @ ranks[::-1], ordered @ ranks
        assert low - 1e-9 <= out[s] <= high + 1e-9


@SETTINGS
@given(rsi_inputs(finite=True), st.integers(0, 2**32 - 1))
def test_rsi_is_invariant_under_per_sample_monotone_transforms(args, seed):
    X, columns, coefficients = args
    np.testing.assert_allclose(
        K.rsi_rank(monotone_remap(X, seed), columns, coefficients),
        K.rsi_rank(X, columns, coefficients),
        rtol=0,
        atol=1e-12,
    )


def test_rsi_of_a_panel_with_a_missing_gene_is_nan():
    X = np.arange(12.0).reshape(2, 6)
    assert np.isnan(K.rsi_rank(X, np.array([0, -1, 2]), np.ones(3))).all()


# ---------------------------------------------------------------- singscore and ssGSEA


@st.composite
def scored_sets(draw, *, finite: bool):
    X = draw(matrices(finite=finite))
    sets = draw(gene_sets(X.shape[1]))
    return X, sets


@SETTINGS
@given(scored_sets(finite=False))
def test_singscore_bounds_nan_rules_and_complement_symmetry(args):
    X, sets = args
    g = X.shape[1]
    indptr, indices = K.sets_to_csr(sets)
    out = K.singscore(X, indptr, indices)
    for k, members in enumerate(sets):
        if len(members) in (0, g):
            assert np.isnan(out[:, k]).all()
            continue
        assert np.all((out[:, k] >= -0.5) & (out[:, k] <= 0.5))
        complement = sorted(set(range(g)) - set(members))
        other = K.singscore(X, *K.sets_to_csr([complement]))[:, 0]
        np.testing.assert_allclose(out[:, k] + other, 0, atol=1e-12)
        ranks = np.array([twin_ranks(row) for row in X])[:, members].mean(axis=1)
        m = len(members)
        expected = (ranks - (m + 1) / 2) / (g - m) - 0.5
        np.testing.assert_allclose(out[:, k], expected, atol=1e-12)


@SETTINGS
@given(scored_sets(finite=True), st.integers(0, 2**32 - 1), st.sampled_from(["average", "gseapy"]))
def test_rank_scores_are_invariant_under_per_sample_monotone_transforms(args, seed, ties):
    X, sets = args
    indptr, indices = K.sets_to_csr(sets)
    sing, ssg = K.rank_set_scores(X, indptr, indices, ties=ties)
    sing2, ssg2 = K.rank_set_scores(monotone_remap(X, seed), indptr, indices, ties=ties)
    np.testing.assert_allclose(sing2, sing, atol=1e-12, equal_nan=True)
    np.testing.assert_allclose(ssg2, ssg, atol=1e-9, equal_nan=True)


@SETTINGS
@given(scored_sets(finite=False), st.integers(0, 2**32 - 1), st.floats(0, 2))
def test_ssgsea_average_ties_ignores_gene_order_and_is_finite(args, seed, alpha):
    X, sets = args
    g = X.shape[1]
    indptr, indices = K.sets_to_csr(sets)
    out = K.ssgsea(X, indptr, indices, alpha=alpha)
    sizes = np.diff(indptr)
    proper = (sizes > 0) & (sizes < g)
    assert np.isfinite(out[:, proper]).all()
    assert np.isnan(out[:, ~proper]).all()
    perm = np.random.default_rng(seed).permutation(g)
    where = np.argsort(perm)  # new column of old gene j
    moved = K.ssgsea(X[:, perm], indptr, where[indices], alpha=alpha)
    np.testing.assert_allclose(moved, out, rtol=1e-12, atol=1e-9, equal_nan=True)


def test_normalize_ssgsea_with_no_range_is_nan():
    assert np.isnan(K.normalize_ssgsea(np.ones((2, 2)), 1.0, 1.0)).all()
    assert np.isnan(K.normalize_ssgsea(np.ones((2, 2)), 0.0, np.inf)).all()


# ---------------------------------------------------------------- expression-scale rules

BOUND = F32_MAX  # sums of float32-range values cannot overflow float64


@SETTINGS
@given(scored_sets(finite=True))
def test_expression_rules_stay_within_the_set_values(args):
    X, sets = args
    sets = [s for s in sets if s] or [[0]]
    X = np.clip(X, -BOUND, BOUND)
    indptr, indices = K.sets_to_csr(sets)
    mean, median = K.mean(X, indptr, indices), K.sample_median(X, indptr, indices)
    dichotomy = K.median_dichotomy(X, indptr, indices, np.zeros(X.shape[1]))
    for k, members in enumerate(sets):
        values = X[:, members].astype(np.float64)
        low, high = values.min(axis=1), values.max(axis=1)
        slack = 1e-12 * np.maximum(np.abs(low), np.abs(high))
        assert np.all((mean[:, k] >= low - slack) & (mean[:, k] <= high + slack))
        assert np.all((median[:, k] >= low) & (median[:, k] <= high))
        np.testing.assert_array_equal(median[:, k], np.median(values, axis=1))
        m = len(members)
        assert np.all(np.abs(dichotomy[:, k]) <= m)
        assert np.all((dichotomy[:, k] - m) % 2 == 0)


@SETTINGS
@given(scored_sets(finite=True), st.floats(0, 10))
def test_geometric_mean_lies_between_the_smallest_and_largest_shifted_value(args, offset):
    X, sets = args
    sets = [s for s in sets if s] or [[0]]
    X = np.clip(np.abs(X), 0, BOUND)
    indptr, indices = K.sets_to_csr(sets)
    out = K.geometric_mean(X, indptr, indices, offset)
    for k, members in enumerate(sets):
        shifted = X[:, members].astype(np.float64) + offset
        low, high = shifted.min(axis=1), shifted.max(axis=1)
        positive = low > 0
        assert np.isnan(out[~positive, k]).all()
        assert np.all(out[positive, k] >= low[positive] * (1 - 1e-9))
        assert np.all(out[positive, k] <= high[positive] * (1 + 1e-9))


@SETTINGS
@given(scored_sets(finite=False))
def test_every_rule_is_nan_where_a_set_value_is_nan_and_for_empty_sets(args):
    X, sets = args
    indptr, indices = K.sets_to_csr(sets)
    nsets = len(sets)
    for code in K.CODES.values():
        out = K.set_scores(X, indptr, indices, np.full(nsets, code), np.zeros(indices.size))
        assert out.shape == (X.shape[0], nsets)
        for k, members in enumerate(sets):
            nan_in_set = np.isnan(X[:, members].astype(np.float64)).any(axis=1)
            if not members:
                assert np.isnan(out[:, k]).all()
            else:
                assert np.isnan(out[nan_in_set, k]).all()


@SETTINGS
@given(scored_sets(finite=True))
def test_weighted_sum_and_mean_z_match_numpy(args):
    X, sets = args
    X = np.clip(X, -1e30, 1e30)
    indptr, indices = K.sets_to_csr(sets)
    weights = np.linspace(-1, 1, indices.size)
    g = X.shape[1]
    means, sds = np.linspace(-2, 2, g), np.linspace(0.5, 3, g)
    got = K.weighted_sum(X, indptr, indices, weights)
    got_z = K.mean_z(X, indptr, indices, means, sds)
    X64 = X.astype(np.float64)
    for k, members in enumerate(sets):
        if not members:
            assert np.isnan(got[:, k]).all()
            assert np.isnan(got_z[:, k]).all()
            continue
        terms = X64[:, members] * weights[indptr[k] : indptr[k + 1]]
        z_terms = (X64[:, members] - means[members]) / sds[members]
        tolerance = 1e-12 * (1 + np.abs(terms).sum(axis=1))  # summation order may differ
        assert np.all(np.abs(got[:, k] - terms.sum(axis=1)) <= tolerance)
        tolerance = 1e-12 * (1 + np.abs(z_terms).sum(axis=1))
        assert np.all(np.abs(got_z[:, k] - z_terms.mean(axis=1)) <= tolerance)


# ---------------------------------------------------------------- the API layer


def _rsi_adata(X: np.ndarray, *, unicode_extra: bool) -> AnnData:
    genes = get_signature("rsi").genes
    extra = ["ÉGÈNE-α", "基因1"] if unicode_extra else ["EXTRA1", "EXTRA2"]
    ids = [g.ensembl for g in genes] + [f"RTPSIMG{i:06d}" for i in range(len(extra))]
    symbols = [g.symbol for g in genes] + extra
    adata = AnnData(X.astype(np.float32))
    adata.var_names = ids
    adata.var["symbol"] = symbols
    adata.obs_names = [f"T{i}" for i in range(X.shape[0])]
    return adata


@settings(max_examples=30, deadline=None)
@given(
    arrays(np.float64, st.tuples(st.integers(1, 3), st.just(12)), elements=st.floats(0, 20)),
    st.integers(0, 11),
    st.sampled_from(NON_FINITE),
    st.booleans(),
)
def test_score_rsi_refuses_non_finite_panel_values_with_input_error(X, column, bad, unicode_extra):
    adata = _rsi_adata(X, unicode_extra=unicode_extra)
    tl.score_rsi(adata)
    assert np.isfinite(adata.obs["rsi"]).all()
    adata.X[0, column] = bad
    if column < 10:  # a panel gene
        with pytest.raises(InputError, match=r"rsi genes holds 1 non-finite values"):
            tl.score_rsi(adata)
    else:
        tl.score_rsi(adata)
        assert np.isfinite(adata.obs["rsi"]).all()


@settings(max_examples=30, deadline=None)
@given(
    arrays(np.float64, st.tuples(st.integers(1, 3), st.just(12)), elements=st.floats(0, 20)),
    st.sampled_from((*NON_FINITE, None)),
    st.sampled_from(["singscore", "ssgsea"]),
)
def test_gene_set_scores_with_unicode_symbols(X, bad, method):
    adata = _rsi_adata(X, unicode_extra=True)
    sets = {"unicode_set": ["ÉGÈNE-α", "基因1", "NOT-A-GÈNE"], "none_found": ["ŽŽŽ"]}
    if bad is not None:  # rank methods read every gene, so every value must be finite
        adata.X[-1, -1] = bad
        with pytest.raises(InputError, match="the expression matrix holds 1 non-finite"):
            tl.score_signatures(adata, sets, method=method, min_coverage=0.5)
        return
    tl.score_signatures(adata, sets, method=method, min_coverage=0.5)
    assert np.isfinite(adata.obs["unicode_set"]).all()
    assert np.isnan(adata.obs["none_found"]).all()
