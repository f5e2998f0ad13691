"""Time somatic VCF reading in variants/s on a generated Mutect2 + VEP VCF (100,000 records).

Compares :func:`rtpredict.genomics.read_somatic_vcf` (everything: filters, VAF, CSQ choice,
hotspots, coordinate genes, sorting, dtypes) with a bare ``pysam.VariantFile`` loop that touches
the same fields, and with cyvcf2 when it is installed. Figures depend on the machine: rerun on a
quiet one before quoting them.

    python benchmarks/bench_vcf.py [--variants 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import pysam

from rtpredict.genomics import contig_lengths, read_somatic_vcf

CSQ_FORMAT = "Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|HGVSp"
CONSEQUENCES = [
    ("missense_variant", "MODERATE", "p.Arg{n}His"),
    ("synonymous_variant", "LOW", "p.Leu{n}%3D"),
    ("intron_variant", "MODIFIER", ""),
    ("stop_gained", "HIGH", "p.Arg{n}Ter"),
    ("3_prime_UTR_variant", "MODIFIER", ""),
]


def write_vcf(path: Path, n: int, seed: int = 1) -> None:
    """Write a sorted Mutect2-style VCF with VEP CSQ, ~5% filtered, ~3% multi-allelic records."""
    rng = random.Random(seed)
    lengths = contig_lengths("GRCh38")
    chroms = [f"chr{i}" for i in range(1, 23)]
    per_chrom = {c: sorted(rng.sample(range(1, lengths[c]), n // len(chroms) + 1)) for c in chroms}
    lines = [
        "##fileformat=VCFv4.2",
        "##tumor_sample=TUMOR",
        "##normal_sample=NORMAL",
        *(f"##contig=<ID={c},length={lengths[c]}>" for c in chroms),
        '##FILTER=<ID=weak_evidence,Description="weak">',
        f'##INFO=<ID=CSQ,Number=.,Type=String,Description="VEP. Format: {CSQ_FORMAT}">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">',
        '##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fractions">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tNORMAL\tTUMOR",
    ]
    written = 0
    for chrom in chroms:
        for pos in per_chrom[chrom]:
            if written == n:
                break
            written += 1
            ref = rng.choice("ACGT")
            kind = rng.random()
            if kind < 0.03:
                alts = [b for b in "ACGT" if b != ref][:2]
            elif kind < 0.08:
                alts = [ref + rng.choice("ACGT")]
            elif kind < 0.13:
                ref, alts = ref + rng.choice("ACGT"), [ref]
            else:
                alts = [rng.choice([b for b in "ACGT" if b != ref])]
            entries = []
            for alt in alts:
                allele = (alt[1:] or "-") if len(alt) != len(ref) else alt
                for t in range(rng.randint(1, 3)):
                    term, impact, hgvsp = rng.choice(CONSEQUENCES)
                    protein = hgvsp.format(n=rng.randint(1, 900))
                    entries.append(
                        f"{allele}|{term}|{impact}|GENE{pos % 997}|ENSG{pos:011d}|Transcript|"
                        f"ENST{pos:09d}{t:02d}|protein_coding|{protein}"
                    )
            counts = [rng.randint(10, 80)] + [rng.randint(1, 40) for _ in alts]
            fractions = ",".join(f"{c / sum(counts):.3f}" for c in counts[1:])
            status = "weak_evidence" if rng.random() < 0.05 else "PASS"
            normal = ",".join(["30"] + ["0"] * len(alts))
            lines.append(
                f"{chrom}\t{pos}\t.\t{ref}\t{','.join(alts)}\t.\t{status}\tCSQ={','.join(entries)}"
                f"\tGT:AD:AF:DP\t0/0:{normal}:{','.join(['0.01'] * len(alts))}:30"
                f"\t0/1:{','.join(map(str, counts))}:{fractions}:{sum(counts)}"
            )
    plain = path.with_suffix("")
    plain.write_text("\n".join(lines) + "\n")
    pysam.tabix_compress(str(plain), str(path), force=True)
    pysam.tabix_index(str(path), preset="vcf", force=True)
    plain.unlink()


def pysam_loop(path: Path) -> int:
    """Touch what the reader touches, with no interpretation: the floor for pysam."""
    n = 0
    with pysam.VariantFile(str(path)) as vcf:
        tumour = list(vcf.header.samples).index("TUMOR")
        for record in vcf:
            if record.filter.keys() != ["PASS"]:
                continue
            ad = record.samples[tumour]["AD"]
            csq = record.info.get("CSQ")
            n += len(record.alts) if ad is not None and csq is not None else 0
    return n


def cyvcf2_loop(path: Path) -> int | None:
    """The same loop through cyvcf2, when installed."""
    try:
        from cyvcf2 import VCF
    except ImportError:
        return None
    n = 0
    reader = VCF(str(path))
    tumour = reader.samples.index("TUMOR")
    for variant in reader:
        if variant.FILTER is not None:
            continue
        ad = variant.format("AD")[tumour]
        csq = variant.INFO.get("CSQ")
        n += len(variant.ALT) if ad is not None and csq is not None else 0
    reader.close()
    return n


def best_time(function, path: Path, repeat: int) -> tuple[float, int]:
    times, result = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        out = function(path)
        times.append(time.perf_counter() - start)
        result = len(out) if hasattr(out, "__len__") else out
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=100_000, help="records to generate")
    parser.add_argument("--repeat", type=int, default=3, help="runs per reader (best is kept)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.vcf.gz"
        write_vcf(path, args.variants)
        rows = {
            "rtpredict.read_somatic_vcf": lambda p: read_somatic_vcf(p),
            "pysam.VariantFile loop": pysam_loop,
            "cyvcf2 loop": cyvcf2_loop,
        }
        print(f"{args.variants} records, best of {args.repeat} (records/s counts every record)")
        for name, function in rows.items():
            if name == "cyvcf2 loop" and cyvcf2_loop(path) is None:
                print(f"{name:28s} not installed")
                continue
            seconds, kept = best_time(function, path, args.repeat)
            print(
                f"{name:28s} {seconds:7.2f} s  {args.variants / seconds:10,.0f} records/s  "
                f"({kept} passing alt alleles)"
            )


if __name__ == "__main__":
    main()
