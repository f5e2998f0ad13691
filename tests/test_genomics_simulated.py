"""The simulator's Mutect2-style VCFs (known truth) through read_somatic_vcf and dna_features."""

from __future__ import annotations

import re

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from rtpredict import simulate
from rtpredict.genomics import read_somatic_vcf
from rtpredict.simulate import _dna as dna
from rtpredict.tl import dna_features


def same_change(change: str | None) -> str:
    """Write a synonymous change the HGVS way (``E19E`` -> ``E19=``) to compare notations."""
    match = re.fullmatch(r"([A-Z*])(\d+)([A-Z*])", change or "")
    return f"{match[1]}{match[2]}=" if match and match[1] == match[3] else (change or "")


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("simvcf")
    cohort = simulate.simulate_cohort(simulate.SimulationParams(n_tumours=6))
    truth = cohort.mutations
    rng = np.random.default_rng(0)
    paths = {}
    for sample in sorted(truth["sample_id"].unique()):
        paths[sample] = dna.write_vcf(
            truth[truth["sample_id"] == sample], sample, folder / f"{sample}.vcf", rng
        )
    return truth, paths


def test_reader_recovers_the_simulated_truth(simulated):
    truth, paths = simulated
    for sample, path in paths.items():
        got = read_somatic_vcf(path)
        expected = truth[(truth["sample_id"] == sample) & (truth["filter"] == "PASS")]
        both = expected.merge(got, on=["chrom", "pos", "ref", "alt"], suffixes=("_t", ""))
        assert len(both) == len(expected) == len(got), sample
        assert (both["gene_t"] == both["gene"]).all()
        assert (both["consequence_t"] == both["consequence"]).all()
        assert (both["hotspot_t"] == both["hotspot"]).all()
        assert np.allclose(both["vaf_t"], both["vaf"], atol=0.01)
        changes = both["protein_change_t"].map(same_change)
        assert (changes == both["protein_change"].map(same_change)).all()


def test_features_flag_the_simulated_drivers(simulated):
    truth, paths = simulated
    samples = sorted(paths)
    adata = ad.AnnData(np.zeros((len(samples), 1), np.float32), obs=pd.DataFrame(index=samples))
    dna_features(adata, {s: read_somatic_vcf(p) for s, p in paths.items()}, callable_mb=30.0)
    passing = truth[truth["filter"] == "PASS"]
    protein = ~passing["consequence"].isin(["synonymous_variant", "intron_variant"])
    hits = passing[protein | passing["hotspot"]]
    for gene in ("NFE2L2", "KEAP1", "STK11", "TP53", "ATM"):
        mutated = set(hits.loc[hits["gene"] == gene, "sample_id"])
        flagged = set(adata.obs.index[adata.obs[f"dna_{gene}_mutated"].astype(bool)])
        assert flagged == mutated & set(samples), gene
