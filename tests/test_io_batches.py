"""Cohort batches: stable membership as tumours are appended, digests of a batch's own rows."""

from __future__ import annotations

import pandas as pd
import pytest

from rtpredict.errors import InputError
from rtpredict.io import batch_digest, tumour_batches


def _sheet(ids: list[str], batches: list[str] | None = None) -> pd.DataFrame:
    return pd.DataFrame({"sample_id": ids, "batch": batches or [""] * len(ids)})


def test_automatic_batches_fill_in_sheet_order_and_lanes_count_once():
    sheet = _sheet(["A", "A", "B", "C", "D", "E"])  # A has two lanes
    assert tumour_batches(sheet, 2) == {"b0001": ["A", "B"], "b0002": ["C", "D"], "b0003": ["E"]}


def test_appending_tumours_never_moves_one_to_another_batch():
    first = tumour_batches(_sheet([f"T{i}" for i in range(7)]), 3)
    later = tumour_batches(_sheet([f"T{i}" for i in range(12)]), 3)
    for batch, tumours in first.items():
        assert later[batch][: len(tumours)] == tumours
    assert first["b0003"] == ["T6"]
    assert later["b0003"] == ["T6", "T7", "T8"]


def test_named_batches_keep_the_sheet_order_of_first_appearance():
    sheet = _sheet(["A", "B", "C", "D"], ["w50", "w49", "w50", "w51"])
    assert tumour_batches(sheet, 1) == {"w50": ["A", "C"], "w49": ["B"], "w51": ["D"]}


def test_a_batch_size_below_one_is_refused():
    with pytest.raises(InputError, match="batch_size must be at least 1"):
        tumour_batches(_sheet(["A"]), 0)


def test_a_digest_changes_with_the_batch_rows_only():
    rows = pd.DataFrame({"sample_id": ["A", "B"], "fastq_1": ["a1", "b1"]})
    clinical = pd.DataFrame({"dose_per_fraction": [2.0, 2.0]}, index=["A", "B"])
    digest = batch_digest(rows, clinical)
    assert digest == batch_digest(rows.copy(), clinical.copy())
    assert digest != batch_digest(rows.assign(fastq_1=["a1", "b2"]), clinical)
    assert digest != batch_digest(rows, clinical.assign(dose_per_fraction=[2.0, 1.8]))
