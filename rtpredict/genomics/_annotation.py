"""Read Ensembl VEP ``CSQ`` and SnpEff ``ANN`` annotations: one gene and consequence per allele.

Which transcript's annotation is kept for an alternate allele:

1. entries of that allele only (VEP: ``ALLELE_NUM`` when present, else VEP's allele string, whose
   shared first base is dropped for indels; SnpEff: the ALT as written);
2. if VEP flagged an entry with ``PICK=1``, only flagged entries;
3. then the canonical transcript first (``CANONICAL=YES`` or a ``MANE_SELECT`` value), then
   protein-coding biotypes, then the most severe consequence (VEP's order), then the order
   written in the file.

So on a canonical transcript the canonical consequence wins even when another transcript has a
more severe one, as with VEP ``--pick``; without a canonical flag the most severe consequence of
a protein-coding transcript wins. An entry's consequence is its most severe ``&``-joined term,
SnpEff synonyms mapped to VEP terms. SnpEff's cancer-mode alleles (``ALT-REF``) are not matched.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from rtpredict.genomics._consequences import IMPACT, most_severe

_AA3 = {
    "Ala": "A",
    "Arg": "R",
    "Asn": "N",
    "Asp": "D",
    "Cys": "C",
    "Gln": "Q",
    "Glu": "E",
    "Gly": "G",
    "His": "H",
    "Ile": "I",
    "Leu": "L",
    "Lys": "K",
    "Met": "M",
    "Phe": "F",
    "Pro": "P",
    "Ser": "S",
    "Thr": "T",
    "Trp": "W",
    "Tyr": "Y",
    "Val": "V",
    "Ter": "*",
    "Sec": "U",
    "Pyl": "O",
    "Xaa": "X",
}
_AA3_PATTERN = re.compile("|".join(_AA3))

#: field names per annotation key: allele, consequence, impact, gene symbol, biotype, protein
_FIELDS = {
    "CSQ": ("Allele", "Consequence", "IMPACT", "SYMBOL", "BIOTYPE", "HGVSp"),
    "ANN": (
        "Allele",
        "Annotation",
        "Annotation_Impact",
        "Gene_Name",
        "Transcript_BioType",
        "HGVS.p",
    ),
}


class Annotation(NamedTuple):
    """The annotation kept for one alternate allele."""

    gene: str | None
    consequence: str | None
    impact: str | None
    protein_change: str | None


@lru_cache(maxsize=1 << 16)
def short_protein_change(hgvsp: str) -> str | None:
    """Return an HGVS protein change in short one-letter form: ``p.Arg175His`` -> ``R175H``.

    A transcript/protein prefix (``ENSP...:``), VEP's escaped ``%3D`` and parentheses are removed;
    ``Ter`` becomes ``*`` (``p.Arg213Ter`` -> ``R213*``, ``p.Leu22ProfsTer5`` -> ``L22Pfs*5``).
    """
    text = hgvsp.rpartition(":")[2].replace("%3D", "=")
    text = text.removeprefix("p.").strip("()")
    return _AA3_PATTERN.sub(lambda m: _AA3[m.group(0)], text) or None


def vep_alleles(ref: str, alts: tuple[str, ...]) -> list[str]:
    """Return VEP's allele strings: a shared first base is dropped when any alt is an indel."""
    if any(len(alt) != len(ref) for alt in alts) and all(alt[:1] == ref[:1] for alt in alts):
        return [alt[1:] or "-" for alt in alts]
    return list(alts)


def _format_fields(description: str) -> list[str]:
    """Return the ``|``-separated field names declared in an INFO description."""
    text = description.partition("Format:")[2] if "Format:" in description else description
    if "'" in text:
        text = text.split("'")[1]
    return [field.strip().strip("\"' ") for field in text.split("|")]


class AnnotationReader:
    """Choose one annotation per alternate allele from a record's CSQ or ANN entries."""

    def __init__(self, key: str, fields: list[str]) -> None:
        self.key = key
        self.fields = fields
        index = {name: i for i, name in enumerate(fields)}
        names = _FIELDS[key]
        self._allele, self._consequence = index.get(names[0]), index.get(names[1])
        self._impact, self._symbol = index.get(names[2]), index.get(names[3])
        self._biotype, self._protein = index.get(names[4]), index.get(names[5])
        self._canonical, self._mane = index.get("CANONICAL"), index.get("MANE_SELECT")
        self._pick, self._allele_num = index.get("PICK"), index.get("ALLELE_NUM")
        self.complete = self._allele is not None and self._consequence is not None
        read = (
            self._allele,
            self._consequence,
            self._impact,
            self._symbol,
            self._biotype,
            self._protein,
            self._canonical,
            self._mane,
            self._pick,
            self._allele_num,
        )
        #: fields past the last one read stay unsplit (VEP writes dozens per entry)
        self._width = max((i for i in read if i is not None), default=-1) + 1

    @classmethod
    def from_header(cls, info: dict[str, str]) -> AnnotationReader | None:
        """Build a reader from ``{INFO key: description}``; CSQ is preferred over ANN."""
        for key in ("CSQ", "ANN"):
            if key in info:
                return cls(key, _format_fields(info[key]))
        return None

    def annotate(
        self, entries: tuple[str, ...] | None, ref: str, alts: tuple[str, ...]
    ) -> list[Annotation | None]:
        """Return the chosen annotation of each alt allele (None when it has no entry)."""
        chosen: list[Annotation | None] = [None] * len(alts)
        if not entries or not self.complete:
            return chosen
        same_length = len(alts) == 1 and len(alts[0]) == len(ref)
        labels = vep_alleles(ref, alts) if self.key == "CSQ" and not same_length else alts
        slot_of = {label: i for i, label in enumerate(labels)}
        candidates: list[list[list[str]]] = [[] for _ in alts]
        width, allele, allele_num = self._width, self._allele, self._allele_num
        for entry in entries:
            values = entry.split("|", width)
            if len(values) < width:
                values += [""] * (width - len(values))
            if allele_num is not None and values[allele_num].isdigit():
                slot = int(values[allele_num]) - 1
                slot = slot if 0 <= slot < len(alts) else None
            else:
                slot = slot_of.get(values[allele])
            if slot is not None:
                candidates[slot].append(values)
        for slot, values_list in enumerate(candidates):
            if values_list:
                chosen[slot] = self._choose(values_list)
        return chosen

    def _rank(self, values: list[str]) -> tuple[bool, bool, int]:
        """Sort key: canonical first, then protein-coding, then most severe (min is stable)."""
        canonical = (self._canonical is not None and values[self._canonical] == "YES") or (
            self._mane is not None and bool(values[self._mane])
        )
        coding = self._biotype is not None and values[self._biotype] == "protein_coding"
        return (not canonical, not coding, most_severe(values[self._consequence])[1])

    def _choose(self, values_list: list[list[str]]) -> Annotation:
        pool = values_list
        if self._pick is not None:
            pool = [v for v in values_list if v[self._pick] == "1"] or values_list
        best = pool[0] if len(pool) == 1 else min(pool, key=self._rank)
        consequence = most_severe(best[self._consequence])[0]
        impact = best[self._impact] if self._impact is not None and best[self._impact] else None
        protein = best[self._protein] if self._protein is not None else ""
        gene = best[self._symbol] if self._symbol is not None else ""
        return Annotation(
            gene=gene or None,
            consequence=consequence,
            impact=impact or (IMPACT.get(consequence, "MODIFIER") if consequence else None),
            protein_change=short_protein_change(protein) if protein else None,
        )
