"""The workflow config: a bad setting is named by file, line and setting, or by --config."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rtpredict.errors import InputError
from rtpredict.io import check_config

ROOT = Path(__file__).resolve().parents[1]
BASE = """\
samples: samples.tsv
quantifier: salmon
reference:
  gtf: genes.gtf
features:
  target_gard: 33
"""


def _file(directory: Path, text: str, name: str = "config.yaml") -> Path:
    path = directory / name
    path.write_text(text)
    return path


def _error(config: dict, *files: Path) -> str:
    with pytest.raises(InputError) as caught:
        check_config(config, files)
    return str(caught.value)


def test_shipped_configs_pass():
    for path in (ROOT / "config.yaml", ROOT / ".test" / "config.yaml"):
        check_config(yaml.safe_load(path.read_text()), [path])


def test_unknown_key_is_named_with_its_line_and_a_suggestion(tmp_path):
    path = _file(tmp_path, BASE.replace("quantifier:", "quantifer:"))
    message = _error(yaml.safe_load(path.read_text()), path)
    expected = f"{path}, line 2, setting quantifer: unknown setting; did you mean quantifier?"
    assert message == expected


def test_nested_unknown_key_lists_the_known_ones_when_nothing_is_close(tmp_path):
    path = _file(tmp_path, BASE + "  colour: blue\n")
    message = _error(yaml.safe_load(path.read_text()), path)
    assert message.startswith(f"{path}, line 7, setting features.colour: unknown setting; known")
    assert "target_gard" in message


def test_wrong_type_names_the_file_that_gave_it(tmp_path):
    base = _file(tmp_path, BASE)
    override = _file(tmp_path, "features:\n  target_gard: high\n", "site.yaml")
    config = yaml.safe_load(base.read_text())
    config["features"]["target_gard"] = "high"
    message = _error(config, base, override)
    assert message.startswith(f"{override}, line 2, setting features.target_gard: 'high' is not")


def test_the_file_whose_value_was_taken_is_named_whatever_the_order(tmp_path):
    base = _file(tmp_path, BASE)
    site = _file(tmp_path, BASE.replace("salmon", "kallisto"), "site.yaml")
    config = yaml.safe_load(site.read_text())
    for files in ((base, site), (site, base)):
        assert _error(config, *files).startswith(f"{site}, line 2, setting quantifier:")


def test_value_from_the_command_line_is_named_as_such(tmp_path):
    path = _file(tmp_path, BASE)
    config = yaml.safe_load(path.read_text()) | {"quantifier": "kallisto"}
    message = _error(config, path)
    assert message.startswith("--config, setting quantifier: 'kallisto' is not one of")


def test_missing_required_setting_points_at_its_parent(tmp_path):
    path = _file(tmp_path, BASE.replace("  gtf: genes.gtf\n", "  genome_fasta: g.fa\n"))
    message = _error(yaml.safe_load(path.read_text()), path)
    assert message == f"{path}, line 3, setting reference.gtf: missing; it has no default"
