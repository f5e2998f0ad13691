"""The `rtpredict variants` and `rtpredict hotspot-pileup` commands, registered locally."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from rtpredict import cli
from rtpredict.genomics import read_somatic_vcf, read_variants

VCF = Path(__file__).parent / "data" / "vcf"


@pytest.fixture(autouse=True)
def commands(monkeypatch):
    monkeypatch.setitem(cli.COMMANDS, "variants", "variants")
    monkeypatch.setitem(cli.COMMANDS, "hotspot-pileup", "hotspot_pileup")
    for name in ("demo", "simulate", "aggregate", "bam-qc"):  # not on this branch yet
        monkeypatch.delitem(cli.COMMANDS, name, raising=False)


def test_variants_writes_a_table_that_reads_back_identically(tmp_path):
    out = tmp_path / "out" / "T1.tsv"
    assert cli.main(["variants", str(VCF / "mutect2_csq.vcf"), "-o", str(out)]) == 0
    expected = read_somatic_vcf(VCF / "mutect2_csq.vcf")
    pd.testing.assert_frame_equal(read_variants(out), expected)
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no temp file left


def test_variants_options(tmp_path):
    out = tmp_path / "v.tsv"
    argv = ["variants", str(VCF / "varscan_freq.vcf"), "-o", str(out), "--vaf-field", "FORMAT/FREQ"]
    assert cli.main(argv) == 0
    assert read_variants(out)["vaf"].tolist() == [0.25]
    argv = ["variants", str(VCF / "multi_sample_ambiguous.vcf"), "-o", str(out), "--sample", "S2"]
    assert cli.main(argv) == 0
    argv = ["variants", str(VCF / "mutect2_csq.vcf"), "-o", str(out), "--include-filtered"]
    assert cli.main(argv) == 0
    assert len(read_variants(out)) == 11
    argv = ["variants", str(VCF / "grch37.vcf"), "-o", str(out), "--genome", "auto"]
    assert cli.main(argv) == 0
    assert read_variants(out)["hotspot"].sum() == 2


def test_empty_table_round_trip(tmp_path):
    out = tmp_path / "empty.tsv"
    assert cli.main(["variants", str(VCF / "no_passing.vcf"), "-o", str(out)]) == 0
    back = read_variants(out)
    pd.testing.assert_frame_equal(back, read_somatic_vcf(VCF / "no_passing.vcf"))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("multi_sample_ambiguous.vcf", "cannot tell which of the 3 sample column(s)"),
        ("grch37.vcf", "match GRCh37"),
        ("contig_mismatch.vcf", "no variant is on a human primary chromosome"),
        ("malformed_pos.vcf", "cannot read record 2"),
        ("absent.vcf", "no such VCF file"),
    ],
)
def test_bad_input_is_one_line_without_traceback(tmp_path, capsys, name, message):
    out = tmp_path / "x.tsv"
    assert cli.main(["variants", str(VCF / name), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert err.startswith("rtpredict variants: error: ")
    assert not out.exists()


def test_read_variants_rejects_foreign_tables(tmp_path):
    from rtpredict.errors import InputError

    bad = tmp_path / "bad.tsv"
    bad.write_text("chrom\tpos\nchr1\t5\n")
    with pytest.raises(InputError, match="lacks columns ref, alt"):
        read_variants(bad)
    with pytest.raises(InputError, match="no such variants table"):
        read_variants(tmp_path / "absent.tsv")


def test_hotspot_pileup_command(tmp_path):
    from test_genomics_pileup import write_bam

    bam = write_bam(tmp_path / "rna.bam")
    out = tmp_path / "pileup.tsv"
    assert cli.main(["hotspot-pileup", str(bam), "-o", str(out), "--gene", "NRAS"]) == 0
    table = pd.read_csv(out, sep="\t")
    assert set(table["gene"]) == {"NRAS"}
    row = table[(table["pos"] == 114716123) & (table["alt"] == "AA")].iloc[0]
    assert (row["depth"], row["alt_count"]) == (6, 2)


def test_command_modules_follow_the_cli_contract():
    from rtpredict.commands import hotspot_pileup, variants

    for module in (variants, hotspot_pileup):
        assert module.__doc__.strip().splitlines()[0].endswith(".")
        assert callable(module.add_arguments)
        assert callable(module.run)
