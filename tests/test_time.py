"""Every time stamp rtpredict writes follows $SOURCE_DATE_EPOCH (reproducible builds)."""

from __future__ import annotations

from rtpredict._time import utc_now, utc_stamp
from rtpredict.models._card import _now
from rtpredict.provenance import input_manifest
from rtpredict.report._view import report_date


def test_source_date_epoch_sets_every_stamp(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert utc_stamp() == "2023-11-14T22:13:20Z"
    assert _now() == "2023-11-14T22:13:20+00:00"
    assert report_date() == "2023-11-14"
    assert input_manifest({})["created_utc"] == "2023-11-14T22:13:20Z"


def test_without_it_the_clock_is_read(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert utc_now().year >= 2026
    assert utc_now().microsecond == 0
