"""Reports a radiation oncologist can read: per-tumour and cohort HTML, MultiQC tables.

Reports render what ``rtpredict.tl`` and ``rtpredict.models`` wrote into the cohort AnnData;
they never compute a score. Each report is one self-contained HTML file (inline CSS and SVG,
no network request), printable on A4. Research use only.
"""

from __future__ import annotations

from rtpredict.report._batch import write_reports, write_tumour_reports
from rtpredict.report._cohort import render_cohort_report, write_cohort_report
from rtpredict.report._multiqc import write_multiqc
from rtpredict.report._qc import QCCheck, evaluate_qc
from rtpredict.report._rules import ReportRules, load_rules
from rtpredict.report._tumour import render_tumour_report, write_tumour_report
from rtpredict.report._view import CohortView, cohort_view

__all__ = [
    "CohortView",
    "QCCheck",
    "ReportRules",
    "cohort_view",
    "evaluate_qc",
    "load_rules",
    "render_cohort_report",
    "render_tumour_report",
    "write_cohort_report",
    "write_multiqc",
    "write_reports",
    "write_tumour_report",
    "write_tumour_reports",
]
