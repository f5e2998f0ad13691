"""The tutorials in docs/ run as written: their Python blocks, in order, in one namespace."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def python_blocks(page: Path) -> list[str]:
    """Return the ```python blocks of a Markdown page, in order."""
    return BLOCK.findall(page.read_text(encoding="utf-8"))


def test_blocks_are_found():
    blocks = python_blocks(DOCS / "tutorial-own-matrix.md")
    assert len(blocks) >= 7
    assert "cross_validate(" in blocks[-1]


@pytest.mark.parametrize("page", ["tutorial-own-matrix.md"])
def test_tutorial_runs(page, capsys):
    matplotlib.use("Agg")
    namespace: dict = {"__name__": "__tutorial__"}
    for number, block in enumerate(python_blocks(DOCS / page), start=1):
        code = compile(block, f"{page} block {number}", "exec")
        exec(code, namespace)  # the page's own code, run as a reader would
    printed = capsys.readouterr().out
    assert "cytolytic_activity" in printed  # the refusal names the signature and its reason
    assert namespace["scale"].name == "log_microarray"
    assert namespace["result"].random_sets["null"] in {"random_gene_sets", "permuted_outcomes"}
