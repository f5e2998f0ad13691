"""A deterministic synthetic tumour cohort with known truth, for the demo and the tests.

:func:`write_cohort` writes, from a seed: a small synthetic genome (FASTA) and Ensembl-style GTF
holding every signature gene plus background genes; paired-end FASTQ.gz per tumour (some split
over two lanes) drawn from known transcript abundances; somatic VCFs for most tumours;
``samples.tsv``, ``clinical.tsv`` and ``truth/`` tables. Between-tumour variation is driven by
latent biology (see :mod:`rtpredict.simulate._biology`). :func:`simulate_anndata` gives a cohort
AnnData of any size without reads, shaped like the workflow's ``cohort.h5ad``.

Every sequence is synthetic. Nothing here describes a real patient.
"""

from __future__ import annotations

from rtpredict.simulate._cohort import (
    SimulatedCohort,
    SimulationParams,
    simulate_anndata,
    simulate_cohort,
)
from rtpredict.simulate._files import write_cohort

__all__ = [
    "SimulatedCohort",
    "SimulationParams",
    "simulate_anndata",
    "simulate_cohort",
    "write_cohort",
]
