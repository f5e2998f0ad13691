"""CSQ/ANN parsing, consequence ranking, allele trimming: unit tests with hand-made entries."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from rtpredict.genomics._alleles import maf_insertion_to_trimmed, trim_alleles, variant_class
from rtpredict.genomics._annotation import AnnotationReader, short_protein_change, vep_alleles
from rtpredict.genomics._consequences import (
    CODING,
    IMPACT,
    NON_SYNONYMOUS,
    SEVERITY,
    TRUNCATING,
    hotspot_consequence,
    most_severe,
)

VEP = "Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|HGVSp"
VEP_PICK = VEP + "|CANONICAL|PICK|ALLELE_NUM"


def reader(fields: str, key: str = "CSQ") -> AnnotationReader:
    return AnnotationReader.from_header(
        {key: f"Consequence annotations from Ensembl VEP. Format: {fields}"}
    )


def annotate(annotation: AnnotationReader, entries, ref: str, alts: tuple[str, ...]) -> list:
    """The chosen annotation of each alt of one record (None: no entry of that alt chosen)."""
    raw = ",".join(entries).encode() if entries else b""
    span = (np.array([0 if entries else -1]), np.array([len(raw)]))
    text = np.frombuffer(raw, np.uint8)
    chosen = annotation.choose(raw, text, *span, [ref], list(alts), np.array([len(alts)]))
    fields = [dict(zip(chosen._fields, row, strict=True)) for row in zip(*chosen, strict=True)]
    rows = [SimpleNamespace(**values) for values in fields]
    return [None if all(v is None for v in vars(row).values()) else row for row in rows]


@pytest.mark.parametrize(
    ("hgvsp", "short"),
    [
        ("ENSP00000269305.4:p.Arg175His", "R175H"),
        ("p.Arg213Ter", "R213*"),
        ("ENSP1:p.Leu22ProfsTer5", "L22Pfs*5"),
        ("p.Leu22%3D", "L22="),
        ("p.(Gly12Asp)", "G12D"),
        ("p.Glu746_Ala750del", "E746_A750del"),
        ("p.Ter394GlnextTer12", "*394Qext*12"),
        ("p.Met1?", "M1?"),
    ],
)
def test_short_protein_change(hgvsp, short):
    assert short_protein_change(hgvsp) == short


@pytest.mark.parametrize(
    ("ref", "alts", "expected"),
    [
        ("C", ("T",), ["T"]),
        ("CA", ("C",), ["-"]),
        ("A", ("AT",), ["T"]),
        ("C", ("A", "T"), ["A", "T"]),
        ("CA", ("C", "CAA"), ["-", "AA"]),
        ("CA", ("C", "CTA"), ["-", "TA"]),  # shared first base stripped from every allele
        ("CA", ("C", "TA"), ["C", "TA"]),  # TA does not share it: nothing stripped
        ("CA", ("GA", "C"), ["GA", "C"]),  # first bases differ: nothing stripped
        ("AT", ("GC",), ["GC"]),  # MNV: nothing stripped
    ],
)
def test_vep_alleles(ref, alts, expected):
    assert vep_alleles(ref, alts) == expected


def test_pick_flag_beats_severity_and_allele_num_beats_allele_string():
    csq = reader(VEP_PICK)
    entries = (
        "T|stop_gained|HIGH|GENEA|G1|Transcript|T1|protein_coding|p.Arg1Ter|||1",
        "T|missense_variant|MODERATE|GENEB|G2|Transcript|T2|protein_coding|p.Arg2His||1|1",
        # ALLELE_NUM=2: belongs to the second alt although its Allele string says T
        "T|synonymous_variant|LOW|GENEC|G3|Transcript|T3|protein_coding|p.Arg3%3D|||2",
    )
    first, second = annotate(csq, entries, "C", ("T", "G"))
    assert first.gene == "GENEB"
    assert first.consequence == "missense_variant"
    assert second.gene == "GENEC"
    assert second.protein_change == "R3="


def test_canonical_beats_severity_then_protein_coding_then_severity():
    csq = reader(VEP_PICK)
    entries = (
        "T|stop_gained|HIGH|A|G|Transcript|T1|nonsense_mediated_decay|p.Arg1Ter|||",
        "T|intron_variant|MODIFIER|B|G|Transcript|T2|protein_coding||YES||",
    )
    assert annotate(csq, entries, "C", ("T",))[0].gene == "B"
    no_canonical = (
        "T|stop_gained|HIGH|A|G|Transcript|T1|nonsense_mediated_decay|p.Arg1Ter|||",
        "T|missense_variant|MODERATE|B|G|Transcript|T2|protein_coding|p.Arg1His|||",
        "T|stop_lost|HIGH|C|G|Transcript|T3|protein_coding|p.Ter1Arg|||",
    )
    assert annotate(csq, no_canonical, "C", ("T",))[0].gene == "C"


def test_ampersand_terms_take_most_severe_and_missing_impact_is_derived():
    csq = reader("Allele|Consequence|SYMBOL")
    (chosen,) = annotate(csq, ("T|splice_region_variant&missense_variant|TP53",), "C", ("T",))
    assert chosen.consequence == "missense_variant"
    assert chosen.impact == "MODERATE"
    assert chosen.protein_change is None


def test_alleles_without_entries_get_none_and_empty_info():
    csq = reader(VEP)
    assert annotate(csq, None, "C", ("T",)) == [None]
    assert annotate(csq, ("A|missense_variant|MODERATE|X|G|T|T|protein_coding|",), "C", ("T",)) == [
        None
    ]


def test_header_without_allele_field_yields_no_annotation():
    csq = reader("Consequence|SYMBOL")
    assert not csq.complete
    assert annotate(csq, ("missense_variant|X",), "C", ("T",)) == [None]


def test_snpeff_header_format_and_ann_alleles():
    ann = AnnotationReader.from_header(
        {
            "ANN": "Functional annotations: 'Allele | Annotation | Annotation_Impact | Gene_Name "
            "| Gene_ID | Feature_Type | Feature_ID | Transcript_BioType | Rank | HGVS.c | HGVS.p' "
        }
    )
    assert ann.key == "ANN"
    assert ann.fields[0] == "Allele"
    assert ann.fields[-1] == "HGVS.p"
    entries = ("CAA|conservative_inframe_insertion|MODERATE|X|G|transcript|T|protein_coding|||",)
    (chosen,) = annotate(ann, entries, "C", ("CAA",))  # SnpEff keeps the VCF allele as written
    assert chosen.consequence == "inframe_insertion"


def test_csq_preferred_over_ann():
    both = AnnotationReader.from_header(
        {"ANN": "'Allele | Annotation'", "CSQ": "Format: Allele|Consequence"}
    )
    assert both.key == "CSQ"


def test_consequence_sets_are_consistent():
    assert TRUNCATING <= NON_SYNONYMOUS <= CODING
    assert "synonymous_variant" not in NON_SYNONYMOUS
    assert "synonymous_variant" in CODING
    assert "splice_region_variant" not in CODING
    assert set(SEVERITY) >= NON_SYNONYMOUS
    assert all(IMPACT[t] in ("HIGH", "MODERATE") for t in NON_SYNONYMOUS)
    assert most_severe("intron_variant&nonsense_thing")[0] == "intron_variant"
    assert most_severe("")[0] is None


@pytest.mark.parametrize(
    ("maf_class", "ref", "alt", "term"),
    [
        ("Missense_Mutation", "C", "T", "missense_variant"),
        ("Nonsense_Mutation", "C", "A", "stop_gained"),
        ("DEL", "ABC", "", "inframe_deletion"),
        ("DEL", "A", "", "frameshift_variant"),
        ("INS", "", "AAAAAA", "inframe_insertion"),
        ("INS", "", "AA", "frameshift_variant"),
        ("DEL", "GAAAA", "GA", "inframe_deletion"),
    ],
)
def test_hotspot_consequence(maf_class, ref, alt, term):
    assert hotspot_consequence(maf_class, ref, alt) == term


@pytest.mark.parametrize(
    ("vcf", "trimmed"),
    [
        ((100, "C", "T"), (100, "C", "T")),
        ((100, "CA", "C"), (101, "A", "")),
        ((100, "A", "AA"), (101, "", "A")),  # in a repeat the anchor base still goes first
        ((100, "GG", "AG"), (100, "G", "A")),  # shared suffix trimmed
        ((100, "TTAAGAGAA", "C"), (100, "TTAAGAGAA", "C")),
        ((100, "cA", "c"), (101, "A", "")),
    ],
)
def test_trim_alleles(vcf, trimmed):
    assert trim_alleles(*vcf) == trimmed


def test_maf_insertion_sits_after_its_anchor():
    assert maf_insertion_to_trimmed(100, "-", "A") == trim_alleles(100, "C", "CA")
    assert maf_insertion_to_trimmed(101, "A", "-") == trim_alleles(100, "CA", "C")


@pytest.mark.parametrize(
    ("ref", "alt", "kind"),
    [
        ("C", "T", "SNV"),
        ("CC", "TT", "MNV"),
        ("", "A", "insertion"),
        ("A", "", "deletion"),
        ("AT", "G", "complex"),
    ],
)
def test_variant_class(ref, alt, kind):
    assert variant_class(ref, alt) == kind
