"""salmon and featureCounts readers: gene aggregation against hand computations."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from rtpredict.errors import InputError
from rtpredict.io import (
    TranscriptIndex,
    featurecounts_gene_quant,
    read_featurecounts,
    read_salmon,
    read_salmon_genes,
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


# ---------------------------------------------------------------- fast path against groupby


def _reference_gene_quant(paths, tx2gene):
    """salmon_gene_quant written plainly: per file, match names, then a pandas groupby."""
    by_versioned = dict(zip(tx2gene["transcript_id_versioned"], tx2gene["gene_id"], strict=True))
    by_stable = dict(zip(tx2gene.index, tx2gene["gene_id"], strict=True))
    counts, tpm, length = {}, {}, {}
    for sample, path in paths.items():
        table = pd.read_csv(path, sep="\t", dtype={"Name": str})
        first = table["Name"].str.split("|").str[0]
        gene = [by_versioned.get(n, by_stable.get(n.rsplit(".", 1)[0])) for n in first]
        table = table.assign(gene=gene).dropna(subset=["gene"])
        table["w"] = table["TPM"] * table["EffectiveLength"]
        groups = table.groupby("gene")
        counts[sample] = groups["NumReads"].sum()
        tpm[sample] = groups["TPM"].sum()
        weighted = groups["w"].sum() / tpm[sample]
        length[sample] = weighted.where(tpm[sample] != 0, groups["EffectiveLength"].mean())
    frames = [pd.DataFrame(d).T.fillna(0.0) for d in (counts, tpm, length)]
    for frame in frames:
        frame.columns.name = "gene_id"
    return frames


def _random_cohort(tmp_path, seed, n_samples=4, n_tx=400, n_genes=60):
    """tx2gene and quant.sf files in every name form, with unmatched and unexpressed rows."""
    rng = np.random.default_rng(seed)
    versions = rng.integers(1, 20, n_tx)
    stable = [f"ENST{i:011d}" for i in range(n_tx)]
    genes = [f"ENSG{g:011d}" for g in rng.integers(0, n_genes, n_tx)]
    tx2gene = pd.DataFrame(
        {
            "transcript_id_versioned": [f"{t}.{v}" for t, v in zip(stable, versions, strict=True)],
            "gene_id": genes,
        },
        index=pd.Index(stable, name="transcript_id"),
    )
    form = rng.integers(0, 4, n_tx)
    names = [
        [f"{t}.{v}", t, f"{t}.{v}|{g}.1|OTTHUMG1|-|X-201|X|900|", f"{t}.{v + 1}"][f]
        for t, v, g, f in zip(stable, versions, genes, form, strict=True)
    ]
    names[-10:] = [f"ENST9{i:010d}.1" for i in range(10)]  # 2.5% not in the GTF
    silent = set(rng.choice(genes, 5))  # genes without expression in any tumour
    paths = {}
    for s in range(n_samples):
        length = rng.integers(100, 5000, n_tx)
        reads = np.round(rng.lognormal(2, 2, n_tx) * (rng.random(n_tx) < 0.6), 3)
        reads[[g in silent for g in genes]] = 0.0
        eff = np.round(np.maximum(length - rng.normal(180, 30, n_tx), 1.0), 3)
        rate = reads / eff
        tpm = np.round(rate / rate.sum() * 1e6, 6)
        rows = list(zip(names, length, eff, tpm, reads, strict=True))
        paths[f"S{s}"] = _quant_sf(tmp_path / f"S{s}.sf", rows)
    return tx2gene, paths


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_salmon_gene_quant_equals_a_plain_groupby(tmp_path, seed, caplog):
    tx2gene, paths = _random_cohort(tmp_path, seed)
    with caplog.at_level(logging.WARNING, logger="rtpredict.io._transcript_index"):
        quant = salmon_gene_quant(paths, tx2gene)
    for got, expected in zip(
        (quant.counts, quant.tpm, quant.length), _reference_gene_quant(paths, tx2gene), strict=True
    ):
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert (quant.tpm == 0).all().any()  # some genes are not expressed anywhere
    # the 10 unknown transcripts are reported once for the run, not once per tumour
    assert [r.getMessage()[:40] for r in caplog.records] == [
        "10 of 400 quantified transcripts (as in "
    ]


def test_read_salmon_genes_covers_every_gene_of_the_index(tmp_path):
    tx2gene, paths = _random_cohort(tmp_path, 3, n_samples=2)
    tx2gene = pd.concat(
        [tx2gene, pd.DataFrame({"transcript_id_versioned": ["X.1"], "gene_id": ["ENSG_NOT_QUANT"]},
                               index=pd.Index(["X"], name="transcript_id"))]
    )  # fmt: skip
    index = TranscriptIndex.from_quant(paths["S0"], tx2gene)
    assert list(index.genes) == sorted(set(tx2gene["gene_id"]))
    counts, tpm, length = read_salmon_genes(paths["S1"], index)
    expected = [frame.loc["S1"] for frame in _reference_gene_quant({"S1": paths["S1"]}, tx2gene)]
    for got, want in zip((counts, tpm, length), expected, strict=True):
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, want.reindex(index.genes, fill_value=0.0))


def test_file_with_other_names_is_matched_on_its_own(tmp_path, caplog):
    tx2gene, paths = _random_cohort(tmp_path, 4, n_samples=3)
    shuffled = pd.read_csv(paths["S1"], sep="\t", dtype={"Name": str}).sample(
        frac=1, random_state=0
    )
    shuffled.iloc[:-5].to_csv(paths["S1"], sep="\t", index=False)  # other order, fewer rows
    with caplog.at_level(logging.WARNING, logger="rtpredict.io._quant"):
        quant = salmon_gene_quant(paths, tx2gene)
    for got, expected in zip(
        (quant.counts, quant.tpm, quant.length), _reference_gene_quant(paths, tx2gene), strict=True
    ):
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert any("S1.sf: its transcripts are not those of" in r.getMessage() for r in caplog.records)


def test_same_names_in_another_layout_keep_the_index(tmp_path):
    """CRLF line ends and a missing final newline still match the index."""
    tx2gene, paths = _random_cohort(tmp_path, 5, n_samples=2)
    text = paths["S1"].read_text()
    paths["S1"].write_bytes(text.rstrip("\n").replace("\n", "\r\n").encode())
    pd.testing.assert_frame_equal(
        salmon_gene_quant(paths, tx2gene).tpm, _reference_gene_quant(paths, tx2gene)[1]
    )


@pytest.mark.parametrize("cut", ["mid_line", "line_end"])
@pytest.mark.parametrize("which", ["S0", "S2"])
def test_truncated_file_is_an_input_error(tmp_path, cut, which):
    tx2gene, paths = _random_cohort(tmp_path, 6, n_samples=3)
    text = paths[which].read_text()
    keep = text.rindex("\n", 0, len(text) // 2) + (8 if cut == "mid_line" else 1)
    paths[which].write_text(text[:keep])
    with pytest.raises(
        InputError, match=rf"{which}\.sf(, line \d+: 1 field where salmon writes 5|: ends after)"
    ):
        salmon_gene_quant(paths, tx2gene)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace("Name\t", "Transcript\t", 1), "expected salmon columns"),
        (lambda t: t.replace("\tNumReads\n", "\n", 1), "expected salmon columns"),
        (lambda t: "", "expected salmon columns"),
        (lambda t: t.replace("\n", "\nENST1.1\t10\t10\tabc\t1\n", 1), r"line 2: TPM is 'abc'"),
        (lambda t: t.replace("\n", "\nENST1.1\t10\t10\t1\t\n", 1), r"line 2: NumReads is ''"),
        (lambda t: t.replace("\n", "\nENST1.1\t10\t10\t1\t1\t7\n", 1), "line 2: 6 fields"),
    ],
)
def test_damaged_later_file_is_an_input_error_naming_it(tmp_path, edit, message):
    tx2gene, paths = _random_cohort(tmp_path, 7, n_samples=2)
    paths["S1"].write_text(edit(paths["S1"].read_text()))
    with pytest.raises(InputError, match=rf"S1\.sf.*{message}"):
        salmon_gene_quant(paths, tx2gene)


def test_value_damaged_in_place_is_an_input_error(tmp_path):
    """Same names as the index (fast path), a value that is not a number."""
    tx2gene, paths = _random_cohort(tmp_path, 8, n_samples=2)
    lines = paths["S1"].read_text().split("\n")
    fields = lines[7].split("\t")
    lines[7] = "\t".join([*fields[:2], "1e", *fields[3:]])
    paths["S1"].write_text("\n".join(lines))
    with pytest.raises(InputError, match=r"S1\.sf, line 8: EffectiveLength is '1e'"):
        salmon_gene_quant(paths, tx2gene)


def test_missing_file_is_an_input_error(tmp_path):
    tx2gene, paths = _random_cohort(tmp_path, 9, n_samples=2)
    paths["S1"].unlink()
    with pytest.raises(InputError, match=r"S1\.sf: cannot read salmon quant.sf"):
        salmon_gene_quant(paths, tx2gene)


def test_header_only_file_gives_no_genes(tmp_path):
    path = tmp_path / "empty.sf"
    path.write_text("Name\tLength\tEffectiveLength\tTPM\tNumReads\n")
    quant = salmon_gene_quant({"E": path}, TX2GENE)
    assert quant.counts.shape == (1, 0)


def test_later_file_of_another_annotation_is_refused(tmp_path):
    tx2gene, paths = _random_cohort(tmp_path, 10, n_samples=2)
    table = pd.read_csv(paths["S1"], sep="\t", dtype={"Name": str})
    table.loc[:40, "Name"] = [f"OTHER{i}" for i in range(41)]
    table.to_csv(paths["S1"], sep="\t", index=False)
    with pytest.raises(InputError, match=r"S1\.sf: \d+ of 400 transcripts .* not in the GTF"):
        salmon_gene_quant(paths, tx2gene)


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
