"""The command line: every subcommand is listed; bad input gives one clear line, exit code 2."""

from __future__ import annotations

import hashlib
import json
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


def test_provenance_takes_fastq_checksums_from_the_checks_and_reads_the_rest(tmp_path):
    (tmp_path / "a_R1.fastq.gz").write_bytes(b"r1")
    (tmp_path / "a_R2.fastq.gz").write_bytes(b"r2")
    (tmp_path / "genes.gtf").write_bytes(b"gtf")
    sheet = tmp_path / "samples.tsv"
    sheet.write_text("sample_id\tfastq_1\tfastq_2\nA\ta_R1.fastq.gz\ta_R2.fastq.gz\n")
    r1, r2 = (str(tmp_path / f"a_R{i}.fastq.gz") for i in (1, 2))
    check = {"lanes": [{"fastq_1": r1, "fastq_2": r2, "sha256": ["s1", "s2"], "bytes": [5, 6]}]}
    (tmp_path / "A.json").write_text(json.dumps(check))
    out = tmp_path / "provenance.json"
    argv = ["provenance", "--samples", str(sheet), "--fastq-checks", f"{tmp_path}/{{sample}}.json",
            "--input", f"gtf={tmp_path / 'genes.gtf'}", "--output", str(out)]  # fmt: skip
    assert cli.main(argv) == 0
    inputs = json.loads(out.read_text())["inputs"]
    assert inputs["fastq"] == [
        {"path": r1, "bytes": 5, "sha256": "s1"},
        {"path": r2, "bytes": 6, "sha256": "s2"},
    ]  # taken from the check, not read again
    assert inputs["gtf"][0]["sha256"] == hashlib.sha256(b"gtf").hexdigest()
    assert inputs["sample_sheet"][0]["path"] == str(sheet)


@pytest.mark.parametrize("name", sorted(cli.COMMANDS))
def test_every_command_names_its_main_output_o_output_or_o_outdir(name):
    """One vocabulary: ``-o`` is ``--output`` (a file) or ``--outdir`` (a folder); ``--out``
    survives only as a deprecated alias."""
    parser = cli._parser(name)
    sub = next(a for a in parser._actions if a.dest == "command").choices[name]
    for action in sub._actions:
        names = set(action.option_strings)
        if "-o" in names:
            assert names & {"--output", "--outdir"}, (name, names)
        if names & {"--out", "--out-dir", "--output-dir"}:
            assert "-o" in names, (name, names)
            assert "--out" in action.deprecated, (name, names)


@pytest.mark.parametrize("command", ["train", "predict"])
def test_the_old_out_name_still_works_and_warns(command, capsys):
    parser = cli._parser(command)
    args = parser.parse_args([command, "in.h5ad", "--out", "x.json"])
    assert str(args.output) == "x.json"
    assert "--out is deprecated" in capsys.readouterr().err
    args = parser.parse_args([command, "in.h5ad", "--output", "y.json"])
    assert str(args.output) == "y.json"
    assert "deprecated" not in capsys.readouterr().err
