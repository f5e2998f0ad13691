"""A simulated cohort written as the workflow's inputs: reference, FASTQ, VCFs, sample sheet,
clinical table and truth tables, idempotently and atomically."""

from __future__ import annotations

import json
import logging
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from rtpredict import __version__
from rtpredict.errors import InputError
from rtpredict.simulate._cohort import SimulatedCohort, SimulationParams, simulate_cohort
from rtpredict.simulate._dna import CALLABLE_MB
from rtpredict.simulate._reads import ReadModel, TranscriptPool, write_read_pairs

log = logging.getLogger("rtpredict.simulate")
MANIFEST = "simulation.json"
#: bump whenever the same parameters would give different files
SIMULATOR_VERSION = 2
#: length of the random "contaminant" sequence that is in no reference (unmappable reads)
CONTAMINANT_LENGTH = 50_000


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
