"""The signature catalog against the spec's facts; user signature files; gene resolution."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import pytest

from rtpredict.errors import InputError
from rtpredict.signatures import (
    GeneResolver,
    catalog_names,
    gene_set,
    get_signature,
    load_catalog,
    read_gmt,
    read_signature_file,
    split_ensembl,
)

# Transcribed from /work/shared/specs/signatures.md, independently of the catalog files.
SPEC_RSI = {
    "AR": ("ENSG00000169083", "211110_s_at", -0.00980092741843779),
    "JUN": ("ENSG00000177606", "201466_s_at", 0.0128282697929755),
    "STAT1": ("ENSG00000115415", "AFFX-HUMISGF3A/M97935_MA_at", 0.0254552046046931),
    "PRKCB": ("ENSG00000166501", "207957_s_at", -0.00175888592095915),
    "RELA": ("ENSG00000173039", "201783_s_at", -0.00381713588908642),
    "ABL1": ("ENSG00000097007", "202123_s_at", 0.107021274358643),
    "SUMO1": ("ENSG00000116030", "208762_at", -0.00025093287356907),
    "PAK2": ("ENSG00000180370", "205962_at", -0.00924314364533049),
    "HDAC1": ("ENSG00000116478", "201209_at", -0.020446868981449),
    "IRF1": ("ENSG00000125347", "202531_at", -0.0441682719957224),
}
SPEC_GENES = {
    "buffa_hypoxia": """GPI UTP11 ENO1 P4HA1 PFKP CA9 PGAM1 PNP HILPDA MRGBP AK4 ALDOA ADM SEC61G
        ACOT7 PSMA7 LDHA HK2 NDRG1 TPI1 SLC2A1 MRPL15 SLC25A32 TUBB6 DDIT4 CDKN3 VEGFA MRPS17 PGK1
        BNIP3 CORO1C ANKRD37 MAP7D1 MIF MCTS1 MAD2L2 MRPL13 SHCBP1 GAPDH SLC16A1 YKT6 ESRP1 KIF20A
        TUBA1B TUBA1C CHCHD2 ANLN PSRC1 KIF4A CTSV LRRC42""",
    "eustace_hypoxia": """ALDOA ANGPTL4 ANLN BNC1 MRGBP CA9 CDKN3 COL4A6 DCBLD1 ENO1 FAM83B FOSL1
        GNAI1 HILPDA KCTD11 KRT17 LDHA MRPS17 P4HA1 PGAM1 PGK1 SDC1 SLC16A1 SLC2A1 TPI1 VEGFA""",
    "toustrup_hypoxia": """ADM ALDOA ANKRD37 BNIP3 BNIP3L FAM162A EGLN3 KCTD11 LOX NDRG1 P4HA1
        P4HA2 PDK1 PFKFB3 SLC2A1""",
    "ragnum_hypoxia": """ASF1B ASPM BIRC5 BUB3 CENPE CENPU CMTM3 DONSON DTL FOXM1 G6PD HJURP MCM2
        MEP1A MTMR2 TRIP13 ZWINT TDG UNG XRCC6 ADM DDIT4 DSP FER1L4 HILPDA P4HA1 PGAM4 PKM RIMKLA
        RNASE4 SCD SPAG4""",
    # LRMP is now IRAG2 (the catalog keeps LRMP as a previous symbol)
    "kim_radiosensitivity": """ACTN1 ANXA2 ANXA5 ARHGDIB CAPNS1 CBR1 CCND1 CD63 CORO1A CXCR4 DAG1
        EMP2 HCLS1 HTRA1 ITGB5 LAPTM5 IRAG2 MYB PFN2 PIR PKM PTMS PTPRC PTPRCAP PYGB RAB13 RALB
        SCRN1 SQSTM1 TWF1 WAS""",
    "ifng_18": """CD3D IDO1 CIITA CD3E CCL5 GZMK CD2 HLA-DRA CXCL13 IL2RG NKG7 HLA-E CXCR6 LAG3
        TAGAP CXCL10 STAT1 GZMB""",
    "ifng_6": "CXCL9 CXCL10 IDO1 IFNG HLA-DRA STAT1",
    "cytolytic_activity": "GZMA PRF1",
    "rsi": " ".join(SPEC_RSI),
}
SPEC_METHODS = {
    "rsi": "rsi_rank",
    "buffa_hypoxia": "median_dichotomy",
    "eustace_hypoxia": "sample_median",
    "toustrup_hypoxia": "mean_z",
    "ragnum_hypoxia": "mean",
    "kim_radiosensitivity": "gene_set",
    "ifng_18": "mean",
    "ifng_6": "mean",
    "cytolytic_activity": "geometric_mean",
}


def _shared() -> Path:
    return Path(os.environ.get("RTPREDICT_SHARED", Path(__file__).resolve().parents[2] / "shared"))


def test_catalog_holds_the_nine_spec_signatures():
    assert catalog_names() == sorted(SPEC_GENES)
    for name, signature in load_catalog().items():
        assert {g.symbol for g in signature.genes} == set(SPEC_GENES[name].split()), name
        assert signature.rule.method == SPEC_METHODS[name]
        assert signature.citation, name
        assert signature.doi.startswith("10."), name
        assert signature.verification
        assert "unverified" not in signature.verification.lower()
        assert all(split_ensembl(g.ensembl) == g.ensembl for g in signature.genes), name


def test_rsi_entry_matches_the_spec_digit_for_digit():
    rsi = get_signature("rsi")
    assert rsi.rule.min_coverage == 1.0
    for gene in rsi.genes:
        ensembl, probe, weight = SPEC_RSI[gene.symbol]
        assert (gene.ensembl, gene.probe, gene.weight) == (ensembl, probe, weight)
    # derived facts of the spec: all ten tied -> 0.3070; range -0.605 .. 1.219
    w = np.array(rsi.weights)
    assert sum(w) * 5.5 == pytest.approx(0.3070, abs=5e-5)
    ranks = np.arange(1, 11)
    order = np.argsort(w)
    low, high = np.empty(10), np.empty(10)
    low[order] = ranks[::-1]
    high[order] = ranks
    assert w @ low == pytest.approx(-0.605, abs=5e-4)
    assert w @ high == pytest.approx(1.219, abs=5e-4)
    assert rsi.thresholds["radioresistant_above"] == 0.46


def test_unknown_signature_names_the_choices():
    with pytest.raises(InputError, match="buffa_hypoxia"):
        get_signature("winter_hypoxia")


def test_shipped_name_table_is_what_the_script_builds():
    shared = _shared()
    if not (shared / "data" / "human_gene_ids").is_dir():
        pytest.skip(f"shared data not found at {shared} (set RTPREDICT_SHARED)")
    import importlib.util

    script = Path(__file__).resolve().parents[1] / "scripts" / "build_gene_aliases.py"
    spec = importlib.util.spec_from_file_location("build_gene_aliases", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = module.build(shared)
    shipped = script.parents[1] / "rtpredict" / "data" / "genes" / "catalog_gene_names.tsv"
    lines = [ln for ln in shipped.read_text().splitlines() if not ln.startswith("#")]
    assert list(csv.DictReader(lines, delimiter="\t")) == rows


@pytest.fixture
def buffa():
    return get_signature("buffa_hypoxia")


def test_resolves_versioned_ensembl_ids(buffa):
    ids = [f"{g.ensembl}.{i % 7 + 1}" for i, g in enumerate(buffa.genes)]
    match = GeneResolver(ids[::-1]).match(buffa)
    assert match.coverage == 1.0
    assert list(match.indices) == list(range(len(ids)))[::-1]
    assert set(match.how) == {"ensembl"}


def test_resolves_symbols_in_var_names_or_symbol_column(buffa):
    symbols = [g.symbol.lower() for g in buffa.genes]
    assert GeneResolver(symbols).match(buffa).coverage == 1.0
    other_ids = [f"RTPSIMG{i:06d}" for i in range(len(symbols))]
    assert GeneResolver(other_ids, symbols=symbols).match(buffa).coverage == 1.0


def test_resolves_unambiguous_aliases_and_refuses_ambiguous_ones(buffa):
    names = ["C20orf20", "AK3L1", "NP", "HIG2", "GAPDH"]
    match = GeneResolver(names).match(buffa)
    by_symbol = {
        g.symbol: (i, h) for g, i, h in zip(buffa.genes, match.indices, match.how, strict=True)
    }
    assert by_symbol["MRGBP"] == (0, "alias C20ORF20")
    assert by_symbol["HILPDA"] == (3, "alias HIG2")
    assert by_symbol["GAPDH"] == (4, "symbol")
    assert by_symbol["AK4"] == (-1, "ambiguous")  # AK3L1: AK4 and AK3
    assert by_symbol["PNP"] == (-1, "ambiguous")  # NP: PNP, KLK8, ZNF384, CTF2P
    assert any("AK3L1" in n and "AK3, AK4" in n for n in match.notes)
    assert match.n_found == 3


def test_catalog_previous_symbols_resolve():
    rsi = get_signature("rsi")
    names = [g.symbol for g in rsi.genes]
    names[names.index("JUN")] = "CJUN"
    match = GeneResolver(names).match(rsi)
    assert match.coverage == 1.0
    assert match.how[[g.symbol for g in rsi.genes].index("JUN")] == "alias CJUN"


def test_duplicate_columns_are_never_picked_silently(buffa):
    ids = [g.ensembl for g in buffa.genes] + [buffa.genes[0].ensembl + ".2"]
    match = GeneResolver(ids).match(buffa)
    assert match.indices[0] == -1
    assert match.how[0] == "ambiguous"
    assert match.n_found == len(buffa.genes) - 1
    assert "matches 2 columns" in match.notes[0]


def test_alternate_haplotype_id_and_symbol_to_ensembl():
    ifng = get_signature("ifng_6")
    ids = [g.ensembl for g in ifng.genes]
    ids[[g.symbol for g in ifng.genes].index("HLA-DRA")] = "ENSG00000277263"  # alt haplotype
    assert GeneResolver(ids).match(ifng).coverage == 1.0
    user = gene_set("mine", ["STAT1", "ENSG00000169245"])  # CXCL10 given by ID
    match = GeneResolver([g.symbol for g in ifng.genes]).match(user)
    assert match.coverage == 1.0


def test_read_gmt(tmp_path):
    path = tmp_path / "sets.gmt"
    path.write_text("# comment\nA\tdesc\tSTAT1\tENSG00000169245.3\n\nB\t\tGZMA\tPRF1\tCD8A\n")
    sets = read_signature_file(path)
    assert list(sets) == ["A", "B"]
    assert sets["A"].genes[1].ensembl == "ENSG00000169245"
    assert sets["B"].rule.method == "gene_set"
    assert sets["B"].rule.min_coverage == 0.8
    assert read_gmt(path, min_coverage=1.0)["A"].rule.min_coverage == 1.0
    path.write_text("A\tdesc\n")
    with pytest.raises(InputError, match=r"sets\.gmt:1"):
        read_gmt(path)


def test_read_yaml_signatures_and_report_bad_fields(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(
        "- name: my_hypoxia\n  rule: {method: mean, min_coverage: 0.5}\n  genes: [CA9, VEGFA]\n"
        "- name: my_weights\n  rule: {method: weighted_sum}\n"
        "  genes: [{symbol: CA9, weight: 2}, {symbol: VEGFA, weight: -1}]\n"
    )
    sets = read_signature_file(path)
    assert sets["my_weights"].weights == (2.0, -1.0)
    assert sets["my_hypoxia"].rule.min_coverage == 0.5
    bad = {
        "name: x\nrule: {method: magic}\ngenes: [CA9]\n": "rule.method",
        "name: x\nrule: {method: weighted_sum}\ngenes: [CA9]\n": "weight",
        "name: x\nrule: {method: mean}\ngenes: [CA9, ca9]\n": "listed twice",
        "name: x\nrule: {method: geometric_mean}\ngenes: [CA9]\n": "offset",
        "name: x\nrule: {method: mean}\nverification: unverified\ngenes: [CA9]\n": "unverified",
        "name: 1x\nrule: {method: mean}\ngenes: [CA9]\n": "name",
        "name: x\nrule: {method: mean, min_coverage: 2}\ngenes: [CA9]\n": "min_coverage",
        "name: x\nrule: {method: mean}\ngenes: [{ensembl: CA9}]\n": "Ensembl",
    }
    for text, field in bad.items():
        path.write_text(text)
        with pytest.raises(InputError, match=field):
            read_signature_file(path)
    with pytest.raises(InputError, match="unknown signature file type"):
        read_signature_file(tmp_path / "x.txt")


def test_user_genes_given_by_alias():
    symbols = ["MRGBP", "AK4", "AK3", "STAT1"]
    user = gene_set("mine", ["C20orf20", "AK3L1", "stat1"])
    match = GeneResolver(symbols).match(user)
    assert list(match.indices) == [0, -1, 3]
    assert match.how == ["symbol MRGBP", "ambiguous", "symbol"]
    assert "AK3L1 is a name of AK3, AK4" in match.notes[0]
