"""Every demo report opened in Debian's headless chromium from file://, networking blocked.

Each page must load without console errors and without any request leaving the file (every
request but file: and data: URLs is failed and recorded through the DevTools protocol); a
full-page screenshot and an A4 PDF are saved under ``test-artifacts/reports/`` and the
screenshot must not be blank. Pages: the demo-like cohort of ``_report_cohort`` and, when
``RTPREDICT_DEMO_PREDICTIONS`` names the workflow's ``cohort.predictions.h5ad``, the real demo.
Without chromium the tests skip, unless ``RTPREDICT_REQUIRE_BROWSER=1`` (CI) makes that a failure.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import numpy as np
import pytest
from _chromium import Chromium, find_chromium
from _report_cohort import build, demo_predictions

from rtpredict.io import read_h5ad
from rtpredict.report import write_reports

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "reports"
DATE = "2026-11-28"


@pytest.fixture(scope="module")
def browser():
    executable = find_chromium()
    if executable is None:
        message = "chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("RTPREDICT_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    with Chromium(executable) as chromium:
        yield chromium


def cohorts():
    yield "fixture", build
    path = demo_predictions()
    if path is not None:
        yield "demo", lambda: read_h5ad(path)


@pytest.fixture(scope="module", params=list(dict(cohorts())), ids=str)
def reports(request, tmp_path_factory):
    """All reports of one cohort: (name, path) pairs, tumours first, the cohort last."""
    adata = dict(cohorts())[request.param]()
    outdir = tmp_path_factory.mktemp(f"reports_{request.param}")
    summary = write_reports(adata, outdir, date=DATE)
    paths = [*summary["tumour_reports"].values(), summary["cohort_report"]]
    return request.param, paths


def assert_not_blank(png: bytes) -> None:
    from PIL import Image

    image = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    assert image.shape[0] > 1500, image.shape
    assert image.shape[1] >= 800, image.shape
    assert (image < 200).mean() > 0.02, "the page is (almost) blank"
    assert len(np.unique(image)) > 20, "the page has hardly any content"


def test_harness_catches_requests_and_console_errors(browser, tmp_path):
    # the negative control: a page that breaks every rule must fail every check
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><html lang="en"><head><title>bad</title>'
        '<link rel="stylesheet" href="https://cdn.example/x.css"></head><body><h1>bad</h1>'
        '<img src="http://example.invalid/x.png" alt="x"><script>console.error("boom");'
        'fetch("https://tracker.example/");</script></body></html>'
    )
    visit = browser.visit(page)
    assert set(visit.remote_requests) == {
        "https://cdn.example/x.css",
        "http://example.invalid/x.png",
        "https://tracker.example/",
    }
    assert any("boom" in e for e in visit.errors)


def test_reports_load_offline_without_errors_and_are_not_blank(browser, reports):
    name, paths = reports
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    printed = {paths[0], paths[-2], paths[-1]}  # A4 PDFs of a first and a last tumour, cohort
    for path in paths:
        visit = browser.visit(path, pdf=path in printed)
        stem = f"{name}_{path.stem}"
        (ARTIFACTS / f"{stem}.png").write_bytes(visit.screenshot)
        assert visit.requests[0] == path.resolve().as_uri(), path.name
        assert visit.remote_requests == [], path.name
        assert visit.errors == [], path.name
        assert_not_blank(visit.screenshot)
        if path not in printed:
            continue
        (ARTIFACTS / f"{stem}.pdf").write_bytes(visit.pdf)
        assert visit.pdf.startswith(b"%PDF")
        boxes = set(re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", visit.pdf))
        assert boxes, "no page in the PDF"
        for width, height in boxes:  # A4 in points
            assert abs(float(width) - 595.3) < 1, boxes
            assert abs(float(height) - 841.9) < 1, boxes


def test_cohort_table_sorts_in_the_browser(browser, reports):
    _, paths = reports
    script = """(() => {
        const table = document.querySelector("table.sortable");
        const ids = () => Array.from(table.tBodies[0].rows, r => r.cells[0].textContent.trim());
        const before = ids();
        const head = table.tHead.rows[0].cells;
        const rsi = Array.from(head).findIndex(c => c.textContent.startsWith("RSI"));
        head[rsi].querySelector("button").click();
        const rows = Array.from(table.tBodies[0].rows);
        const values = rows.map(r => r.cells[rsi].getAttribute("data-sort"));
        return JSON.stringify(
            {before, after: ids(), values, sort: head[rsi].getAttribute("aria-sort")});
    })()"""
    visit = browser.visit(paths[-1], evaluate=script)
    result = visit.evaluated
    numbers = [float(v) for v in result["values"] if v]
    assert result["sort"] == "ascending"
    assert numbers == sorted(numbers)
    assert result["values"][-1] == ""
    assert sorted(result["after"]) == sorted(result["before"]) != result["after"]
