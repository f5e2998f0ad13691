"""Write a deterministic synthetic tumour cohort (reads, VCFs, clinical table, truth)."""

from __future__ import annotations

import argparse

from rtpredict.commands._args import add_output


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``rtpredict simulate``."""
    from rtpredict.simulate import SimulationParams

    d = SimulationParams()
    add_output(parser, "directory to write the cohort into", folder=True)
    parser.add_argument("--tumours", type=int, default=d.n_tumours, help="number of tumours")
    parser.add_argument(
        "--read-pairs", type=int, default=d.read_pairs, help="read pairs per tumour (±20%%)"
    )
    parser.add_argument(
        "--background-genes",
        type=int,
        default=d.n_background_genes,
        help="synthetic genes besides the signature and panel genes",
    )
    parser.add_argument("--seed", type=int, default=d.seed)
    parser.add_argument("--read-length", type=int, default=d.read_length)
    parser.add_argument(
        "--library-type",
        choices=["ISR", "ISF", "IU"],
        default=d.library_type,
        help="strandedness in salmon's notation (ISR: dUTP stranded)",
    )
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--overwrite", action="store_true", help="replace a cohort simulated with other params"
    )


def run(args: argparse.Namespace) -> int:
    """Simulate the cohort described by ``args``."""
    from rtpredict.simulate import SimulationParams, write_cohort

    params = SimulationParams(
        n_tumours=args.tumours,
        read_pairs=args.read_pairs,
        n_background_genes=args.background_genes,
        seed=args.seed,
        read_length=args.read_length,
        library_type=args.library_type,
    )
    write_cohort(args.outdir, params, threads=args.threads, overwrite=args.overwrite)
    return 0
