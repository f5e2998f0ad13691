"""salmon and featureCounts readers: gene aggregation against hand computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rtpredict.errors import InputError
from rtpredict.io import (
    featurecounts_gene_quant,
    read_featurecounts,
    read_salmon,
    salmon_gene_quant,
)

TX2GENE = pd.DataFrame(
    {
        "transcript_id_versioned": ["T1.1", "T2.1", "T3.4"],
        "gene_id": ["G1", "G1", "G2"],
        "gene_id_versioned": ["G1.1", "G1.1", "G2.2"],
        "symbol": ["AAA", "AAA", "BBB"],
        "biotype": ["protein_coding"] * 3,
        "length": [1000, 2000, 500],
    },
    index=pd.Index(["T1", "T2", "T3"], name="transcript_id"),
)


def _quant_sf(path, rows):
    table = pd.DataFrame(rows, columns=["Name", "Length", "EffectiveLength", "TPM", "NumReads"])
    table.to_csv(path, sep="\t", index=False)
    return path


@pytest.fixture
def two_samples(tmp_path):
    a = _quant_sf(tmp_path / "a.sf", [["T1.1", 1000, 800.0, 300000.0, 120.0],
                                      ["T2.1", 2000, 1800.0, 100000.0, 90.0],
                                      ["T3.4", 500, 300.0, 600000.0, 90.0]])  # fmt: skip
    b = _quant_sf(tmp_path / "b.sf", [["T1.1", 1000, 810.0, 0.0, 0.0],
                                      ["T2.1", 2000, 1790.0, 500000.0, 400.0],
                                      ["T3.4", 500, 310.0, 500000.0, 70.0]])  # fmt: skip
    return {"A": a, "B": b}


def test_salmon_genes_sum_transcripts(two_samples):
    quant = salmon_gene_quant(two_samples, TX2GENE)
    assert quant.counts.loc["A", "G1"] == 210.0
    assert quant.tpm.loc["B", "G1"] == 500000.0
    np.testing.assert_allclose(quant.tpm.sum(axis=1), 1e6)
    # abundance-weighted effective length of G1 in A: (3e5*800 + 1e5*1800) / 4e5 = 1050
    assert quant.length.loc["A", "G1"] == pytest.approx(1050.0)
    # no expression in B for T1: G1's length is T2's
    assert quant.length.loc["B", "G1"] == pytest.approx(1790.0)


def test_length_scaled_counts_as_tximport(two_samples):
    quant = salmon_gene_quant(two_samples, TX2GENE)
    scaled = quant.length_scaled_counts()
    mean_len = quant.length.mean(axis=0)
    raw = quant.tpm * mean_len
    expected = raw.mul(quant.counts.sum(axis=1) / raw.sum(axis=1), axis=0)
    pd.testing.assert_frame_equal(scaled, expected)
    np.testing.assert_allclose(scaled.sum(axis=1), quant.counts.sum(axis=1))


def test_read_salmon_returns_cohort_anndata(two_samples):
    adata = read_salmon(two_samples, tx2gene=TX2GENE)
    assert list(adata.obs_names) == ["A", "B"]
    assert list(adata.var_names) == ["G1", "G2"]
    assert list(adata.var["symbol"]) == ["AAA", "BBB"]
    np.testing.assert_allclose(adata.X, np.log1p(adata.layers["tpm"]), rtol=1e-6)
    assert adata.layers["counts"][1, 0] == 400.0


def test_salmon_with_unknown_transcripts_is_refused(tmp_path):
    path = _quant_sf(tmp_path / "x.sf", [["T1.1", 1000, 800.0, 5e5, 10.0],
                                         ["OTHER1", 900, 700.0, 5e5, 10.0]])  # fmt: skip
    with pytest.raises(InputError, match="not in the GTF"):
        salmon_gene_quant({"X": path}, TX2GENE)


def test_salmon_wrong_columns_are_refused(tmp_path):
    path = tmp_path / "bad.sf"
    path.write_text("Name\tTPM\nT1\t1\n")
    with pytest.raises(InputError, match="expected salmon columns"):
        salmon_gene_quant({"X": path}, TX2GENE)


FEATURECOUNTS = """\
# Program:featureCounts v2.0.3; Command:"featureCounts" "-p"
Geneid\tChr\tStart\tEnd\tStrand\tLength\tresults/star/{s}/Aligned.sortedByCoord.out.bam
G1\t1;1\t1;500\t100;900\t+;+\t1000\t{a}
G2\t2\t1\t500\t-\t500\t{b}
"""


def test_featurecounts_tpm_from_counts_per_base(tmp_path):
    paths = {}
    for s, (a, b) in {"A": (100, 100), "B": (0, 50)}.items():
        paths[s] = tmp_path / f"{s}.tsv"
        paths[s].write_text(FEATURECOUNTS.format(s=s, a=a, b=b))
    quant = featurecounts_gene_quant(paths)
    # A: rates 0.1 and 0.2 per base -> TPM 1/3 and 2/3 of a million
    np.testing.assert_allclose(quant.tpm.loc["A"], [1e6 / 3, 2e6 / 3])
    assert quant.tpm.loc["B", "G1"] == 0.0
    adata = read_featurecounts(paths, tx2gene=TX2GENE)
    assert list(adata.var["symbol"]) == ["AAA", "BBB"]
