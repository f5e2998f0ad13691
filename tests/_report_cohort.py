"""A demo-like cohort AnnData for the report tests, built the way the workflow builds it.

12 simulated tumours (the demo's simulator), features by ``rtpredict.tl`` against the demo
model's frozen reference, DNA features from the simulated VCFs read back, predictions of both
shipped models; QC metrics like the salmon route's, the last tumour a poor library (51% mapped),
as in the demo. Also: the real demo's output when ``RTPREDICT_DEMO_PREDICTIONS`` names it.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from rtpredict import tl
from rtpredict.genomics import read_somatic_vcf
from rtpredict.models import default_reference, load_default
from rtpredict.simulate import SimulationParams, simulate_cohort

N_TUMOURS = 12
TARGET_GARD = 33.0
MODELS = ("demo_recurrence", "recurrence")


def qc_metrics(samples: pd.Index, n_genes: int, rng: np.random.Generator) -> pd.DataFrame:
    """QC columns as the salmon route writes them; the last tumour maps 51% of its reads."""
    n = len(samples)
    pairs = rng.integers(160_000, 215_000, n).astype(float)
    mapping = rng.uniform(0.91, 0.97, n)
    mapping[-1] = 0.515
    return pd.DataFrame(
        {
            "n_read_pairs": pairs,
            "n_read_pairs_trimmed": pairs,
            "q30_rate": 0.758,
            "duplication_rate": 0.001,
            "mapping_rate": mapping,
            "n_fragments_mapped": (pairs * mapping).astype(int),
            "library_type": pd.Categorical(["ISR"] * n),
            "strand_forward_fraction": rng.uniform(0.0002, 0.002, n),
            "strandedness": pd.Categorical(["reverse"] * n),
            "n_lanes": 1,
            "genes_detected": n_genes,
        },
        index=samples,
    )


@lru_cache(maxsize=1)
def build() -> object:
    """Return the annotated cohort AnnData, built once per test session (copy before editing)."""
    cohort = simulate_cohort(SimulationParams(n_tumours=N_TUMOURS, read_pairs=1, seed=1))
    adata = cohort.to_anndata()
    with tempfile.TemporaryDirectory(prefix="rtpredict-report-vcf-") as folder:
        variants = {s: read_somatic_vcf(p) for s, p in cohort.write_vcfs(folder).items()}
    reference = tl.ReferenceStatistics.load(default_reference("demo_recurrence"))
    tl.score_rsi(adata)
    tl.gard(adata, target_gard=TARGET_GARD)
    tl.score_signatures(adata, reference=reference)  # every catalog signature but RSI
    tl.dna_features(adata, variants, callable_mb=30.0)
    qc = qc_metrics(adata.obs_names, adata.n_vars, np.random.default_rng(5))
    adata.obs = pd.concat([qc, adata.obs], axis=1)
    del adata.obsm["truth"]
    adata.uns["rtpredict"] = {
        "version": "0.1.0.dev0",
        "quantifier": "salmon",
        "tools": {"fastp": "0.23.2", "salmon": "1.10.1"},
        "annotation": "annotation.gtf",
        "simulated": True,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unseen sites for the real-data model: by design
        for name in MODELS:
            tl.predict(adata, load_default(name), key_added=name, horizon=5.0)
    return adata


def demo_predictions() -> Path | None:
    """The real demo output named by ``RTPREDICT_DEMO_PREDICTIONS``, if any."""
    value = os.environ.get("RTPREDICT_DEMO_PREDICTIONS")
    return Path(value) if value else None
