"""Time reading salmon ``quant.sf`` files and summarising them to genes, at real size.

Writes an Ensembl-style GTF (``--genes`` genes, ``--transcripts`` transcripts, ~4.8 exons per
transcript: ~1.2M exon lines at the defaults) and ``--files`` salmon ``quant.sf`` files over its
transcripts (versioned ENST names, 1% of them missing from the GTF, ~55% of transcripts without
reads, salmon's fixed decimals). Then times, per file: the bare read (``Path.read_bytes``), the
aggregation before issue 13 (pandas ``read_csv`` + per-file ``match_transcripts`` + groupby,
kept below as ``old_salmon_gene_quant`` for comparison only, on ``--old-files`` files), and
:func:`rtpredict.io.salmon_gene_quant` and :func:`rtpredict.io.read_salmon_genes`; plus building
the :class:`~rtpredict.io.TranscriptIndex` once and :func:`rtpredict.io.read_tx2gene` on the
GTF. Prints a Markdown table. Figures depend on the machine: rerun on a quiet one before quoting
them.

    python benchmarks/bench_quant.py [--files 20] [--old-files 3] [--repeat 3]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from rtpredict.io import (
    TranscriptIndex,
    match_transcripts,
    read_salmon_genes,
    read_tx2gene,
    salmon_gene_quant,
)


def write_gtf(path: Path, n_genes: int, n_transcripts: int, seed: int = 0) -> list[str]:
    """Write an Ensembl-style GTF; return the versioned transcript IDs in GTF order."""
    rng = np.random.default_rng(seed)
    gene_of_tx = np.sort(rng.integers(0, n_genes, n_transcripts))
    n_exons = rng.integers(1, 9, n_transcripts)  # mean 4.5 ... 4.8 with the gene lines
    tx_version = rng.integers(1, 15, n_transcripts)
    gene_version = rng.integers(1, 20, n_genes)
    lines = ["#!genome-build GRCh38.p14", "#!genebuild-last-updated 2023-03"]
    for t in range(n_transcripts):
        g = gene_of_tx[t]
        chrom, start = 1 + g % 22, 10_000 + 1_000 * t
        gene = f'gene_id "ENSG{g:011d}"; gene_version "{gene_version[g]}"'
        common = f'{gene}; transcript_id "ENST{t:011d}"; transcript_version "{tx_version[t]}"'
        names = f'gene_name "GENE{g}"; gene_source "ensembl"; gene_biotype "protein_coding"'
        if t == 0 or gene_of_tx[t - 1] != g:
            lines.append(
                f"{chrom}\tensembl\tgene\t{start}\t{start + 900}\t.\t+\t.\t{gene}; {names};"
            )
        lines.append(
            f"{chrom}\tensembl\ttranscript\t{start}\t{start + 900}\t.\t+\t.\t{common}; {names};"
        )
        for e in range(n_exons[t]):
            lines.append(
                f"{chrom}\tensembl\texon\t{start + 100 * e}\t{start + 100 * e + 60}\t.\t+\t.\t"
                f'{common}; exon_number "{e + 1}"; {names}; exon_id "ENSE{t:09d}{e:02d}";'
            )
    path.write_text("\n".join(lines) + "\n")
    return [f"ENST{t:011d}.{v}" for t, v in enumerate(tx_version)]


def write_quant(path: Path, names: list[str], seed: int) -> None:
    """Write a salmon-like quant.sf over ``names`` (fixed decimals as salmon prints them)."""
    rng = np.random.default_rng(seed)
    n = len(names)
    length = rng.integers(200, 10_000, n)
    eff = np.maximum(length - rng.normal(180, 20, n), 1.0)
    reads = np.where(rng.random(n) < 0.55, 0.0, rng.lognormal(2, 2, n))
    rate = reads / eff
    tpm = rate / rate.sum() * 1e6
    rows = zip(names, length, eff, tpm, reads, strict=True)
    lines = [f"{a}\t{b}\t{c:.3f}\t{d:.6f}\t{e:.3f}" for a, b, c, d, e in rows]
    path.write_text("Name\tLength\tEffectiveLength\tTPM\tNumReads\n" + "\n".join(lines) + "\n")


def old_salmon_gene_quant(
    paths: Mapping[str, str | os.PathLike], tx2gene: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``salmon_gene_quant`` as of commit 57571bc (for comparison; its error checks left out)."""
    counts, tpm, length = {}, {}, {}
    for sample, path in paths.items():
        table = pd.read_csv(path, sep="\t", dtype={"Name": str}).set_index("Name")
        gene = match_transcripts(table.index, tx2gene)
        unmatched = gene.isna().to_numpy()
        table = table.loc[~unmatched]
        by_gene = table.assign(
            gene_id=gene[~unmatched].to_numpy(), _w=table["TPM"] * table["EffectiveLength"]
        ).groupby("gene_id")
        counts[sample] = by_gene["NumReads"].sum()
        tpm[sample] = by_gene["TPM"].sum()
        mean_len = by_gene["EffectiveLength"].mean()
        weighted = by_gene["_w"].sum() / tpm[sample].replace(0, np.nan)
        length[sample] = weighted.fillna(mean_len)
    counts_df, tpm_df, length_df = (pd.DataFrame(d).T.fillna(0.0) for d in (counts, tpm, length))
    return counts_df, tpm_df, length_df


def best_of(repeat: int, call: Callable[[], object]) -> tuple[float, object]:
    """Best wall time of ``repeat`` calls, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=20, help="quant.sf files (tumours)")
    parser.add_argument("--old-files", type=int, default=3, help="files for the old function")
    parser.add_argument("--transcripts", type=int, default=250_000)
    parser.add_argument("--genes", type=int, default=60_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # the 1% unmatched warning is expected
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        names = write_gtf(root / "genes.gtf", args.genes, args.transcripts)
        rng = np.random.default_rng(1)
        names = [  # 1% unknown to the GTF, e.g. from a patch release
            f"ENST9{i:010d}.1" if drop else n
            for i, (n, drop) in enumerate(zip(names, rng.random(len(names)) < 0.01, strict=True))
        ]
        paths = {f"T{i:05d}": root / f"T{i:05d}.sf" for i in range(args.files)}
        for i, path in enumerate(paths.values()):
            write_quant(path, names, seed=i)
        n_exons = (root / "genes.gtf").read_text().count("\texon\t")
        print(
            f"{args.files} quant.sf of {args.transcripts:,} transcripts over {args.genes:,} genes "
            f"({paths['T00000'].stat().st_size / 1e6:.1f} MB each), GTF of {n_exons:,} exons; "
            f"written in {time.perf_counter() - start:.0f} s\n"
        )
        gtf_s, tx2gene = best_of(1, lambda: read_tx2gene(root / "genes.gtf"))
        index_s, index = best_of(
            args.repeat, lambda: TranscriptIndex.from_quant(paths["T00000"], tx2gene)
        )
        old_paths = dict(list(paths.items())[: args.old_files])
        files = list(paths.values())
        steps = {
            "bare read (`Path.read_bytes`)": (files, lambda: [p.read_bytes() for p in files]),
            "`salmon_gene_quant` at 57571bc": (
                old_paths,
                lambda: old_salmon_gene_quant(old_paths, tx2gene),
            ),
            "`salmon_gene_quant` (index included)": (
                files,
                lambda: salmon_gene_quant(paths, tx2gene),
            ),
            "`read_salmon_genes` (parse + summarise)": (
                files,
                lambda: [read_salmon_genes(p, index) for p in files],
            ),
        }
        rows = [
            (label, best_of(1 if done is old_paths else args.repeat, call)[0], len(done))
            for label, (done, call) in steps.items()
        ]
        print("| step | files | s per file | files/s |")
        print("|---|---:|---:|---:|")
        for label, seconds, n in rows:
            print(f"| {label} | {n} | {seconds / n:.3f} | {n / seconds:.1f} |")
        print(f"| `TranscriptIndex.from_quant` (once per run) | 1 | {index_s:.3f} | |")
        print(f"| `read_tx2gene` ({n_exons:,} exons, once per run) | 1 | {gtf_s:.1f} | |")
        print(f"\nbest of {args.repeat} (old function: 1 run); command: {' '.join(sys.argv)}")


if __name__ == "__main__":
    main()
