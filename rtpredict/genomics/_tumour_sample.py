"""Find the tumour's column in a VCF: by name, by the caller's header convention, or alone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rtpredict.errors import InputError

_TUMOUR_NAMES = ("TUMOR", "TUMOUR")


def tumour_column(
    samples: Sequence[str], meta: Mapping[str, str], sample: str | None, source: str
) -> int | None:
    """Return the index of the tumour column in ``samples`` (None for a sites-only VCF).

    In order: the ``sample`` named by the user; the ``##tumor_sample=`` header line (Mutect2);
    a column named TUMOR or TUMOUR (Strelka, any case); the column that is not
    ``##normal_sample=`` in a two-column file; the only column. Anything else is ambiguous and
    raises :class:`InputError` asking for ``sample``. VCF sample names may identify a patient,
    so messages count the columns and never print their names.
    """
    names = list(samples)
    listed = f"{len(names)} sample column(s), names not shown (they may identify a patient)"
    if sample is not None:
        if sample not in names:
            raise InputError(f"{source}: no sample column of the name given; the VCF has {listed}")
        return names.index(sample)
    declared = meta.get("tumor_sample")
    if declared is not None:
        if declared not in names:
            raise InputError(
                f"{source}: the ##tumor_sample header line names no column of the VCF ({listed}); "
                "pass the tumour column's name (CLI --sample)"
            )
        return names.index(declared)
    by_name = [i for i, name in enumerate(names) if name.upper() in _TUMOUR_NAMES]
    if len(by_name) == 1:
        return by_name[0]
    normal = meta.get("normal_sample")
    if normal in names and len(names) == 2:
        return 1 - names.index(normal)
    if len(names) <= 1:
        return 0 if names else None
    raise InputError(
        f"{source}: cannot tell which of the {listed} is the tumour (no ##tumor_sample header "
        "line, no column named TUMOR); pass its name with sample= (CLI --sample NAME)"
    )
