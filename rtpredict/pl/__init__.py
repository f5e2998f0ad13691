"""Plots of AnnData (scanpy conventions): each function draws on ``ax`` and returns the Axes.

The figures of the HTML reports are these functions drawn on the reports' own axes. None calls
``plt.show()``; without ``ax`` a new pyplot figure is made. Research use only.
"""

from __future__ import annotations

from rtpredict.pl._calibration import calibration, calibration_table
from rtpredict.pl._distribution import distribution
from rtpredict.pl._forest import validation_forest
from rtpredict.pl._heatmap import signature_heatmap
from rtpredict.pl._waterfall import ShapRows, shap_rows, waterfall

__all__ = [
    "ShapRows",
    "calibration",
    "calibration_table",
    "distribution",
    "shap_rows",
    "signature_heatmap",
    "validation_forest",
    "waterfall",
]
