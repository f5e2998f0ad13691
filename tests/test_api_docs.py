"""The API reference documents exactly the public names: nothing in ``__all__`` is left out.

Each public namespace has a page ``docs/api/<namespace>.rst`` whose ``autosummary`` tables
generate one page per name; the site itself is built with warnings as errors by
``scripts/run-tests.sh`` (``sphinx-build -W``).
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from _public_api import NAMESPACES

API = Path(__file__).resolve().parents[1] / "docs" / "api"


def autosummary_entries(page: Path) -> list[str]:
    """Return the names listed in the ``autosummary`` tables of an API page, in order.

    A table is the directive, its ``:option:`` lines, then indented names up to the first
    line that is not indented (blank lines allowed).
    """
    names: list[str] = []
    in_table = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith(".. autosummary::"):
            in_table = True
        elif in_table and line.strip() and not line[0].isspace():
            in_table = False
        elif in_table and line.strip() and not line.strip().startswith(":"):
            names.append(line.strip())
    return names


def test_every_table_generates_pages():
    for page in API.glob("*.rst"):
        tables = page.read_text(encoding="utf-8").count(".. autosummary::")
        assert page.read_text(encoding="utf-8").count("   :toctree: generated/") == tables


def test_every_namespace_has_a_page_in_the_index():
    index = (API / "index.md").read_text(encoding="utf-8")
    listed = re.findall(r"^(\w+)$", index, re.MULTILINE)
    assert listed == list(NAMESPACES)
    assert sorted(p.stem for p in API.glob("*.rst")) == sorted(NAMESPACES)


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_page_documents_exactly_the_public_names(namespace):
    page = API / f"{namespace}.rst"
    module = importlib.import_module(f"rtpredict.{namespace}")
    entries = autosummary_entries(page)
    assert len(entries) == len(set(entries)), f"{page.name} lists a name twice"
    missing = sorted(set(module.__all__) - set(entries))
    extra = sorted(set(entries) - set(module.__all__))
    assert not missing, f"{page.name} does not document {missing}"
    assert not extra, f"{page.name} documents names outside rtpredict.{namespace}.__all__: {extra}"
    text = page.read_text(encoding="utf-8")
    assert f".. currentmodule:: rtpredict.{namespace}\n" in text
    assert f".. automodule:: rtpredict.{namespace}\n" in text


def test_the_entry_pattern_reads_a_table():
    page = API / "tl.rst"
    assert "score_signatures" in autosummary_entries(page)
