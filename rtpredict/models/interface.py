"""The internal interface of `rtpredict.models` for rtpredict's own higher layers.

`rtpredict.federated` (which builds ordinary models from site counts), `rtpredict.commands`
(which read and write cohort files) and `rtpredict.pl` (calibration curves) use these names and
no private module of this package; an import-linter contract in ``pyproject.toml`` holds them to
it. This is not user API: the names
may change between releases without deprecation. Users import from `rtpredict.models`.

Contents, by job:

- the feature schema and target: `Feature`, `FeatureSchema`, `obs_table`, `Target`,
  `OBJECTIVES`, `resolve_target`;
- XGBoost: `xgb_params`, `make_dmatrix`, `tree_params` and `DEFAULT_BINS` (bins and column
  share of a model of a given width);
- the card: `jsonable`, `training_summary` (the ``training`` section, one schema for central and
  federated models), `hash_sample_ids` and `ID_SECRET_ENV` (the sample-ID register);
- metrics: `concordance_counts`; survival curves: `kaplan_meier`, `step_value`;
- cohort files: `read_cohort`, `is_tsv`, `write_table`.
"""

from __future__ import annotations

from rtpredict.models._card import jsonable
from rtpredict.models._cohort_files import is_tsv, read_cohort, write_table
from rtpredict.models._feature import Feature
from rtpredict.models._metrics import concordance_counts
from rtpredict.models._register import ID_SECRET_ENV, hash_sample_ids
from rtpredict.models._schema import FeatureSchema, obs_table
from rtpredict.models._summary import training_summary
from rtpredict.models._survival import kaplan_meier, step_value
from rtpredict.models._target import OBJECTIVES, Target, resolve_target
from rtpredict.models._xgb import DEFAULT_BINS, make_dmatrix, tree_params, xgb_params

__all__ = [
    "DEFAULT_BINS",
    "ID_SECRET_ENV",
    "OBJECTIVES",
    "Feature",
    "FeatureSchema",
    "Target",
    "concordance_counts",
    "hash_sample_ids",
    "is_tsv",
    "jsonable",
    "kaplan_meier",
    "make_dmatrix",
    "obs_table",
    "read_cohort",
    "resolve_target",
    "step_value",
    "training_summary",
    "tree_params",
    "write_table",
    "xgb_params",
]
