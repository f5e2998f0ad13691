"""A small synthetic genome: contigs, genes with several isoforms, GTF and FASTA writers.

Every sequence is random (synthetic) and labelled so; gene IDs and symbols of real genes are
kept so that signatures resolve against them, transcript IDs are synthetic (``RTPSIMT…``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from rtpredict.simulate._sequence import reverse_complement, to_str

CONTIG_PREFIX = "simchr"
GTF_SOURCE = "rtpredict_sim"


@dataclass(frozen=True)
class GeneSpec:
    """A gene to place in the genome: real (Ensembl ID + HGNC symbol) or synthetic background."""

    gene_id: str
    symbol: str
    synthetic: bool


@dataclass
class Genome:
    """Contig sequences, genes and transcripts (1-based, inclusive coordinates).

    ``transcripts`` has one row per transcript with ``exon_starts``/``exon_ends`` (genomic, in
    ascending order) and ``sequence`` (uint8 ASCII, 5'→3' of the RNA).
    """

    contigs: dict[str, np.ndarray]
    genes: pd.DataFrame
    transcripts: pd.DataFrame

    def write_fasta(self, path: Path) -> None:
        """Write the genome FASTA (60 bases per line), each contig labelled synthetic."""
        with open(path, "w") as fh:
            for name, seq in self.contigs.items():
                fh.write(f">{name} synthetic sequence (rtpredict simulate)\n")
                _write_wrapped(fh, seq)

    def write_transcriptome(self, path: Path) -> None:
        """Write the transcript FASTA with Ensembl-style versioned headers (``ID.version``)."""
        with open(path, "w") as fh:
            for row in self.transcripts.itertuples():
                fh.write(
                    f">{row.transcript_id}.{row.transcript_version} gene:{row.gene_id} "
                    f"gene_symbol:{row.symbol} synthetic sequence\n"
                )
                _write_wrapped(fh, row.sequence)

    def write_gtf(self, path: Path) -> None:
        """Write an Ensembl-style GTF: versions in ``gene_version``/``transcript_version``."""
        lines = ["#!genome-build rtpredict-simulated (synthetic sequences)"]
        tx_by_gene = self.transcripts.groupby("gene_id", sort=False)
        for gene in self.genes.itertuples():
            biotype = "synthetic" if gene.synthetic else "protein_coding"
            gattr = (
                f'gene_id "{gene.gene_id}"; gene_version "{gene.gene_version}"; '
                f'gene_name "{gene.symbol}"; gene_source "{GTF_SOURCE}"; '
                f'gene_biotype "{biotype}";'
            )
            lines.append(_gtf_line(gene, "gene", gene.start, gene.end, gattr))
            for tx in tx_by_gene.get_group(gene.gene_id).itertuples():
                tattr = (
                    f'{gattr[: gattr.index(" gene_source")]} transcript_id "{tx.transcript_id}"; '
                    f'transcript_version "{tx.transcript_version}"; '
                    f'transcript_biotype "{biotype}"; tag "synthetic";'
                )
                lines.append(_gtf_line(gene, "transcript", tx.start, tx.end, tattr))
                exons = list(zip(tx.exon_starts, tx.exon_ends, strict=True))
                if gene.strand == "-":
                    exons = exons[::-1]
                for number, (start, end) in enumerate(exons, 1):
                    eattr = f'{tattr} exon_number "{number}";'
                    lines.append(_gtf_line(gene, "exon", start, end, eattr))
        Path(path).write_text("\n".join(lines) + "\n")


def _gtf_line(gene, feature: str, start: int, end: int, attributes: str) -> str:
    return "\t".join(
        [gene.contig, GTF_SOURCE, feature, str(start), str(end), ".", gene.strand, ".", attributes]
    )


def _write_wrapped(fh, seq: np.ndarray, width: int = 60) -> None:
    text = to_str(seq)
    fh.write("\n".join(text[i : i + width] for i in range(0, len(text), width)))
    fh.write("\n")


def _to_genomic(a: int, b: int, offset: int, gene_length: int, strand: str) -> tuple[int, int]:
    """Map RNA-sense half-open [a, b) of a gene placed at 0-based ``offset`` to genomic
    1-based inclusive (start, end)."""
    if strand == "+":
        return offset + a + 1, offset + b
    return offset + (gene_length - b) + 1, offset + (gene_length - a)


def _random_bases(rng: np.random.Generator, n: int, gc: float = 0.45) -> np.ndarray:
    p_at, p_gc = (1 - gc) / 2, gc / 2
    return rng.choice(np.frombuffer(b"ACGT", np.uint8), size=n, p=[p_at, p_gc, p_gc, p_at])


def _exon_lengths(rng: np.random.Generator, n_exons: int) -> np.ndarray:
    lengths = np.exp(rng.normal(np.log(160), 0.5, n_exons)).clip(60, 1200)
    lengths[0] = rng.integers(150, 500)  # 5' exon with UTR
    lengths[-1] = rng.integers(400, 1800)  # 3' exon with UTR
    return lengths.astype(np.int64)


def _isoforms(rng: np.random.Generator, n_exons: int) -> list[tuple[np.ndarray, float]]:
    """Exon-index chains of a gene's isoforms with the fraction of the last exon kept.

    The first isoform keeps every exon; others skip an internal exon or use an earlier
    polyadenylation site (a shorter last exon).
    """
    full = np.arange(n_exons)
    chains: list[tuple[np.ndarray, float]] = [(full, 1.0)]
    n_iso = 1 if n_exons < 3 else 1 + int(rng.binomial(3, 0.45))
    seen = {(tuple(full), 1.0)}
    for _ in range(8 * n_iso):
        if len(chains) == n_iso:
            break
        if rng.random() < 0.6:
            skip = rng.integers(1, n_exons - 1)
            chain, tail = full[full != skip], 1.0
        else:
            chain, tail = full, float(rng.choice([0.35, 0.6]))
        key = (tuple(chain), tail)
        if key not in seen:
            seen.add(key)
            chains.append((chain, tail))
    return chains


def build_genome(genes: list[GeneSpec], rng: np.random.Generator, *, n_contigs: int = 4) -> Genome:
    """Lay out ``genes`` (in random order) on ``n_contigs`` synthetic contigs.

    Each gene gets 1–12 exons with GT…AG introns, a random strand and 1–4 isoforms.
    """
    order = rng.permutation(len(genes))
    per_contig = np.array_split(order, n_contigs)
    contigs: dict[str, np.ndarray] = {}
    gene_rows, tx_rows = [], []
    tx_counter = 0
    for c, members in enumerate(per_contig, 1):
        contig = f"{CONTIG_PREFIX}{c}"
        pieces = [_random_bases(rng, int(rng.integers(1000, 3000)))]
        pos = len(pieces[0])  # 0-based position where the next piece starts
        for gi in members:
            spec = genes[gi]
            n_exons = int(min(1 + rng.geometric(0.18), 12))
            exon_len = _exon_lengths(rng, n_exons)
            intron_len = np.exp(rng.normal(np.log(500), 0.8, n_exons - 1)).clip(80, 4000)
            intron_len = intron_len.astype(np.int64)
            # build the gene in transcript orientation: exon, intron, exon, ...
            parts, rel = [], []  # rel: (start, end) of exons, 0-based half-open, RNA sense
            cursor = 0
            for e in range(n_exons):
                parts.append(_random_bases(rng, int(exon_len[e])))
                rel.append((cursor, cursor + int(exon_len[e])))
                cursor += int(exon_len[e])
                if e < n_exons - 1:
                    intron = _random_bases(rng, int(intron_len[e]))
                    intron[:2] = np.frombuffer(b"GT", np.uint8)
                    intron[-2:] = np.frombuffer(b"AG", np.uint8)
                    parts.append(intron)
                    cursor += int(intron_len[e])
            gene_seq_rna = np.concatenate(parts)
            strand = "+" if rng.random() < 0.5 else "-"
            glen = len(gene_seq_rna)
            gene_seq = gene_seq_rna if strand == "+" else reverse_complement(gene_seq_rna)

            gstart, gend = pos + 1, pos + glen
            gene_rows.append(
                {
                    "gene_id": spec.gene_id,
                    "gene_version": int(rng.integers(1, 20)),
                    "symbol": spec.symbol,
                    "synthetic": spec.synthetic,
                    "contig": contig,
                    "start": gstart,
                    "end": gend,
                    "strand": strand,
                }
            )
            for chain, tail in _isoforms(rng, n_exons):
                blocks = [list(rel[e]) for e in chain]
                if tail < 1.0:  # earlier polyadenylation: shorten the last exon
                    a, b = blocks[-1]
                    blocks[-1][1] = a + max(60, int((b - a) * tail))
                seq = np.concatenate([gene_seq_rna[a:b] for a, b in blocks])
                genomic = sorted(_to_genomic(a, b, pos, glen, strand) for a, b in blocks)
                tx_counter += 1
                tx_rows.append(
                    {
                        "transcript_id": f"RTPSIMT{tx_counter:07d}",
                        "transcript_version": int(rng.integers(1, 10)),
                        "gene_id": spec.gene_id,
                        "symbol": spec.symbol,
                        "start": genomic[0][0],
                        "end": genomic[-1][1],
                        "exon_starts": [s for s, _ in genomic],
                        "exon_ends": [e for _, e in genomic],
                        "length": len(seq),
                        "sequence": seq,
                    }
                )
            spacer = _random_bases(rng, int(rng.integers(500, 3000)))
            pieces += [gene_seq, spacer]
            pos += glen + len(spacer)
        contigs[contig] = np.concatenate(pieces)
    return Genome(contigs, pd.DataFrame(gene_rows), pd.DataFrame(tx_rows))
