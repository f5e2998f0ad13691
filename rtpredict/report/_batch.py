"""Write all of a cohort's reports: one per tumour (in parallel if asked), cohort, MultiQC."""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing as mp
import os
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from anndata import AnnData

from rtpredict.errors import InputError
from rtpredict.privacy import SAMPLE_ID
from rtpredict.report._cohort import write_cohort_report
from rtpredict.report._multiqc import write_multiqc
from rtpredict.report._render import write_html
from rtpredict.report._rules import ReportRules
from rtpredict.report._tumour import render_tumour_report
from rtpredict.report._view import CohortView, cohort_view

logger = logging.getLogger("rtpredict.report")

_VIEW: CohortView | None = None  # the view shared with forked workers


def report_path(outdir: str | os.PathLike, sample: str) -> Path:
    """Return ``outdir/<sample>.html``; refuse IDs that are not safe file names."""
    if not SAMPLE_ID.fullmatch(sample) or sample == "cohort":  # the sample sheet's rule
        raise InputError(
            f"sample ID {sample!r} cannot name a report file: use letters, digits, '_', '.', '-' "
            "(starting with a letter or digit), and not 'cohort'."
        )
    return Path(outdir) / f"{sample}.html"


def _write_one(job: tuple[str, str]) -> tuple[str, int]:
    sample, path = job
    if _VIEW is None:
        raise RuntimeError("no cohort view to render from")
    return sample, write_html(path, render_tumour_report(_VIEW, sample))


def write_tumour_reports(
    view: CohortView, outdir: str | os.PathLike, *, samples: list[str] | None = None, jobs: int = 1
) -> dict[str, int]:
    """Write ``outdir/<sample>.html`` for each tumour.

    ``jobs`` > 1 renders in forked worker processes (Linux, macOS); elsewhere it falls back to
    one process.

    Parameters
    ----------
    view
        The cohort's view (:func:`cohort_view`).
    outdir
        The directory to write into (created if needed).
    samples
        The tumours to write (default: all).
    jobs
        Worker processes.

    Returns
    -------
    dict of str to int
        Sample ID → size of its report in bytes.
    """
    global _VIEW
    samples = [str(s) for s in (samples if samples is not None else view.obs.index)]
    jobs_list = [(s, str(report_path(outdir, s))) for s in samples]
    Path(outdir).mkdir(parents=True, exist_ok=True)
    _VIEW = view
    try:
        if jobs > 1 and len(samples) > 1 and "fork" in mp.get_all_start_methods():
            context = mp.get_context("fork")
            with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
                chunk = max(1, len(samples) // (4 * jobs))
                sizes = dict(pool.map(_write_one, jobs_list, chunksize=chunk))
        else:
            sizes = dict(map(_write_one, jobs_list))
    finally:
        _VIEW = None
    logger.info("wrote %d tumour reports into %s", len(sizes), outdir)
    return sizes


def write_reports(
    adata: AnnData,
    outdir: str | os.PathLike,
    *,
    multiqc_dir: str | os.PathLike | None = None,
    jobs: int = 1,
    rules: ReportRules | str | os.PathLike | None = None,
    cards: Mapping[str, Any] | None = None,
    panel: str | os.PathLike | None = None,
    date: dt.date | str | None = None,
    tumours: bool = True,
    cohort: bool = True,
) -> dict[str, Any]:
    """Write every tumour's report, the cohort report and (optionally) the MultiQC tables.

    ``outdir/<sample>.html`` per tumour (unless ``tumours=False``) and ``outdir/cohort.html``
    (unless ``cohort=False``: the workflow writes each batch's tumour reports, then the cohort
    report from the joined batches); ``multiqc_dir`` receives ``rtpredict_qc_mqc.tsv`` and
    ``rtpredict_predictions_mqc.tsv``.

    Parameters
    ----------
    adata
        Cohort AnnData after ``rtpredict predict``.
    outdir
        The directory to write into (created if needed).
    multiqc_dir
        Where to write the MultiQC tables (none when None).
    jobs
        Worker processes for the tumour reports.
    rules
        QC and band rules (:func:`load_rules` or a YAML path); default: shipped.
    cards
        Model key or name → model card (dict or ``.card.json`` path) for models not shipped
        with rtpredict; a card is used only if its model SHA-256 matches the one scored.
    panel
        DNA panel YAML with the evidence per gene (default: the shipped panel, when the
        AnnData's DNA features came from it).
    date
        Report date (default: ``$SOURCE_DATE_EPOCH`` or today).
    tumours
        Write the tumour reports.
    cohort
        Write the cohort report.

    Returns
    -------
    dict
        A summary: paths, sizes in bytes and the tumours whose scores QC withheld.
    """
    view = cohort_view(adata, rules=rules, cards=cards, panel=panel, date=date)
    sizes = write_tumour_reports(view, outdir, jobs=jobs) if tumours else {}
    page = write_cohort_report(adata, Path(outdir) / "cohort.html", view=view) if cohort else None
    multiqc = write_multiqc(view, multiqc_dir) if multiqc_dir is not None else []
    return {
        "tumour_reports": {s: report_path(outdir, s) for s in sizes},
        "sizes": sizes,
        "cohort_report": page,
        "cohort_size": page.stat().st_size if page is not None else 0,
        "multiqc": multiqc,
        "withheld": [str(s) for s in view.status.index[view.status == "fail"]],
    }
