"""The text kernels against plain-Python splitting of the same text, on generated fields."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rtpredict.kernels import (
    factorize_spans,
    integer_lists,
    key_value_spans,
    line_spans,
    nth_spans,
    subfield_spans,
)

SETTINGS = settings(max_examples=150, deadline=None)
#: field text from a small alphabet, so that separators and repeats are frequent; é is 2 bytes
fields = st.text(alphabet="ab,|:;=.-+0123é", max_size=8)


def as_text(values: list[str]) -> tuple[bytes, np.ndarray, np.ndarray, np.ndarray]:
    """Join values into one byte buffer; return it, its uint8 view and each value's span."""
    encoded = [v.encode() for v in values]
    lengths = np.array([len(e) for e in encoded], np.int64)
    ends = np.cumsum(lengths)
    raw = b"".join(encoded)
    return raw, np.frombuffer(raw, np.uint8), ends - lengths, ends


def texts(raw: bytes, starts: np.ndarray, ends: np.ndarray) -> list[str | None]:
    return [None if s < 0 else raw[s:e].decode() for s, e in zip(starts, ends, strict=True)]


@SETTINGS
@given(st.lists(st.lists(fields.filter(lambda f: "\t" not in f), max_size=6), max_size=8))
def test_line_spans_are_the_tab_separated_fields(rows):
    lines = ["\t".join(row) + "\n" for row in rows]
    raw = "".join(lines).encode()
    starts, ends = line_spans(np.frombuffer(raw, np.uint8), 4)
    assert starts.shape == (len(lines), 4)
    for i, line in enumerate(lines):
        expected = (line.rstrip("\n").split("\t", 4) + [""] * 4)[:4]
        assert texts(raw, starts[i], ends[i]) == expected


@SETTINGS
@given(st.lists(st.one_of(st.none(), fields), max_size=40))
def test_factorize_spans_numbers_like_pandas(values):
    raw, text, starts, ends = as_text([v or "" for v in values])
    starts = np.where([v is None for v in values], -1, starts)
    codes, firsts = factorize_spans(text, starts, ends)
    expected, uniques = pd.factorize(pd.array(values, dtype=object))
    np.testing.assert_array_equal(codes, expected)
    assert [raw[starts[f] : ends[f]].decode() for f in firsts] == list(uniques)


def test_factorize_spans_tells_apart_values_of_one_hash_bucket():
    values = [str(i) for i in range(5000)] * 2
    _raw, text, starts, ends = as_text(values)
    codes, firsts = factorize_spans(text, starts, ends)
    np.testing.assert_array_equal(codes, np.tile(np.arange(5000), 2))
    assert len(firsts) == 5000


@SETTINGS
@given(st.lists(fields, max_size=12))
def test_key_value_spans_find_the_first_item(values):
    raw, text, starts, ends = as_text(values)
    found = texts(raw, *key_value_spans(text, starts, ends, key=b"a="))
    for value, got in zip(values, found, strict=True):
        items = value.split(";")
        hits = [item[2:] for item in items if item.startswith("a=")]
        assert got == (hits[0] if hits else None)


@SETTINGS
@given(st.lists(st.one_of(st.none(), fields), max_size=12), st.integers(1, 4))
def test_subfield_spans_split_entries_then_fields(values, width):
    raw, text, starts, ends = as_text([v or "" for v in values])
    starts = np.where([v is None for v in values], -1, starts)
    owner, field_starts, field_ends = subfield_spans(text, starts, ends, width=width)
    expected_owner, expected = [], []
    for i, value in enumerate(values):
        if not value:
            continue
        for entry in value.split(","):
            expected_owner.append(i)
            expected.append((entry.split("|", width) + [""] * width)[:width])
    assert owner.tolist() == expected_owner
    got = [texts(raw, field_starts[r], field_ends[r]) for r in range(len(owner))]
    assert got == expected


@SETTINGS
@given(st.lists(st.tuples(fields, st.integers(-1, 4)), max_size=12))
def test_nth_spans_take_one_part(pairs):
    values = [v for v, _ in pairs]
    raw, text, starts, ends = as_text(values)
    index = np.array([k for _, k in pairs], np.int64)
    found = texts(raw, *nth_spans(text, starts, ends, index=index, separator=b":"))
    for (value, k), got in zip(pairs, found, strict=True):
        parts = value.split(":")
        assert got == (parts[k] if 0 <= k < len(parts) else None)


def reference_integers(value: str | None, length: int) -> list[int] | None:
    if value is None:
        return None
    tokens = value.split(",")
    good = len(tokens) == length and all(
        t.lstrip("+-").isdigit() and t.lstrip("+-").isascii() and len(t) - len(t.lstrip("+-")) <= 1
        for t in tokens
    )
    return [int(t) for t in tokens] if good else None


@SETTINGS
@given(
    st.lists(
        st.tuples(
            st.one_of(
                st.none(),
                st.lists(st.integers(-50, 10**6), min_size=1, max_size=4).map(
                    lambda xs: ",".join(map(str, xs))
                ),
                st.text(alphabet="0123,.-+a", max_size=6),
            ),
            st.integers(1, 4),
        ),
        max_size=20,
    )
)
def test_integer_lists_read_exactly_the_asked_counts(pairs):
    values = [v for v, _ in pairs]
    _raw, text, starts, ends = as_text([v or "" for v in values])
    starts = np.where([v is None for v in values], -1, starts)
    lengths = np.array([k for _, k in pairs], np.int64)
    ok, numbers = integer_lists(text, starts, ends, lengths=lengths)
    expected = [reference_integers(v, k) for v, k in pairs]
    assert ok.tolist() == [e is not None for e in expected]
    assert numbers.tolist() == [n for e in expected if e is not None for n in e]


@pytest.mark.parametrize("value", [".", "1,.", "", "1,", ",1", "--1", "1 ,2"])
def test_integer_lists_refuse_missing_and_malformed_values(value):
    _raw, text, starts, ends = as_text([value])
    ok, numbers = integer_lists(text, starts, ends, lengths=np.array([2 if "," in value else 1]))
    assert not ok.any()
    assert len(numbers) == 0


def test_unsafe_input_is_refused_before_the_compiled_loops():
    with pytest.raises(ValueError, match="newline"):
        line_spans(np.frombuffer(b"a\tb\nc", np.uint8), 2)
    _raw, text, starts, ends = as_text(["1,2", "3"])
    with pytest.raises(ValueError, match="negative"):
        integer_lists(text, starts, ends, lengths=np.array([-5, 1]))
