"""The simulated cohort in memory: parameters, latent biology, abundances and mutations."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rtpredict.errors import InputError
from rtpredict.simulate._biology import (
    gene_loadings,
    gene_specs,
    simulate_log_expression,
    simulate_outcomes,
    simulate_tumours,
)
from rtpredict.simulate._dna import simulate_mutations, write_vcf
from rtpredict.simulate._genome import Genome, build_genome
from rtpredict.simulate._reads import ReadModel

if TYPE_CHECKING:
    import anndata as ad


@dataclass(frozen=True)
class SimulationParams:
    """Everything that determines a simulated cohort (same parameters → same bytes).

    Parameters
    ----------
    n_tumours
        Number of tumours.
    read_pairs
        Mean read pairs per tumour (each drawn within ±20%).
    n_background_genes
        Genes besides the signature and panel genes.
    seed
        Seed of every random draw.
    read_length
        Read length in bases.
    library_type
        salmon library type of the reads (``"ISR"``: stranded, read 1 antisense).
    dna_fraction
        Fraction of tumours with a VCF.
    two_lanes_every
        Every n-th tumour is split over two lanes (0: none).
    poor_library_last
        Make the last tumour's library poor (mostly unmappable), for the QC checks.
    """

    n_tumours: int = 12
    read_pairs: int = 200_000
    n_background_genes: int = 300
    seed: int = 1
    read_length: int = 100
    library_type: str = "ISR"
    dna_fraction: float = 0.85
    two_lanes_every: int = 4
    poor_library_last: bool = True
    reads: ReadModel = field(init=False)

    def __post_init__(self) -> None:
        if self.n_tumours < 1 or self.read_pairs < 1:
            raise InputError("n_tumours and read_pairs must be positive")
        object.__setattr__(
            self,
            "reads",
            ReadModel(read_length=self.read_length, library_type=self.library_type),
        )

    def to_dict(self) -> dict:
        """Return the parameters as plain JSON-serialisable values.

        Returns
        -------
        dict
            Field name -> value.
        """
        out = asdict(self)
        out.pop("reads")
        return out


@dataclass
class SimulatedCohort:
    """The simulated truth: genome, per-tumour latent state, abundances and mutations.

    Made by :func:`simulate_cohort`.

    Parameters
    ----------
    params
        The parameters it was simulated with.
    genome
        The synthetic genome, genes and transcripts.
    tumours
        Latent biology and drivers, indexed by sample ID.
    clinical
        The clinical table, indexed by sample ID.
    transcript_tpm
        True abundances, tumours × transcripts.
    mutations
        Somatic mutations, one row per mutation.
    has_dna
        bool per tumour: whether it has a VCF.
    """

    params: SimulationParams
    genome: Genome
    tumours: pd.DataFrame  # latent biology and drivers, index sample_id
    clinical: pd.DataFrame  # index sample_id
    transcript_tpm: pd.DataFrame  # tumours x transcripts
    mutations: pd.DataFrame
    has_dna: pd.Series  # bool per tumour

    def to_anndata(self, *, library_size: int = 2_000_000) -> ad.AnnData:
        """Return the cohort as an AnnData shaped like the workflow's ``cohort.h5ad``.

        ``layers["tpm"]`` holds the true gene TPM; ``layers["counts"]`` Poisson counts for
        ``library_size`` fragments; ``X`` is log1p(TPM). ``obs`` carries the clinical table, and
        ``obsm["truth"]`` the latent biology (for tests; a real cohort has no such thing).

        Parameters
        ----------
        library_size
            Fragments per tumour of the Poisson counts.

        Returns
        -------
        anndata.AnnData
            Tumours × genes.
        """
        import anndata as ad

        tpm = self.gene_tpm
        genes = self.genome.genes.set_index("gene_id").loc[tpm.columns]
        tx = self.genome.transcripts
        length = tx.groupby("gene_id")["length"].mean().reindex(tpm.columns).to_numpy()
        expected = tpm.to_numpy() * length
        expected = expected / expected.sum(axis=1, keepdims=True) * library_size
        rng = np.random.default_rng([self.params.seed, 17])
        adata = ad.AnnData(
            X=np.log1p(tpm.to_numpy()).astype(np.float32),
            obs=self.clinical.copy(),
            var=pd.DataFrame({"symbol": genes["symbol"].to_numpy()}, index=tpm.columns),
            layers={
                "counts": rng.poisson(expected).astype(np.float32),
                "tpm": tpm.to_numpy().astype(np.float32),
            },
        )
        adata.obs["site"] = adata.obs["site"].astype("category")
        adata.obs["cohort"] = adata.obs["cohort"].astype("category")
        adata.obsm["truth"] = self.tumours.drop(columns=["site", "cohort"]).astype(float)
        adata.uns["rtpredict"] = {"simulated": True, "simulation": self.params.to_dict()}
        return adata

    def write_vcfs(self, directory: str | os.PathLike) -> dict[str, Path]:
        """Write the VCF of every tumour with DNA into ``directory``.

        Parameters
        ----------
        directory
            Where to write (created if needed).

        Returns
        -------
        dict of str to pathlib.Path
            Sample ID -> VCF file.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        rng = np.random.default_rng([self.params.seed, 13])
        paths = {}
        for sample in self.tumours.index[self.has_dna.to_numpy()]:
            muts = self.mutations[self.mutations["sample_id"] == sample]
            paths[sample] = write_vcf(muts, sample, directory / f"{sample}.vcf", rng)
        return paths

    @property
    def gene_tpm(self) -> pd.DataFrame:
        """True gene TPM (sum over each gene's transcripts), tumours × genes."""
        gene_of = self.genome.transcripts.set_index("transcript_id")["gene_id"]
        return self.transcript_tpm.T.groupby(gene_of).sum().T


def _sample_ids(n: int) -> list[str]:
    return [f"SIM{i:03d}" for i in range(1, n + 1)]


def _isoform_tpm(genome: Genome, log_expr: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Split gene expression over isoforms (per-tumour Dirichlet around a gene-level mix)."""
    tx = genome.transcripts
    out = np.zeros((len(log_expr), len(tx)))
    for gene_id, idx in tx.groupby("gene_id", sort=False).indices.items():
        base = rng.dirichlet(np.ones(len(idx)))
        fractions = rng.dirichlet(base * 30 + 0.05, size=len(log_expr))
        out[:, idx] = np.exp(log_expr[gene_id].to_numpy())[:, None] * fractions
    out = out / out.sum(axis=1, keepdims=True) * 1e6
    return pd.DataFrame(out, index=log_expr.index, columns=tx["transcript_id"].to_numpy())


def simulate_cohort(params: SimulationParams | None = None) -> SimulatedCohort:
    """Simulate genome, biology, abundances and mutations (no files written).

    Parameters
    ----------
    params
        The parameters (default: :class:`SimulationParams` defaults).

    Returns
    -------
    SimulatedCohort
        The cohort, in memory.
    """
    params = params or SimulationParams()
    genome_rng, bio_rng, iso_rng, dna_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(params.seed).spawn(4)
    )
    genome = build_genome(gene_specs(params.n_background_genes), genome_rng)
    gene_ids = pd.Index(genome.genes["gene_id"])
    tumours = simulate_tumours(_sample_ids(params.n_tumours), bio_rng)
    log_expr = simulate_log_expression(tumours, gene_ids, gene_loadings(gene_ids), bio_rng)
    clinical = simulate_outcomes(tumours, bio_rng)
    has_dna = pd.Series(dna_rng.random(len(tumours)) < params.dna_fraction, index=tumours.index)
    mutations = simulate_mutations(tumours, dna_rng)
    return SimulatedCohort(
        params=params,
        genome=genome,
        tumours=tumours,
        clinical=clinical,
        transcript_tpm=_isoform_tpm(genome, log_expr, iso_rng),
        mutations=mutations,
        has_dna=has_dna,
    )


def simulate_anndata(
    n_tumours: int = 500,
    *,
    seed: int = 1,
    n_background_genes: int = 300,
    library_size: int = 2_000_000,
) -> ad.AnnData:
    """Simulate a cohort AnnData without reads, shaped like the workflow's ``cohort.h5ad``.

    See :meth:`SimulatedCohort.to_anndata`.

    Parameters
    ----------
    n_tumours
        Number of tumours.
    seed
        Seed of every random draw.
    n_background_genes
        Genes besides the signature and panel genes.
    library_size
        Fragments per tumour of the Poisson counts.

    Returns
    -------
    anndata.AnnData
        Tumours × genes (:meth:`SimulatedCohort.to_anndata`).
    """
    params = SimulationParams(
        n_tumours=n_tumours, n_background_genes=n_background_genes, seed=seed, read_pairs=1
    )
    return simulate_cohort(params).to_anndata(library_size=library_size)
