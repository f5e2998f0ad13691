"""Identifying names in a VCF's sample columns never reach rtpredict's outputs or logs."""

from __future__ import annotations

import subprocess
import sys

import anndata as ad
import numpy as np
import pandas as pd

from rtpredict import tl
from rtpredict.genomics import read_variants

VCF = """\
##fileformat=VCFv4.2
##tumor_sample=DUPONT_Jean_tumeur
##normal_sample=DUPONT_Jean_sang
##contig=<ID=chr17,length=83257441>
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tDUPONT_Jean_sang\tDUPONT_Jean_tumeur
chr17\t7675088\t.\tC\tT\t.\tPASS\t.\tGT:AD\t0/0:40,0\t0/1:30,20
"""


def test_vcf_sample_names_stay_out_of_outputs_and_logs(tmp_path):
    vcf = tmp_path / "T1.vcf"
    vcf.write_text(VCF)
    table = tmp_path / "T1.variants.tsv"
    result = subprocess.run(
        [sys.executable, "-m", "rtpredict", "-v", "variants", str(vcf), "--output", str(table)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "DUPONT" not in result.stdout + result.stderr
    assert "DUPONT" not in table.read_text()
    variants = read_variants(table)
    assert variants.loc[0, "gene"] == "TP53"  # the hotspot is read from the tumour column
    assert variants.loc[0, "vaf"] == 0.4

    adata = ad.AnnData(np.zeros((1, 1), np.float32), obs=pd.DataFrame(index=["PS01"]))
    tl.dna_features(adata, {"PS01": variants}, callable_mb=30)
    path = tmp_path / "features.h5ad"
    adata.write_h5ad(path)
    assert b"DUPONT" not in path.read_bytes()
    assert bool(adata.obs.loc["PS01", "dna_TP53_mutated"])
