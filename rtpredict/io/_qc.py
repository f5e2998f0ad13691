"""Readers for per-sample QC outputs: fastp JSON, salmon metadata, STAR and BAM QC logs."""

from __future__ import annotations

import json
import os
from pathlib import Path

from rtpredict.errors import InputError

#: salmon library type -> strandedness in words and featureCounts' -s value
STRANDEDNESS = {
    "ISR": ("reverse", 2),
    "SR": ("reverse", 2),
    "ISF": ("forward", 1),
    "SF": ("forward", 1),
    "IU": ("unstranded", 0),
    "U": ("unstranded", 0),
}
#: share of read pairs in one orientation above which a library counts as stranded
STRANDED_FRACTION = 0.8


def _load_json(path: str | os.PathLike) -> dict:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise InputError(f"{path}: cannot read JSON: {err}") from err


def read_fastp(path: str | os.PathLike) -> dict[str, float]:
    """Read a fastp JSON report: read pairs, pairs kept, adapter-trimmed reads, Q30, duplication.

    Parameters
    ----------
    path
        fastp's JSON report.

    Returns
    -------
    dict of str to float
        The metrics by name.
    """
    report = _load_json(path)
    try:
        before = report["summary"]["before_filtering"]
        after = report["summary"]["after_filtering"]
        return {
            "n_read_pairs": before["total_reads"] / 2,
            "n_read_pairs_trimmed": after["total_reads"] / 2,
            "q30_rate": before["q30_rate"],
            "adapter_trimmed_reads": report["adapter_cutting"]["adapter_trimmed_reads"]
            if "adapter_cutting" in report
            else 0,
            "duplication_rate": report.get("duplication", {}).get("rate", float("nan")),
        }
    except KeyError as err:
        raise InputError(f"{path}: not a fastp JSON report (missing {err})") from err


def library_type_from_counts(lib: dict) -> tuple[str, float]:
    """Infer the paired-end library type from salmon's per-orientation fragment counts.

    salmon's own ``expected_format`` is decided on the first ~10,000 fragments only and can
    say ``IU`` for a stranded library (COMBINE-lab/salmon#938); like nf-core/rnaseq we decide
    from all counts: the forward fraction ISF / (ISF + ISR) above ``STRANDED_FRACTION`` → ISF,
    below 1 − that → ISR, otherwise IU. Returns the type and the forward fraction.
    """
    forward, reverse = lib.get("ISF", 0), lib.get("ISR", 0)
    if forward + reverse == 0:
        return lib.get("expected_format", "unknown"), float("nan")
    fraction = forward / (forward + reverse)
    if fraction > STRANDED_FRACTION:
        return "ISF", fraction
    if fraction < 1 - STRANDED_FRACTION:
        return "ISR", fraction
    return "IU", fraction


def read_salmon_qc(quant_dir: str | os.PathLike) -> dict[str, float | str]:
    """Read salmon's ``aux_info/meta_info.json`` and ``lib_format_counts.json``.

    Parameters
    ----------
    quant_dir
        salmon's output directory for one tumour.

    Returns
    -------
    dict
        The mapping rate (fraction), fragments processed and mapped, the library type
        (:func:`library_type_from_counts`; salmon's own guess as ``salmon_library_type``), its
        strandedness in words and salmon's version.
    """
    quant_dir = Path(quant_dir)
    meta = _load_json(quant_dir / "aux_info" / "meta_info.json")
    lib = _load_json(quant_dir / "lib_format_counts.json")
    library_type, forward_fraction = library_type_from_counts(lib)
    return {
        "mapping_rate": meta["percent_mapped"] / 100,
        "n_fragments_mapped": meta["num_mapped"],
        "library_type": library_type,
        "salmon_library_type": lib.get("expected_format", ""),
        "strand_forward_fraction": forward_fraction,
        "strandedness": STRANDEDNESS.get(library_type, ("unknown", None))[0],
        "compatible_fragment_ratio": lib.get("compatible_fragment_ratio", float("nan")),
        "salmon_version": meta.get("salmon_version", ""),
    }


def read_star_log(path: str | os.PathLike) -> dict[str, float]:
    """Read STAR's ``Log.final.out``: unique, multi-mapped and total mapping rates (fractions).

    Parameters
    ----------
    path
        STAR's ``Log.final.out``.

    Returns
    -------
    dict of str to float
        The rates by name.
    """
    fields = {}
    try:
        for line in Path(path).read_text().splitlines():
            if "|" in line:
                key, value = (s.strip() for s in line.split("|", 1))
                fields[key] = value
        unique = float(fields["Uniquely mapped reads %"].rstrip("%")) / 100
        multi = float(fields["% of reads mapped to multiple loci"].rstrip("%")) / 100
    except (OSError, KeyError, ValueError) as err:
        raise InputError(f"{path}: not a STAR Log.final.out: {err}") from err
    return {
        "uniquely_mapped_rate": unique,
        "multi_mapped_rate": multi,
        "mapping_rate": unique + multi,
    }
