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

import json
import logging
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rtpredict import __version__
from rtpredict.errors import InputError
from rtpredict.simulate._biology import (
    gene_loadings,
    gene_specs,
    simulate_log_expression,
    simulate_outcomes,
    simulate_tumours,
)
from rtpredict.simulate._dna import CALLABLE_MB, simulate_mutations, write_vcf
from rtpredict.simulate._genome import Genome, build_genome
from rtpredict.simulate._reads import ReadModel, TranscriptPool, write_read_pairs

if TYPE_CHECKING:
    import anndata as ad

__all__ = [
    "SimulatedCohort",
    "SimulationParams",
    "simulate_anndata",
    "simulate_cohort",
    "write_cohort",
]

log = logging.getLogger(__name__)
MANIFEST = "simulation.json"
#: bump whenever the same parameters would give different files
SIMULATOR_VERSION = 2
#: length of the random "contaminant" sequence that is in no reference (unmappable reads)
CONTAMINANT_LENGTH = 50_000


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


def _reads_job(args: tuple) -> tuple[str, np.ndarray]:
    pool, prob, unstranded, n_pairs, model, seed_seq, paths, prefix = args
    rng = np.random.default_rng(seed_seq)
    drawn = write_read_pairs(pool, prob, unstranded, n_pairs, model, rng, paths, name_prefix=prefix)
    return prefix, drawn


def _source_probabilities(
    pool: TranscriptPool,
    n_tx: int,
    tpm: np.ndarray,
    model: ReadModel,
    genomic: float,
    contaminant: float,
) -> np.ndarray:
    """Fragment shares: transcripts by abundance × effective length, contigs (genomic DNA,
    unspliced RNA) by length, then the contaminant."""
    efflen = pool.effective_lengths(model)
    tx = tpm * efflen[:n_tx]
    contigs = efflen[n_tx:-1]
    return np.concatenate(
        [
            tx / tx.sum() * (1 - genomic - contaminant),
            contigs / contigs.sum() * genomic,
            [contaminant],
        ]
    )


def _write_tsv(frame: pd.DataFrame, path: Path, *, index: bool = True) -> None:
    frame.to_csv(path, sep="\t", index=index, float_format="%.6g", lineterminator="\n")


def _identity(params: SimulationParams) -> dict:
    """What makes two simulated cohorts the same: rtpredict's version and the parameters."""
    return {
        "simulator_version": SIMULATOR_VERSION,
        "rtpredict_version": __version__,
        "params": params.to_dict(),
    }


def _write_files(cohort: SimulatedCohort, partial: Path, threads: int) -> None:
    """Write every file of ``cohort`` into the directory ``partial``."""
    params = cohort.params
    for sub in ("reference", "fastq", "vcf", "truth"):
        (partial / sub).mkdir(parents=True)
    genome = cohort.genome
    genome.write_fasta(partial / "reference" / "genome.fa")
    genome.write_transcriptome(partial / "reference" / "transcripts.fa")
    genome.write_gtf(partial / "reference" / "annotation.gtf")

    n_tx = len(genome.transcripts)
    contaminant_seq = np.random.default_rng([params.seed, 5]).choice(
        np.frombuffer(b"ACGT", np.uint8), CONTAMINANT_LENGTH
    )
    pool = TranscriptPool(
        [*genome.transcripts["sequence"], *genome.contigs.values(), contaminant_seq]
    )
    unstranded = np.arange(len(pool.lengths)) >= n_tx
    read_seeds = np.random.SeedSequence([params.seed, 7]).spawn(2 * params.n_tumours)
    lib_rng = np.random.default_rng([params.seed, 11])
    jobs, sheet = [], []
    for i, sample in enumerate(cohort.tumours.index):
        n_pairs = int(params.read_pairs * lib_rng.uniform(0.8, 1.2))
        genomic = lib_rng.uniform(0.02, 0.08)
        poor = params.poor_library_last and i == params.n_tumours - 1 and params.n_tumours > 1
        contaminant = 0.45 if poor else lib_rng.uniform(0.005, 0.03)
        prob = _source_probabilities(
            pool,
            n_tx,
            cohort.transcript_tpm.loc[sample].to_numpy(),
            params.reads,
            genomic,
            contaminant,
        )
        lanes = 2 if params.two_lanes_every and i % params.two_lanes_every == 0 else 1
        for lane in range(1, lanes + 1):
            fq = [f"fastq/{sample}_L00{lane}_R{r}.fastq.gz" for r in (1, 2)]
            share = n_pairs // lanes + (n_pairs % lanes if lane == 1 else 0)
            jobs.append(
                (
                    pool,
                    prob,
                    unstranded,
                    share,
                    params.reads,
                    read_seeds[2 * i + lane - 1],
                    (partial / fq[0], partial / fq[1]),
                    f"{sample}.L{lane}.",
                )
            )
            sheet.append(
                {"sample_id": sample, "lane": f"L00{lane}", "fastq_1": fq[0], "fastq_2": fq[1]}
            )
    with ProcessPoolExecutor(max_workers=max(1, threads)) as executor:
        fragments = dict(executor.map(_reads_job, jobs))

    vcf_of = {
        sample: str(path.relative_to(partial))
        for sample, path in cohort.write_vcfs(partial / "vcf").items()
    }
    samples = pd.DataFrame(sheet)
    samples["vcf"] = samples["sample_id"].map(vcf_of).fillna("")
    _write_tsv(samples, partial / "samples.tsv", index=False)
    _write_tsv(cohort.clinical, partial / "clinical.tsv")

    truth = partial / "truth"
    _write_tsv(cohort.tumours, truth / "tumours.tsv")
    _write_tsv(cohort.transcript_tpm.T.rename_axis("transcript_id"), truth / "transcript_tpm.tsv")
    _write_tsv(cohort.gene_tpm.T.rename_axis("gene_id"), truth / "gene_tpm.tsv")
    counts = pd.DataFrame(
        {
            sample: sum(v[:n_tx] for k, v in fragments.items() if k.startswith(f"{sample}."))
            for sample in cohort.tumours.index
        },
        index=genome.transcripts["transcript_id"],
    )
    _write_tsv(counts, truth / "transcript_fragments.tsv")
    _write_tsv(genome.genes.set_index("gene_id"), truth / "genes.tsv")
    muts = cohort.mutations.assign(in_vcf=cohort.mutations["sample_id"].map(cohort.has_dna))
    _write_tsv(muts, truth / "mutations.tsv", index=False)
    (partial / "README.txt").write_text(_README.format(**params.to_dict(), mb=CALLABLE_MB))
    manifest = {
        **_identity(params),
        "synthetic": True,
        "callable_mb": CALLABLE_MB,
        "files": sorted(str(p.relative_to(partial)) for p in partial.rglob("*") if p.is_file()),
    }
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")


def write_cohort(
    outdir: str | os.PathLike,
    params: SimulationParams | None = None,
    *,
    threads: int = 1,
    overwrite: bool = False,
) -> Path:
    """Write a simulated cohort into ``outdir``; return the path of its manifest.

    Idempotent: when ``outdir`` already holds a cohort simulated with the same parameters and
    rtpredict version, nothing is done. The cohort is written into a hidden sibling directory
    and renamed into place at the end, so an interrupted run never leaves a cohort that looks
    complete. Paths in ``samples.tsv`` are relative to the sample sheet's directory.

    Parameters
    ----------
    outdir
        The directory to write (must not exist, be empty, or hold a simulated cohort).
    params
        The parameters (default: :class:`SimulationParams` defaults).
    threads
        Processes drawing reads.
    overwrite
        Replace a cohort simulated with other parameters.

    Returns
    -------
    pathlib.Path
        The manifest, ``outdir/simulation.json``.
    """
    params = params or SimulationParams()
    outdir = Path(outdir)
    manifest_path = outdir / MANIFEST
    wanted = _identity(params)
    if manifest_path.exists():
        found = json.loads(manifest_path.read_text())
        if {k: found.get(k) for k in wanted} == wanted:
            log.info("%s is up to date: nothing to simulate", outdir)
            return manifest_path
        if not overwrite:
            raise InputError(
                f"{outdir} holds a cohort simulated with other parameters; "
                "pass --overwrite to replace it or choose another --outdir"
            )
    elif outdir.exists() and any(outdir.iterdir()):
        raise InputError(f"{outdir} exists and is not a simulated cohort; choose another --outdir")

    cohort = simulate_cohort(params)
    partial = outdir.parent / f".{outdir.name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    try:
        _write_files(cohort, partial, threads)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    if outdir.exists():
        shutil.rmtree(outdir)
    os.replace(partial, outdir)
    log.info("simulated %d tumours into %s", params.n_tumours, outdir)
    return manifest_path


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


_README = """\
rtpredict simulated cohort — SYNTHETIC DATA, not from any patient.

Parameters: {n_tumours} tumours, about {read_pairs} read pairs each, {n_background_genes}
background genes, seed {seed}, library type {library_type}, {read_length} bp reads.

reference/   genome.fa (synthetic contigs simchr1..), transcripts.fa, annotation.gtf
             (real gene IDs and symbols for signature and panel genes; synthetic sequences,
             synthetic transcript IDs RTPSIMT..., background genes RTPSIMG...)
fastq/       paired-end reads; some tumours are split over two lanes
vcf/         Mutect2-style somatic calls on GRCh38 coordinates for most tumours; hotspot
             alleles are real Cancer Hotspots v2 records, other reference alleles are random;
             callable size {mb} Mb
samples.tsv  sample sheet (paths relative to this directory)
clinical.tsv site, schedule, RT received, recurrence and survival (years), response
truth/       latent biology per tumour (tumours.tsv), true transcript and gene TPM, fragments
             drawn per transcript, gene table, mutations
"""
