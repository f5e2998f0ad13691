"""Sequence Ontology consequence terms: severity order, synonyms, and what counts as coding.

The severity order is Ensembl VEP's (most severe first); SnpEff's own terms are mapped to their
VEP equivalent. **Non-synonymous** (what makes a panel gene "mutated") means a change to the
protein or its splicing: missense, stop gained (nonsense), stop lost, start lost, frameshift,
in-frame insertion or deletion, other protein-altering change, splice donor or acceptor site,
and loss of the whole transcript. Splice *region*, synonymous, UTR, intronic and non-coding
changes are not. **Truncating** is the subset stop gained, frameshift, splice donor/acceptor,
start lost, exon loss and transcript ablation. **Coding** (counted by TMB) is non-synonymous plus
synonymous, stop/start retained, incomplete terminal codon and unspecified coding-sequence
changes.
"""

from __future__ import annotations

from functools import lru_cache

SEVERITY = (
    "transcript_ablation",
    "splice_acceptor_variant",
    "splice_donor_variant",
    "stop_gained",
    "frameshift_variant",
    "stop_lost",
    "start_lost",
    "transcript_amplification",
    "feature_elongation",
    "feature_truncation",
    "inframe_insertion",
    "inframe_deletion",
    "missense_variant",
    "protein_altering_variant",
    "splice_donor_5th_base_variant",
    "splice_region_variant",
    "splice_donor_region_variant",
    "splice_polypyrimidine_tract_variant",
    "incomplete_terminal_codon_variant",
    "start_retained_variant",
    "stop_retained_variant",
    "synonymous_variant",
    "coding_sequence_variant",
    "mature_miRNA_variant",
    "5_prime_UTR_variant",
    "3_prime_UTR_variant",
    "non_coding_transcript_exon_variant",
    "intron_variant",
    "NMD_transcript_variant",
    "non_coding_transcript_variant",
    "coding_transcript_variant",
    "upstream_gene_variant",
    "downstream_gene_variant",
    "TFBS_ablation",
    "TFBS_amplification",
    "TF_binding_site_variant",
    "regulatory_region_ablation",
    "regulatory_region_amplification",
    "regulatory_region_variant",
    "intergenic_variant",
    "sequence_variant",
)

#: SnpEff (and older VEP) terms -> the VEP term of the same meaning
ALIASES = {
    "exon_loss_variant": "transcript_ablation",
    "gene_fusion": "transcript_ablation",
    "bidirectional_gene_fusion": "transcript_ablation",
    "disruptive_inframe_insertion": "inframe_insertion",
    "conservative_inframe_insertion": "inframe_insertion",
    "disruptive_inframe_deletion": "inframe_deletion",
    "conservative_inframe_deletion": "inframe_deletion",
    "non_coding_exon_variant": "non_coding_transcript_exon_variant",
    "nc_transcript_variant": "non_coding_transcript_variant",
    "5_prime_UTR_premature_start_codon_gain_variant": "5_prime_UTR_variant",
    "intragenic_variant": "intron_variant",
    "intergenic_region": "intergenic_variant",
    "conserved_intergenic_variant": "intergenic_variant",
    "conserved_intron_variant": "intron_variant",
}

#: Sequence Ontology consequences that change the protein (qualifying mutations, TMB)
NON_SYNONYMOUS = frozenset(
    {
        "transcript_ablation",
        "splice_acceptor_variant",
        "splice_donor_variant",
        "stop_gained",
        "frameshift_variant",
        "stop_lost",
        "start_lost",
        "inframe_insertion",
        "inframe_deletion",
        "missense_variant",
        "protein_altering_variant",
    }
)
#: consequences that truncate or abolish the protein (a group's ``qualifying: truncating``)
TRUNCATING = frozenset(
    {
        "transcript_ablation",
        "splice_acceptor_variant",
        "splice_donor_variant",
        "stop_gained",
        "frameshift_variant",
        "start_lost",
    }
)
CODING = NON_SYNONYMOUS | {
    "incomplete_terminal_codon_variant",
    "start_retained_variant",
    "stop_retained_variant",
    "synonymous_variant",
    "coding_sequence_variant",
}

_RANK = {term: i for i, term in enumerate(SEVERITY)}
_UNKNOWN_RANK = len(SEVERITY)

#: VEP's impact class of each term; terms not listed are MODIFIER
IMPACT = {
    **dict.fromkeys(SEVERITY[:10], "HIGH"),
    **dict.fromkeys(SEVERITY[10:14], "MODERATE"),
    **dict.fromkeys(SEVERITY[14:22], "LOW"),
}


def canonical_term(term: str) -> str:
    """Return the VEP name of a consequence term (SnpEff synonyms mapped)."""
    return ALIASES.get(term, term)


@lru_cache(maxsize=4096)
def most_severe(terms: str) -> tuple[str | None, int]:
    """Return the most severe term of an ``&``-joined list and its rank (0 = most severe).

    Unknown terms rank after all known ones; an empty string gives ``(None, unknown rank)``.
    """
    best, best_rank = None, _UNKNOWN_RANK + 1
    for raw in terms.split("&"):
        if not raw:
            continue
        term = canonical_term(raw)
        rank = _RANK.get(term, _UNKNOWN_RANK)
        if rank < best_rank:
            best, best_rank = term, rank
    return best, best_rank


def hotspot_consequence(maf_class: str, ref: str, alt: str) -> str:
    """Return the SO term of a Cancer Hotspots allele from its MAF class and trimmed alleles."""
    if maf_class == "Missense_Mutation":
        return "missense_variant"
    if maf_class == "Nonsense_Mutation":
        return "stop_gained"
    change = len(alt) - len(ref)
    if change % 3:
        return "frameshift_variant"
    if change > 0:
        return "inframe_insertion"
    if change < 0:
        return "inframe_deletion"
    return "protein_altering_variant"
