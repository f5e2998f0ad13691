"""The simulator: deterministic, atomic, realistic reads, and planted biology that is there."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pysam
import pytest
from lifelines.utils import concordance_index
from scipy.stats import spearmanr

from rtpredict.errors import InputError
from rtpredict.io import read_tx2gene
from rtpredict.simulate import SimulationParams, simulate_anndata, write_cohort
from rtpredict.simulate._biology import catalog_genes

TINY = SimulationParams(n_tumours=2, read_pairs=3000, n_background_genes=20, seed=3)


def _digest(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_identical_files(tmp_path):
    write_cohort(tmp_path / "a", TINY)
    write_cohort(tmp_path / "b", TINY, threads=2)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")


def test_other_seed_gives_other_reads(tmp_path):
    write_cohort(tmp_path / "a", TINY)
    other = SimulationParams(n_tumours=2, read_pairs=3000, n_background_genes=20, seed=4)
    write_cohort(tmp_path / "b", other)
    a, b = _digest(tmp_path / "a"), _digest(tmp_path / "b")
    assert a["fastq/SIM002_L001_R1.fastq.gz"] != b["fastq/SIM002_L001_R1.fastq.gz"]


def test_second_run_is_a_no_op_and_other_params_are_refused(tmp_path):
    manifest = write_cohort(tmp_path / "c", TINY)
    before = manifest.stat().st_mtime_ns
    write_cohort(tmp_path / "c", TINY)
    assert manifest.stat().st_mtime_ns == before
    with pytest.raises(InputError, match="--overwrite"):
        write_cohort(tmp_path / "c", SimulationParams(n_tumours=3, read_pairs=100))


def test_refuses_a_directory_that_is_not_a_cohort(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("precious")
    with pytest.raises(InputError, match="not a simulated cohort"):
        write_cohort(tmp_path / "mine", TINY)
    assert (tmp_path / "mine" / "notes.txt").read_text() == "precious"


def test_failure_midway_leaves_no_cohort(tmp_path, monkeypatch):
    from rtpredict.simulate import _cohort

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(_cohort, "write_vcf", boom)
    with pytest.raises(OSError, match="disk full"):
        write_cohort(tmp_path / "d", TINY)
    assert not (tmp_path / "d").exists()
    assert list(tmp_path.iterdir()) == []


def test_files_are_consistent_and_labelled_synthetic(small_cohort):
    manifest = json.loads((small_cohort / "simulation.json").read_text())
    assert manifest["synthetic"] is True
    for name in manifest["files"]:
        assert (small_cohort / name).is_file()
    assert "synthetic" in (small_cohort / "README.txt").read_text().lower()
    fasta = pysam.FastaFile(str(small_cohort / "reference" / "genome.fa"))
    assert all(ref.startswith("simchr") for ref in fasta.references)

    tx2gene = read_tx2gene(small_cohort / "reference" / "annotation.gtf")
    genes = pd.read_csv(small_cohort / "truth" / "genes.tsv", sep="\t", index_col=0)
    assert set(tx2gene["gene_id"]) == set(genes.index)
    catalog = {g["ensembl"] for sig in catalog_genes().values() for g in sig}
    assert catalog <= set(genes.index), "every signature gene is in the genome"
    per_gene = tx2gene.groupby("gene_id").size()
    assert per_gene.max() >= 3, "several isoforms per gene"
    assert (per_gene > 1).mean() > 0.3

    # transcript lengths in the GTF equal the sequences in the transcript FASTA
    headers = {r.name.rsplit(".", 1)[0]: len(r.sequence) for r in pysam.FastxFile(
        str(small_cohort / "reference" / "transcripts.fa"))}  # fmt: skip
    assert headers == tx2gene["length"].to_dict()

    tpm = pd.read_csv(small_cohort / "truth" / "gene_tpm.tsv", sep="\t", index_col=0)
    np.testing.assert_allclose(tpm.sum(axis=0), 1e6, rtol=1e-6)


def test_reads_are_paired_stranded_with_adapters_and_errors(small_cohort):
    sheet = pd.read_csv(small_cohort / "samples.tsv", sep="\t", keep_default_na=False)
    assert sheet.groupby("sample_id").size().max() == 2, "one tumour is split over two lanes"
    row = sheet.iloc[-1]
    with (
        pysam.FastxFile(str(small_cohort / row["fastq_1"])) as r1,
        pysam.FastxFile(str(small_cohort / row["fastq_2"])) as r2,
    ):
        pairs = [(a, b) for a, b, _ in zip(r1, r2, range(5000), strict=False)]
    assert all(a.name == b.name for a, b in pairs)
    assert all(len(a.sequence) == 100 == len(a.quality) for a, _ in pairs)
    adapter = sum("AGATCGGAAGAGC" in a.sequence for a, _ in pairs) / len(pairs)
    assert 0.005 < adapter < 0.2, f"adapter read-through in {adapter:.1%} of reads"
    quals = np.array([[ord(c) - 33 for c in a.quality] for a, _ in pairs])
    assert quals[:, :10].mean() > quals[:, -10:].mean() + 5, "quality falls along the read"

    transcripts = "|".join(r.sequence for r in pysam.FastxFile(
        str(small_cohort / "reference" / "transcripts.fa")))  # fmt: skip
    comp = str.maketrans("ACGT", "TGCA")
    antisense = sum(a.sequence[:25].translate(comp)[::-1] in transcripts for a, _ in pairs[:500])
    sense = sum(a.sequence[:25] in transcripts for a, _ in pairs[:500])
    assert antisense > 10 * max(sense, 1), "ISR: read 1 comes from the antisense strand"


def test_vcfs_are_indexed_mutect2_style(small_cohort):
    sheet = pd.read_csv(small_cohort / "samples.tsv", sep="\t", keep_default_na=False)
    vcfs = sheet.loc[sheet["vcf"] != "", "vcf"].unique()
    assert len(vcfs) >= 1
    muts = pd.read_csv(small_cohort / "truth" / "mutations.tsv", sep="\t")
    for rel in vcfs:
        path = small_cohort / rel
        assert Path(f"{path}.tbi").exists()
        with pysam.VariantFile(str(path)) as vcf:
            header = str(vcf.header)
            assert "##tumor_sample=" in header
            assert "synthetic" in header
            records = list(vcf)
        sample = Path(rel).name.split(".")[0]
        expected = muts[muts["sample_id"] == sample].drop_duplicates(["chrom", "pos", "ref", "alt"])
        assert len(records) == len(expected)
        assert {r.filter.keys()[0] for r in records} <= {"PASS", "weak_evidence"}


def test_planted_biology_is_recoverable():
    adata = simulate_anndata(300, seed=2, n_background_genes=50)
    truth = adata.obsm["truth"]
    symbol = pd.Series(adata.var_names, index=adata.var["symbol"])

    def expr(sym):
        return adata[:, symbol[sym]].X.ravel()

    assert spearmanr(expr("ABL1"), truth["resistance"])[0] > 0.5
    assert spearmanr(expr("IRF1"), truth["resistance"])[0] < -0.2
    assert spearmanr(expr("CA9"), truth["hypoxia"])[0] > 0.6
    assert spearmanr(expr("GZMA"), truth["ifn"])[0] > 0.6
    assert spearmanr(expr("NQO1"), truth["nrf2_mutant"])[0] > 0.4
    # recurrence comes earlier when the delivered true GARD is low
    obs = adata.obs
    gard = truth["true_gard"] * obs["received_rt"]
    assert concordance_index(obs["recurrence_years"], gard, obs["recurrence_event"]) > 0.6
    # counts follow TPM
    lib = adata.layers["counts"].sum(axis=1)
    assert np.all(np.abs(lib / 2e6 - 1) < 0.01)


def test_fastq_gzip_has_no_timestamp(small_cohort):
    raw = (small_cohort / "fastq" / "SIM002_L001_R1.fastq.gz").read_bytes()
    assert raw[4:8] == b"\x00\x00\x00\x00", "gzip MTIME is zero: byte-reproducible"
    assert gzip.decompress(raw).startswith(b"@SIM002.L1.000000000 1:N:0\n")


def test_driver_alleles_are_real_cancer_hotspots():
    from rtpredict.genomics import hotspot_table
    from rtpredict.simulate._dna import HOTSPOTS

    table = hotspot_table("GRCh38")
    known = set(zip(table["chrom"], table["pos"], table["ref"], table["alt"], strict=True))
    for gene, alleles in HOTSPOTS.items():
        for chrom, pos, ref, alt, change in alleles:
            assert (chrom, pos, ref, alt) in known, f"{gene} {change}"
