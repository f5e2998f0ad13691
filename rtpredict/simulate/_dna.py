"""Somatic mutations consistent with each tumour's drivers, written as Mutect2-style VCFs.

Driver mutations use real Cancer Hotspots v2 positions and alleles (GRCh38); truncating
DNA-repair mutations and passengers fall inside the real GRCh38 gene intervals, but their
reference alleles are random: the calls are synthetic and say so in the VCF header.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pysam

from rtpredict.genomics import contig_lengths

#: driver hotspots, Cancer Hotspots v2 (Chang et al. 2018), GRCh38: gene -> records
HOTSPOTS = {
    "NFE2L2": [
        ("chr2", 177234217, "G", "C", "R34G"),
        ("chr2", 177234232, "C", "T", "D29N"),
        ("chr2", 177234082, "C", "G", "E79Q"),
        ("chr2", 177234225, "C", "T", "G31E"),
    ],
    "KEAP1": [
        ("chr19", 10489740, "C", "A", "G480V"),
        ("chr19", 10486726, "G", "A", "R601W"),
        ("chr19", 10489770, "C", "T", "R470H"),
    ],
    "CUL3": [("chr2", 224506991, "A", "C", "M299R")],
    "STK11": [
        ("chr19", 1207163, "A", "T", "K84*"),
        ("chr19", 1220401, "G", "T", "E165*"),
        ("chr19", 1220429, "A", "G", "H174R"),
    ],
    "TP53": [
        ("chr17", 7675088, "C", "T", "R175H"),
        ("chr17", 7674220, "C", "T", "R248Q"),
        ("chr17", 7674221, "G", "A", "R248W"),
        ("chr17", 7673802, "C", "T", "R273H"),
        ("chr17", 7673803, "G", "A", "R273C"),
    ],
}
#: GRCh38 gene intervals (org.Hs.eg.db 3.16.0): gene -> (contig, start, end, Ensembl ID)
INTERVALS = {
    "ATM": ("chr11", 108223066, 108369102, "ENSG00000149311"),
    "BRCA1": ("chr17", 43044294, 43125364, "ENSG00000012048"),
    "BRCA2": ("chr13", 32315507, 32400268, "ENSG00000139618"),
    "TTN": ("chr2", 178525990, 178807423, "ENSG00000155657"),
    "MUC16": ("chr19", 8848843, 8981342, "ENSG00000181143"),
    "CSMD3": ("chr8", 112222929, 113436939, "ENSG00000164796"),
    "LRP1B": ("chr2", 140231422, 142131016, "ENSG00000168702"),
    "RYR2": ("chr1", 237042183, 237833988, "ENSG00000198626"),
    "SYNE1": ("chr6", 152121683, 152636851, "ENSG00000131018"),
}
GENE_IDS = {
    "NFE2L2": "ENSG00000116044",
    "KEAP1": "ENSG00000079999",
    "CUL3": "ENSG00000036257",
    "STK11": "ENSG00000118046",
    "TP53": "ENSG00000141510",
    **{g: v[3] for g, v in INTERVALS.items()},
}
PASSENGER_GENES = ("TTN", "MUC16", "CSMD3", "LRP1B", "RYR2", "SYNE1")
CSQ_FIELDS = "Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|HGVSp"
CALLABLE_MB = 30.0  # the simulated panel's declared callable size
_AA3 = {
    "A": "Ala",
    "R": "Arg",
    "N": "Asn",
    "D": "Asp",
    "C": "Cys",
    "Q": "Gln",
    "E": "Glu",
    "G": "Gly",
    "H": "His",
    "I": "Ile",
    "L": "Leu",
    "K": "Lys",
    "M": "Met",
    "F": "Phe",
    "P": "Pro",
    "S": "Ser",
    "T": "Thr",
    "W": "Trp",
    "Y": "Tyr",
    "V": "Val",
}
_CHANGE = re.compile(r"([A-Z])(\d+)([A-Z*]|fs)")
_IMPACT = {
    "missense_variant": "MODERATE",
    "stop_gained": "HIGH",
    "frameshift_variant": "HIGH",
    "synonymous_variant": "LOW",
    "intron_variant": "MODIFIER",
}


def _hgvsp(change: str) -> str:
    """One-letter protein change → VEP-style HGVSp: ``R175H`` → ``p.Arg175His``."""
    ref, pos, alt = _CHANGE.fullmatch(change).groups()
    if alt == "fs":
        return f"p.{_AA3[ref]}{pos}fs"
    if alt == "*":
        return f"p.{_AA3[ref]}{pos}Ter"
    return f"p.{_AA3[ref]}{pos}{'=' if alt == ref else _AA3[alt]}"


_MUTATION_FIELDS = (
    "sample_id",
    "chrom",
    "pos",
    "ref",
    "alt",
    "gene",
    "consequence",
    "protein_change",
)


def _record(*values, driver: bool, hotspot: bool) -> dict:
    """A mutation row from the values of ``_MUTATION_FIELDS`` (in that order)."""
    row = dict(zip(_MUTATION_FIELDS, values, strict=True))
    return {**row, "pos": int(row["pos"]), "driver": driver, "hotspot": hotspot}


def _random_change(rng: np.random.Generator, consequence: str) -> str:
    aa = list(_AA3)
    ref, pos = aa[rng.integers(len(aa))], int(rng.integers(10, 2000))
    if consequence == "stop_gained":
        return f"{ref}{pos}*"
    if consequence == "frameshift_variant":
        return f"{ref}{pos}fs"
    if consequence == "synonymous_variant":
        return f"{ref}{pos}{ref}"
    if consequence == "missense_variant":
        return f"{ref}{pos}{aa[(aa.index(ref) + rng.integers(1, len(aa))) % len(aa)]}"
    return ""


def _in_gene(rng, sample, gene, consequence, *, driver):
    chrom, start, end, _ = INTERVALS[gene]
    pos = int(rng.integers(start, end))
    bases = "ACGT"
    ref = bases[rng.integers(4)]
    if consequence == "frameshift_variant":  # 1-bp deletion, left-anchored
        ref, alt = ref + bases[rng.integers(4)], ref
    else:
        alt = bases[(bases.index(ref) + rng.integers(1, 4)) % 4]
    change = _random_change(rng, consequence)
    return _record(
        sample, chrom, pos, ref, alt, gene, consequence, change, driver=driver, hotspot=False
    )


def simulate_mutations(tumours: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Return somatic mutations (with VAF, depth and FILTER) for every tumour."""
    rows = []
    for sample, t in tumours.iterrows():
        drivers = []
        if t["nrf2_mutant"]:
            drivers.append(rng.choice(["NFE2L2", "KEAP1", "CUL3"], p=[0.5, 0.4, 0.1]))
        if t["stk11_mutant"]:
            drivers.append("STK11")
        if t["tp53_mutant"]:
            drivers.append("TP53")
        for gene in drivers:
            chrom, pos, ref, alt, change = HOTSPOTS[gene][rng.integers(len(HOTSPOTS[gene]))]
            consequence = "stop_gained" if change.endswith("*") else "missense_variant"
            rows.append(
                _record(
                    sample,
                    chrom,
                    pos,
                    ref,
                    alt,
                    gene,
                    consequence,
                    change,
                    driver=True,
                    hotspot=True,
                )
            )
        if t["repair_defect"]:
            gene = rng.choice(["ATM", "BRCA1", "BRCA2"], p=[0.5, 0.25, 0.25])
            consequence = rng.choice(["stop_gained", "frameshift_variant"])
            rows.append(_in_gene(rng, sample, gene, consequence, driver=True))
        tmb = np.exp(rng.normal(np.log(3.0), 0.6)) * (2.0 if t["repair_defect"] else 1.0)
        for _ in range(rng.poisson(tmb * CALLABLE_MB)):
            consequence = rng.choice(list(_IMPACT), p=[0.55, 0.04, 0.03, 0.25, 0.13])
            gene = rng.choice(PASSENGER_GENES)
            rows.append(_in_gene(rng, sample, gene, consequence, driver=False))
    muts = pd.DataFrame(rows)
    purity = tumours["purity"].reindex(muts["sample_id"]).to_numpy()
    clonal = np.where(muts["driver"], 1.0, rng.uniform(0.3, 1.0, len(muts)))
    muts["depth"] = rng.poisson(150, len(muts)) + 10
    muts["alt_reads"] = rng.binomial(muts["depth"], purity * clonal / 2)
    muts["vaf"] = (muts["alt_reads"] / muts["depth"]).round(4)
    weak = (~muts["driver"]) & (rng.random(len(muts)) < 0.08)
    muts["filter"] = np.where(weak, "weak_evidence", "PASS")
    muts.loc[weak, "alt_reads"] = np.minimum(muts.loc[weak, "alt_reads"], 3)
    return muts


def write_vcf(muts: pd.DataFrame, sample: str, path: Path, rng: np.random.Generator) -> Path:
    """Write one tumour's calls as a bgzipped, tabix-indexed Mutect2-style VCF; return its path."""
    tumour, normal = f"{sample}-T", f"{sample}-N"
    header = pysam.VariantHeader()
    header.add_line(
        "##source=rtpredict simulate (synthetic somatic calls: hotspot alleles are real "
        "GRCh38 Cancer Hotspots v2 records; other reference alleles are random)"
    )
    header.add_line("##reference=GRCh38")
    contigs = contig_lengths("GRCh38")
    for contig, length in contigs.items():
        header.contigs.add(contig, length=length)
    header.add_line(f"##tumor_sample={tumour}")
    header.add_line(f"##normal_sample={normal}")
    header.add_line(
        '##FILTER=<ID=weak_evidence,Description="Mutation does not meet likelihood threshold">'
    )
    header.add_line(
        '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from '
        f'Ensembl VEP. Format: {CSQ_FIELDS}">'
    )
    header.add_line('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">')
    header.add_line(
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths for the ref and '
        'alt alleles in the order listed">'
    )
    header.add_line(
        '##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fractions of alternate alleles">'
    )
    header.add_line('##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth">')
    header.add_sample(tumour)
    header.add_sample(normal)
    order = {c: i for i, c in enumerate(contigs)}
    calls = muts.assign(_o=muts["chrom"].map(order)).sort_values(["_o", "pos"])
    calls = calls.drop_duplicates(["chrom", "pos", "ref", "alt"])
    plain = Path(str(path).removesuffix(".gz"))
    with pysam.VariantFile(str(plain), "w", header=header) as vcf:
        for m in calls.itertuples():
            rec = vcf.new_record(
                contig=m.chrom,
                start=m.pos - 1,
                stop=m.pos - 1 + len(m.ref),
                alleles=(m.ref, m.alt),
                filter=m.filter,
            )
            allele = "-" if len(m.alt) < len(m.ref) else m.alt
            csq = [
                allele,
                m.consequence,
                _IMPACT[m.consequence],
                m.gene,
                GENE_IDS[m.gene],
                "Transcript",
                "",
                "protein_coding",
                _hgvsp(m.protein_change) if m.protein_change else "",
            ]
            rec.info["CSQ"] = ("|".join(csq),)
            ref_reads = m.depth - m.alt_reads
            rec.samples[tumour].update(
                GT=(0, 1), AD=(ref_reads, m.alt_reads), AF=(m.vaf,), DP=m.depth
            )
            normal_depth = int(rng.poisson(80)) + 5
            rec.samples[normal].update(GT=(0, 0), AD=(normal_depth, 0), AF=(0.0,), DP=normal_depth)
            vcf.write(rec)
    return Path(pysam.tabix_index(str(plain), preset="vcf", force=True))
