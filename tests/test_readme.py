"""The README's Python example runs as written."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_example_runs(tmp_path, monkeypatch, capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "the README has a Python example"
    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings():
        # the example scores lung and glioma tumours with a model that never saw those sites
        warnings.simplefilter("ignore", UserWarning)
        exec(compile(blocks[0], "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "recurrence_prediction" in out
    assert "36.1" in out


def test_readme_opens_with_the_two_commands():
    head = README.read_text().split("\n## ")[0]
    commands = re.findall(r"```bash\n(.*?)\n```", head, flags=re.S)
    assert commands == ["scripts/run-demo.sh", "scripts/run-tests.sh"]
    for command in commands:
        assert (README.parent / command).is_file()


@pytest.mark.parametrize("path", ["scripts/run-demo.sh", "scripts/run-tests.sh", ".ci/run"])
def test_entry_scripts_are_executable(path):
    assert (README.parent / path).stat().st_mode & 0o111
