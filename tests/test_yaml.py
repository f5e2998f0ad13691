"""YAML written by people: a missing or broken file gives an InputError naming it."""

from __future__ import annotations

import pytest

from rtpredict._yaml import parse_yaml, read_yaml
from rtpredict.errors import InputError
from rtpredict.federated import load_plan


def test_broken_yaml_names_its_source():
    with pytest.raises(InputError, match=r"^plan\.yaml: not valid YAML \("):
        parse_yaml("a: [unclosed\n", "plan.yaml")


def test_missing_file_names_what_it_is(tmp_path):
    with pytest.raises(InputError, match=r"missing\.yaml: cannot read the rules file \(No such"):
        read_yaml(tmp_path / "missing.yaml", "rules file")


def test_a_missing_federation_plan_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read the federation plan"):
        load_plan(tmp_path / "plan.yaml")
