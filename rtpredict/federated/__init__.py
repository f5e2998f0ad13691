"""Federated training across hospitals (Flower deployment engine, XGBoost bagging or cyclic).

Each site runs a SuperNode on its own cohort; only trees and aggregate sums leave a site; the
result is an ordinary rtpredict model (``rtpredict.models.load_model``) whose card names the
sites, counts, strategy, rounds and per-site and pooled validation metrics. Flower is an
optional extra (``pip install 'rtpredict[federated]'``): importing this package needs only
rtpredict's own dependencies; the Flower apps live in `rtpredict.federated.server_app` and
`rtpredict.federated.client_app`.
"""

from __future__ import annotations

from rtpredict.federated._plan import FederationPlan
from rtpredict.federated._plan_yaml import load_plan

__all__ = ["FederationPlan", "load_plan"]
