"""Tools on AnnData (scanpy conventions): RSI, GARD, radiotherapy signatures, DNA features,
predictions of a fitted model."""

from __future__ import annotations

from rtpredict.tl._dna_features import dna_features
from rtpredict.tl._gard import gard
from rtpredict.tl._predict import predict
from rtpredict.tl._reference_data import ReferenceStatistics
from rtpredict.tl._reference_statistics import reference_statistics
from rtpredict.tl._scale import Scale, detect_scale
from rtpredict.tl._score_as_signatures import catalog_feature_genes, score_as_signatures
from rtpredict.tl._score_rsi import score_rsi
from rtpredict.tl._score_signatures import CohortRelativeWarning, score_signatures
from rtpredict.tl._signature_coverage import CoverageWarning, signature_coverage

__all__ = [
    "CohortRelativeWarning",
    "CoverageWarning",
    "ReferenceStatistics",
    "Scale",
    "catalog_feature_genes",
    "detect_scale",
    "dna_features",
    "gard",
    "predict",
    "reference_statistics",
    "score_as_signatures",
    "score_rsi",
    "score_signatures",
    "signature_coverage",
]
