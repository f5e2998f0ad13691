"""The command line: every subcommand is listed; bad input gives one clear line, exit code 2."""

from __future__ import annotations

import subprocess
import sys

import pytest

from rtpredict import cli


def test_help_lists_commands(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for name in cli.COMMANDS:
        assert name in out


def test_user_error_is_one_line_without_traceback(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "x").write_text("x")
    result = subprocess.run(
        [sys.executable, "-m", "rtpredict", "simulate", "--outdir", str(tmp_path / "mine")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("rtpredict simulate: error:")
    assert "not a simulated cohort" in result.stderr


def test_one_pattern_stands_for_every_tumour_and_pairs_still_work():
    from rtpredict.commands._args import sample_paths

    assert sample_paths(["r/{sample}.tsv"], ["A", "B"]) == {"A": "r/A.tsv", "B": "r/B.tsv"}
    assert sample_paths(["A=a.tsv", "B=b.tsv"], ["A", "B"]) == {"A": "a.tsv", "B": "b.tsv"}
    assert sample_paths(["r/{sample}.tsv"], []) == {}


def test_a_per_tumour_command_starts_without_pandas_or_anndata():
    """Every per-tumour job starts the CLI: building its parser must stay light."""
    code = (
        "import sys; from rtpredict import cli; cli._parser(); "
        "heavy = {'pandas', 'anndata', 'numba'} & set(sys.modules); assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_aggregate_refuses_an_allowed_column_without_a_reason(tmp_path, capsys):
    argv = ["aggregate", "--quantifier", "salmon", "--gtf", "g.gtf", "--samples", "s.tsv",
            "--quant", "q/{sample}", "--fastp", "f/{sample}.json", "--output", "c.h5ad",
            "--tsv-dir", str(tmp_path), "--allow-column", "date_rt"]  # fmt: skip
    assert cli.main(argv) == 2
    assert "--allow-column expects COLUMN=REASON, got 'date_rt'" in capsys.readouterr().err
