"""Per-tumour DNA features: panel genes mutated, their VAF, pathway flags, hotspots and TMB."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from anndata import AnnData

from rtpredict.errors import InputError
from rtpredict.genomics import (
    NON_SYNONYMOUS,
    TRUNCATING,
    Panel,
    is_passing,
    is_qualifying,
    read_panel,
    read_variants,
    tumour_mutational_burden,
)

logger = logging.getLogger(__name__)

_REQUIRED = ("gene", "consequence", "vaf", "hotspot")
VariantsInput = Mapping[str, "pd.DataFrame | str | os.PathLike[str]"] | pd.DataFrame


def dna_features(
    adata: AnnData,
    variants: VariantsInput,
    *,
    panel: Panel | str | os.PathLike[str] | None = None,
    callable_mb: float | Mapping[str, float],
    key_added: str = "dna",
    copy: bool = False,
) -> AnnData | None:
    """Summarise each tumour's somatic variants into radiation-response DNA features.

    A panel gene is *mutated* when the tumour has a passing variant in it (FILTER ``PASS`` or
    ``.``) that is a Cancer Hotspots allele or non-synonymous: missense, stop gained, stop lost,
    start lost, frameshift, in-frame insertion/deletion, other protein-altering, splice donor or
    acceptor, transcript ablation (:mod:`rtpredict.genomics._consequences`). Variants of unknown
    consequence (an unannotated VCF, off the hotspot list) do not count. Tumours absent from
    ``variants`` have no DNA: every feature but ``<key>_available`` is missing (NA), never 0.

    Parameters
    ----------
    adata
        Cohort, one tumour per observation.
    variants
        Sample ID -> variants table (:func:`rtpredict.genomics.read_somatic_vcf`) or the path
        of one written by ``rtpredict variants``; or one long table with a ``sample_id``
        column, where a categorical ``sample_id`` declares through its categories which tumours
        have DNA (so a tumour with no passing variant still counts as sequenced).
    panel
        A :class:`~rtpredict.genomics.Panel`, a panel YAML path, or None for the shipped
        radiation-response panel.
    callable_mb
        Callable (sequenced and callable) size in megabases, one number or one per sample ID;
        the TMB denominator.
    key_added
        Prefix of the obs columns and key of ``adata.uns``.
    copy
        Return a modified copy instead of writing into ``adata``.

    Returns
    -------
    The copy when ``copy`` is True, else None. Writes to ``adata.obs``:
    ``<key>_available`` (bool), ``<key>_<GENE>_mutated`` (nullable boolean) and
    ``<key>_<GENE>_max_vaf`` (highest VAF among the gene's qualifying variants; 0 when not
    mutated, NaN when unknown) per panel gene, ``<key>_<group>`` per panel group (e.g.
    ``dna_nrf2_pathway``, ``dna_repair_defect``), ``<key>_hotspot_count`` (passing hotspot
    alleles, any gene) and ``<key>_tmb`` (coding passing variants per Mb; NaN when a passing
    variant's consequence is unknown); and ``adata.uns[key_added]`` with ``params``.
    """
    adata = adata.copy() if copy else adata
    panel = panel if isinstance(panel, Panel) else read_panel(panel)
    long, with_dna = _long_table(variants)
    obs_names = pd.Index(adata.obs_names.astype(str))
    outside = sorted(set(with_dna) - set(obs_names))
    if outside:
        logger.warning(
            "%d samples with variants are not in the AnnData and are ignored: %s",
            len(outside),
            ", ".join(outside[:5]),
        )
    available = obs_names.isin(with_dna)
    sampled = obs_names[available]
    long = long[long["sample_id"].isin(sampled)]
    long = long.assign(sample_id=pd.Categorical(long["sample_id"], categories=sampled))

    columns: dict[str, Any] = {f"{key_added}_available": available}
    qualifying = is_qualifying(long)
    in_panel = long["gene"].isin(panel.genes)
    hits = long[qualifying & in_panel]
    mutated = _per_gene(hits, "size", sampled, panel.genes).fillna(0) > 0
    max_vaf = _per_gene(hits, "max", sampled, panel.genes).where(mutated, 0.0)
    for gene in panel.genes:
        columns[f"{key_added}_{gene}_mutated"] = _expand(mutated[gene], obs_names, "boolean")
        columns[f"{key_added}_{gene}_max_vaf"] = _expand(max_vaf[gene], obs_names, "float64")
    for group in panel.groups:
        mask = is_qualifying(long, truncating=group.qualifying == "truncating")
        mask &= long["gene"].isin(group.genes)
        flag = mask.groupby(long["sample_id"], observed=False).any()
        columns[f"{key_added}_{group.name}"] = _expand(flag, obs_names, "boolean")
    hotspot = (is_passing(long) & long["hotspot"]).groupby(long["sample_id"], observed=False)
    columns[f"{key_added}_hotspot_count"] = _expand(hotspot.sum(), obs_names, "Int64")
    size = _callable_size(callable_mb, sampled)
    tmb = tumour_mutational_burden(long, callable_mb=size, by="sample_id")
    columns[f"{key_added}_tmb"] = _expand(tmb, obs_names, "float64")

    for name, values in columns.items():
        adata.obs[name] = values
    adata.uns[key_added] = {
        "params": {
            "panel": panel.name,
            "panel_source": panel.source,
            "panel_genes": list(panel.genes),
            "groups": {g.name: list(g.genes) for g in panel.groups},
            "callable_mb": callable_mb
            if isinstance(callable_mb, (int, float))
            else {k: float(v) for k, v in callable_mb.items()},
            "non_synonymous": sorted(NON_SYNONYMOUS),
            "truncating": sorted(TRUNCATING),
        },
        "n_with_dna": int(available.sum()),
        "samples_not_in_adata": outside,
    }
    return adata if copy else None


def _long_table(variants: VariantsInput) -> tuple[pd.DataFrame, list[str]]:
    """Return one long table with ``sample_id`` and the sample IDs that have DNA."""
    if isinstance(variants, pd.DataFrame):
        if "sample_id" not in variants.columns:
            raise InputError("variants: a single table needs a sample_id column")
        long = variants
        if isinstance(variants["sample_id"].dtype, pd.CategoricalDtype):
            with_dna = [str(c) for c in variants["sample_id"].cat.categories]
        else:
            with_dna = sorted({str(s) for s in variants["sample_id"].dropna()})
    elif isinstance(variants, Mapping):
        tables = {
            str(sample): read_variants(table)
            if isinstance(table, (str, Path, os.PathLike))
            else table
            for sample, table in variants.items()
        }
        with_dna = list(tables)
        frames = [t.assign(sample_id=s) for s, t in tables.items()]
        long = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({"sample_id": []})
    else:
        raise InputError("variants: pass a mapping sample ID -> table or one long table")
    missing = [c for c in _REQUIRED if c not in long.columns]
    if missing and len(long):
        raise InputError(
            f"variants: tables lack columns {', '.join(missing)}; read them with "
            "rtpredict.genomics.read_somatic_vcf or `rtpredict variants`"
        )
    long = long.assign(sample_id=long["sample_id"].astype(str))
    for name in _REQUIRED:
        if name not in long.columns:
            long[name] = pd.Series(dtype=bool if name == "hotspot" else object)
    if "filter" not in long.columns:
        long["filter"] = "PASS"
    long["hotspot"] = long["hotspot"].astype(bool)
    long["vaf"] = pd.to_numeric(long["vaf"], errors="coerce").astype(float)
    return long, with_dna


def _per_gene(
    hits: pd.DataFrame, how: str, samples: pd.Index, genes: tuple[str, ...]
) -> pd.DataFrame:
    """Return a samples x genes table of the hits' count (``size``) or highest VAF (``max``)."""
    keys = [hits["sample_id"].astype(str), hits["gene"]]
    grouped = hits.groupby(keys).size() if how == "size" else hits.groupby(keys)["vaf"].max()
    table = grouped.unstack() if len(grouped) else pd.DataFrame(index=samples)  # noqa: PD010
    return table.reindex(index=samples, columns=list(genes)).astype(float)


def _expand(values: pd.Series, obs_names: pd.Index, dtype: str) -> pd.Series:
    """Put per-sample values on the AnnData's obs index; samples without DNA get NA."""
    values = pd.Series(values).astype(dtype)
    values.index = values.index.astype(str)
    return values.reindex(obs_names).set_axis(obs_names)


def _callable_size(callable_mb: float | Mapping[str, float], samples: pd.Index) -> pd.Series:
    """Return the callable size per sample, checking it is a positive number for each."""
    if isinstance(callable_mb, Mapping):
        size = pd.Series({str(k): v for k, v in callable_mb.items()}, dtype=float).reindex(samples)
        lacking = size.index[size.isna()].tolist()
        if lacking:
            raise InputError(f"callable_mb: no size given for samples {', '.join(lacking[:5])}")
    else:
        size = pd.Series(float(callable_mb), index=samples)
    if (size <= 0).any():
        raise InputError("callable_mb: callable sizes must be positive megabases")
    return size
