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
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import pandas as pd

from rtpredict.genomics._consequences import IMPACT, most_severe
from rtpredict.genomics._spans import span_strings, span_texts
from rtpredict.kernels import subfield_spans

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


class Annotations(NamedTuple):
    """The annotation kept for each alternate allele: one object array per field (None = none)."""

    gene: np.ndarray
    consequence: np.ndarray
    impact: np.ndarray
    protein_change: np.ndarray


def no_annotations(n: int) -> Annotations:
    """Return the annotations of ``n`` alleles that have none."""
    return Annotations(*(np.full(n, None, dtype=object) for _ in Annotations._fields))


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
    """Choose one annotation per alternate allele from records' CSQ or ANN entries."""

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
        self._read = (
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
        self._width = max((i for i in self._read if i is not None), default=-1) + 1

    @classmethod
    def from_header(cls, info: dict[str, str]) -> AnnotationReader | None:
        """Build a reader from ``{INFO key: description}``; CSQ is preferred over ANN."""
        for key in ("CSQ", "ANN"):
            if key in info:
                return cls(key, _format_fields(info[key]))
        return None

    def choose(
        self,
        raw: bytes,
        text: np.ndarray,
        starts: np.ndarray,
        ends: np.ndarray,
        refs: Sequence[str],
        alts: Sequence[str],
        n_alts: np.ndarray,
    ) -> Annotations:
        """Choose the annotation of every alt allele of many records at once.

        Parameters
        ----------
        raw
            UTF-8 bytes holding the records' CSQ/ANN values (entries joined by ``,``).
        text
            ``raw`` as uint8.
        starts, ends
            Each record's value span in ``raw`` (``start == -1`` when absent).
        refs
            Each record's REF as written.
        alts
            The ALT alleles as written, every record's in turn.
        n_alts
            Each record's number of ALT alleles.

        Returns
        -------
        Annotations
            One entry per alt allele, in the order of ``alts``; alleles without a matching entry
            get None in every field.
        """
        chosen = no_annotations(len(alts))
        if not self.complete:
            return chosen
        record, field_starts, field_ends = subfield_spans(text, starts, ends, width=self._width)
        if not len(record):
            return chosen

        def field(index: int | None, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
            """The texts of one field (empty strings when the header lacks it)."""
            if index is None:
                return np.full(len(record[rows]), "", dtype=object)
            return span_texts(raw, text, field_starts[rows, index], field_ends[rows, index])

        first = np.cumsum(n_alts) - n_alts
        labels = self._labels(refs, alts, n_alts, first)
        slot = _slots(
            labels, np.repeat(np.arange(len(n_alts)), n_alts), field(self._allele), record
        )
        if self._allele_num is not None:
            slot = _numbered(field(self._allele_num), slot, record, n_alts, first)
        kept = np.flatnonzero(slot >= 0)
        if not len(kept):
            return chosen
        picked = field(self._pick, kept) == "1"
        canonical = field(self._canonical, kept) == "YES"
        canonical |= field(self._mane, kept) != ""
        coding = field(self._biotype, kept) == "protein_coding"
        consequence = (field_starts[kept, self._consequence], field_ends[kept, self._consequence])
        codes, written = span_strings(raw, text, *consequence)
        best = [most_severe(t) for t in written]
        severity = np.array([rank for _, rank in best], np.int64)[codes]
        order = np.lexsort((kept, severity, ~coding, ~canonical, ~picked, slot[kept]))
        ranked = slot[kept][order]
        win = order[np.r_[True, ranked[1:] != ranked[:-1]]]
        winners, rows = kept[win], slot[kept[win]]
        terms = np.array([term for term, _ in best], dtype=object)
        implied = np.array([IMPACT.get(t, "MODIFIER") if t else None for t in terms], object)
        chosen.consequence[rows] = terms[codes[win]]
        impact = field(self._impact, winners)
        chosen.impact[rows] = np.where(impact != "", impact, implied[codes[win]])
        gene = field(self._symbol, winners)
        chosen.gene[rows] = np.where(gene != "", gene, None)
        proteins, written = pd.factorize(field(self._protein, winners))
        short = [short_protein_change(p) if p else None for p in written]
        chosen.protein_change[rows] = np.array(short, dtype=object)[proteins]
        return chosen

    def _labels(
        self, refs: Sequence[str], alts: Sequence[str], n_alts: np.ndarray, first: np.ndarray
    ) -> list[str]:
        """Return the allele string entries name each alt by (VEP's for CSQ, else the ALT)."""
        labels = list(alts)
        if self.key != "CSQ":
            return labels
        lengths = np.fromiter(map(len, alts), np.int64, len(alts))
        ref_lengths = np.fromiter(map(len, refs), np.int64, len(refs))
        plain = (n_alts == 1) & (lengths[np.minimum(first, len(alts) - 1)] == ref_lengths)
        for i in np.flatnonzero(~plain).tolist():
            start, stop = int(first[i]), int(first[i] + n_alts[i])
            labels[start:stop] = vep_alleles(refs[i], tuple(alts[start:stop]))
        return labels


def _slots(
    labels: list[str], owner: np.ndarray, alleles: np.ndarray, record: np.ndarray
) -> np.ndarray:
    """Return the allele row whose record and label match each entry's, -1 for none.

    Where a record names two alts alike, the later one wins.
    """
    codes, _ = pd.factorize(np.concatenate([np.asarray(labels, dtype=object), alleles]))
    span = int(codes.max()) + 1
    row_keys = owner * span + codes[: len(labels)]
    entry_keys = record * span + codes[len(labels) :]
    order = np.lexsort((np.arange(len(row_keys)), row_keys))
    sorted_keys = row_keys[order]
    at = np.searchsorted(sorted_keys, entry_keys, side="right") - 1
    inside = at >= 0
    found = inside & (sorted_keys[np.maximum(at, 0)] == entry_keys)
    return np.where(found, order[np.maximum(at, 0)], -1)


def _numbered(
    numbers: np.ndarray, slot: np.ndarray, record: np.ndarray, n_alts: np.ndarray, first: np.ndarray
) -> np.ndarray:
    """Apply VEP's ``ALLELE_NUM`` (1-based alt number) where an entry gives one."""
    text = numbers.tolist()
    numbered = np.fromiter((n.isascii() and n.isdigit() for n in text), bool, len(text))
    number = np.array([int(n) if ok else 0 for n, ok in zip(text, numbered, strict=True)], np.int64)
    inside = (number >= 1) & (number <= n_alts[record])
    return np.where(numbered, np.where(inside, first[record] + number - 1, -1), slot)
