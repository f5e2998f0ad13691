"""GTF → tx2gene, with Ensembl (versions apart) and GENCODE (versions inside) ID forms."""

from __future__ import annotations

import pandas as pd
import pytest

from rtpredict.errors import InputError
from rtpredict.io import (
    load_tx2gene,
    match_transcripts,
    read_gene_intervals,
    read_tx2gene,
    write_tx2gene,
)

ENSEMBL = """\
#!genome-build GRCh38.p14
17\tensembl\tgene\t100\t900\t.\t-\t.\tgene_id "ENSG00000141510"; gene_version "18"; gene_name "TP53"; gene_biotype "protein_coding";
17\tensembl\ttranscript\t100\t900\t.\t-\t.\tgene_id "ENSG00000141510"; gene_version "18"; transcript_id "ENST00000269305"; transcript_version "9"; gene_name "TP53";
17\tensembl\texon\t100\t200\t.\t-\t.\tgene_id "ENSG00000141510"; gene_version "18"; transcript_id "ENST00000269305"; transcript_version "9"; gene_name "TP53"; gene_biotype "protein_coding";
17\tensembl\texon\t800\t900\t.\t-\t.\tgene_id "ENSG00000141510"; gene_version "18"; transcript_id "ENST00000269305"; transcript_version "9"; gene_name "TP53"; gene_biotype "protein_coding";
17\tensembl\texon\t150\t400\t.\t-\t.\tgene_id "ENSG00000141510"; gene_version "18"; transcript_id "ENST00000445888"; transcript_version "6"; gene_name "TP53"; gene_biotype "protein_coding";
2\tensembl\texon\t50\t99\t.\t+\t.\tgene_id "ENSG00000116044"; gene_version "19"; transcript_id "ENST00000397062"; transcript_version "8"; gene_name "NFE2L2"; gene_biotype "protein_coding";
"""  # noqa: E501
GENCODE = """\
chr17\tHAVANA\texon\t100\t200\t.\t-\t.\tgene_id "ENSG00000141510.18"; transcript_id "ENST00000269305.9"; gene_type "protein_coding"; gene_name "TP53";
chr17\tHAVANA\texon\t800\t900\t.\t-\t.\tgene_id "ENSG00000141510.18"; transcript_id "ENST00000269305.9"; gene_type "protein_coding"; gene_name "TP53";
"""  # noqa: E501


@pytest.fixture
def ensembl_gtf(tmp_path):
    path = tmp_path / "ensembl.gtf"
    path.write_text(ENSEMBL)
    return path


def test_ensembl_gtf_keeps_both_id_forms(ensembl_gtf):
    tx = read_tx2gene(ensembl_gtf)
    assert list(tx.index) == ["ENST00000269305", "ENST00000445888", "ENST00000397062"]
    row = tx.loc["ENST00000269305"]
    assert row["transcript_id_versioned"] == "ENST00000269305.9"
    assert row["gene_id"] == "ENSG00000141510"
    assert row["gene_id_versioned"] == "ENSG00000141510.18"
    assert row["symbol"] == "TP53"
    assert row["length"] == 202  # two exons of 101 bp
    assert tx.loc["ENST00000445888", "length"] == 251


def test_gencode_gtf_versions_inside_ids(tmp_path):
    path = tmp_path / "gencode.gtf"
    path.write_text(GENCODE)
    tx = read_tx2gene(path)
    assert list(tx.index) == ["ENST00000269305"]
    assert tx.loc["ENST00000269305", "transcript_id_versioned"] == "ENST00000269305.9"
    assert tx.loc["ENST00000269305", "gene_id"] == "ENSG00000141510"
    assert tx.loc["ENST00000269305", "biotype"] == "protein_coding"


def test_quantified_names_match_in_every_form(ensembl_gtf):
    tx = read_tx2gene(ensembl_gtf)
    names = pd.Index(
        [
            "ENST00000269305.9",  # Ensembl FASTA header
            "ENST00000445888",  # gffread from the GTF
            "ENST00000397062.8|ENSG00000116044.19|OTTHUMG1|OTTHUMT1|NFE2L2-201|NFE2L2|2000|",
            "ENST00000269305.10",  # another release's version: matched by the stable ID
            "ENST99999999999.1",  # not in the GTF
        ]
    )
    genes = match_transcripts(names, tx)
    assert list(genes.iloc[:4]) == [
        "ENSG00000141510",
        "ENSG00000141510",
        "ENSG00000116044",
        "ENSG00000141510",
    ]
    assert pd.isna(genes.iloc[4])


def test_gene_intervals_span_exons(ensembl_gtf):
    genes = read_gene_intervals(ensembl_gtf)
    assert genes.loc["ENSG00000141510"].tolist() == ["17", 100, 900, "-"]
    assert genes.loc["ENSG00000116044", "strand"] == "+"


def test_gtf_without_exons_is_refused(tmp_path):
    path = tmp_path / "genes_only.gtf"
    path.write_text(ENSEMBL.splitlines()[1] + "\n")
    with pytest.raises(InputError, match="no 'exon' lines"):
        read_tx2gene(path)


def test_exon_without_transcript_id_is_refused(tmp_path):
    path = tmp_path / "broken.gtf"
    path.write_text('1\tx\texon\t1\t10\t.\t+\t.\tgene_id "G1";\n')
    with pytest.raises(InputError, match="lacks transcript_id"):
        read_tx2gene(path)


def test_the_saved_table_reads_back_equal(ensembl_gtf, tmp_path):
    tx = read_tx2gene(ensembl_gtf)
    write_tx2gene(tx, tmp_path / "tx2gene.tsv")
    pd.testing.assert_frame_equal(load_tx2gene(tmp_path / "tx2gene.tsv"), tx)
    pd.testing.assert_frame_equal(load_tx2gene(ensembl_gtf), tx)  # a GTF is parsed


def test_a_table_of_another_kind_is_refused(tmp_path):
    path = tmp_path / "other.tsv"
    path.write_text("gene\tcount\nA\t1\n")
    with pytest.raises(InputError, match="not a transcript → gene table"):
        load_tx2gene(path)
