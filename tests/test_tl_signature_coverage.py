"""Issue 14 on users' own matrices: coverage reports, coverage warnings, reference coverage."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from rtpredict import tl as rtl
from rtpredict.signatures import gene_set
from tests.test_tl_score_signatures import CATALOG, cohort


def _without(adata, signature: str, n: int):
    """Drop the first ``n`` genes of a catalog signature from the matrix."""
    genes = [g.ensembl for g in CATALOG[signature].genes[:n]]
    return adata[:, ~adata.var_names.isin(genes)].copy()


def test_signature_coverage_reports_every_signature_and_warns_once_per_refusal():
    adata = _without(cohort(6, seed=30), "rsi", 10)  # a filtered matrix: no RSI gene at all
    with pytest.warns(rtl.CoverageWarning) as record:
        table = rtl.signature_coverage(adata)
    assert set(table.index) == set(CATALOG)
    rsi = table.loc["rsi"]
    assert (rsi.n_genes, rsi.n_found, rsi.min_coverage, rsi.scored) == (10, 0, 1.0, False)
    assert "STAT1" in rsi.missing
    assert table.loc["kim_radiosensitivity", "scored"]
    refused = set(table.index[~table.scored])
    messages = [str(w.message) for w in record]
    assert len(messages) == len(refused)  # one warning per refused signature
    (about_rsi,) = [m for m in messages if m.startswith("rsi ")]
    for needed in ("GARD", "full transcriptome", "STAT1"):
        assert needed in about_rsi


def test_signature_coverage_applies_min_coverage_except_to_rsi():
    adata = _without(_without(cohort(6, seed=31), "ifng_6", 2), "rsi", 1)
    with pytest.warns(rtl.CoverageWarning, match="lower min_coverage knowingly"):
        table = rtl.signature_coverage(adata, ["ifng_6"])
    assert table.loc["ifng_6", "coverage"] == pytest.approx(4 / 6)
    with pytest.warns(rtl.CoverageWarning, match="rsi needs all 10"):
        table = rtl.signature_coverage(adata, ["ifng_6", "rsi"], min_coverage=0.5)
    assert table.scored.to_dict() == {"ifng_6": True, "rsi": False}


def test_a_coverage_problem_is_logged_once(caplog):
    adata = _without(cohort(30, seed=32), "buffa_hypoxia", 20)
    with (
        caplog.at_level(logging.WARNING, logger="rtpredict.tl"),
        pytest.warns(rtl.CohortRelativeWarning),
    ):
        rtl.score_signatures(adata, ["buffa_hypoxia", "kim_radiosensitivity"])
    lines = [r.getMessage() for r in caplog.records if "buffa_hypoxia scored NaN" in r.getMessage()]
    assert len(lines) == 1
    assert "full transcriptome" in lines[0]


def test_reference_statistics_take_the_scoring_coverage_option():
    adata = _without(cohort(30, seed=33), "ifng_6", 2)
    strict = rtl.reference_statistics(adata, ["ifng_6"])
    assert "ifng_6" not in strict.scores
    lenient = rtl.reference_statistics(adata, ["ifng_6"], min_coverage=0.5)
    assert "mean" in lenient.scores["ifng_6"]
    scored = rtl.score_signatures(adata, ["ifng_6"], reference=lenient, min_coverage=0.5, copy=True)
    assert np.isfinite(scored.obs["ifng_6_reference_percentile"]).all()


def test_a_gene_listed_by_symbol_and_ensembl_id_counts_once():
    ca9 = next(g for s in CATALOG.values() for g in s.genes if g.symbol == "CA9")
    signature = gene_set("mine", ["CA9", ca9.ensembl, "VEGFA"])
    assert [g.label for g in signature.genes] == ["CA9", "VEGFA"]
    adata = cohort(6, seed=34)
    table = rtl.signature_coverage(adata, {"mine": ["CA9", ca9.ensembl, "VEGFA"]})
    assert table.loc["mine", "n_found"] == 2
    assert table.loc["mine", "scored"]
