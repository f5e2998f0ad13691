"""The shipped radiation-response panel and user panels."""

from __future__ import annotations

import pytest

from rtpredict.errors import InputError
from rtpredict.genomics import read_panel
from rtpredict.genomics._genes import gene_intervals


def test_shipped_panel_has_the_required_genes_and_groups():
    panel = read_panel()
    required = {"NFE2L2", "KEAP1", "CUL3", "STK11", "ATM", "TP53", "BRCA1", "BRCA2"}
    assert required <= set(panel.genes)
    groups = {g.name: g for g in panel.groups}
    assert set(groups["nrf2_pathway"].genes) == {"NFE2L2", "KEAP1", "CUL3"}
    assert {"ATM", "BRCA1", "BRCA2"} <= set(groups["repair_defect"].genes)


def test_shipped_panel_evidence_and_identifiers():
    panel = read_panel()
    table = gene_intervals().table.set_index("symbol")
    for symbol, entry in panel.details.items():
        assert entry["evidence"].strip()
        assert entry["evidence_level"] in {"abstract", "review", "mechanistic"}
        assert entry["direction"] in {"radioresistance", "radiosensitivity"}
        assert entry["ensembl"] in table.loc[symbol, "ensembl_gene_ids"].split(";")
        for citation in entry["citations"]:
            assert citation["text"]
            assert citation["doi"] is None or citation["doi"].startswith("10.")
    # the spec's DOIs are carried
    dois = {c["doi"] for e in panel.details.values() for c in e["citations"]}
    assert {"10.1158/1078-0432.CCR-24-2334", "10.18632/oncotarget.14400"} <= dois


def test_user_panel(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(
        "name: mine\ngenes:\n  - symbol: TP53\n  - symbol: KRAS\n"
        "groups:\n  driver:\n    genes: [TP53, KRAS]\n    qualifying: truncating\n"
    )
    panel = read_panel(path)
    assert panel.name == "mine"
    assert panel.genes == ("TP53", "KRAS")
    assert panel.groups[0].qualifying == "truncating"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("genes: []\n", "non-empty list 'genes'"),
        ("genes:\n  - name: TP53\n", r"genes\[0\] needs a 'symbol'"),
        ("genes:\n  - symbol: TP53\n  - symbol: TP53\n", "listed twice"),
        ("genes:\n  - symbol: TP53\ngroups:\n  g:\n    genes: [KRAS]\n", "not in the panel: KRAS"),
        ("genes:\n  - symbol: TP53\ngroups:\n  Bad-Name:\n    genes: [TP53]\n", "lower case"),
        (
            "genes:\n  - symbol: TP53\ngroups:\n  g:\n    genes: [TP53]\n    qualifying: any\n",
            "qualifying must be one of",
        ),
        ("genes: [unclosed\n", "not valid YAML"),
    ],
)
def test_bad_panels(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        read_panel(path)


def test_missing_panel(tmp_path):
    with pytest.raises(InputError, match="cannot read the panel"):
        read_panel(tmp_path / "absent.yaml")
