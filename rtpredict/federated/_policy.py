"""The plan's ``privacy`` block: minimum cell count and differential-privacy budget.

Validated when the plan is read, with errors naming the field; part of the plan's digest, so
every site agrees to it. What each setting does to what a site sends is described, and
enforced, in `rtpredict.federated._privacy`; `dp_releases` and `accounting` split the DP budget
over a site's releases and account it in zero-concentrated DP.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from rtpredict.errors import InputError

DEFAULT_MIN_CELL_COUNT = 5
#: why the plan cannot ask for secure aggregation (Flower 1.42's SecAgg+); docs/federated.md
SECURE_AGGREGATION_UNFIT = (
    "plan privacy.secure_aggregation: Flower 1.42's SecAgg+ (SecAggPlusWorkflow with "
    "secaggplus_mod) masks only the arrays of legacy 'train' (fit) replies and lets the server "
    "see nothing but their weighted sum; rtpredict's trees cannot be summed (each site's trees "
    "are appended to the model) and its counts and sums travel in query messages, which the "
    "mod passes on unmasked. See 'Secure aggregation' in docs/federated.md; remove the key or "
    "set it to false."
)
_POLICY_KEYS = {"min_cell_count", "dp", "secure_aggregation"}
_DP_KEYS = {"epsilon", "delta", "histogram_bins", "hazard_block_years", "outcome_range"}


@dataclass(frozen=True)
class DifferentialPrivacy:
    """The Gaussian mechanism's settings: the budget and the clipping of a tumour's share.

    Parameters
    ----------
    epsilon, delta
        The (epsilon, delta) budget of each site's patients over all of the site's releases.
    histogram_bins
        Under DP the training-margin histogram is released on this many fixed groups of its
        bins (a finer grid would drown in noise).
    hazard_block_years
        Under DP the Cox hazard grid is released in fixed blocks of this length (a multiple of
        the plan's ``hazard_grid_years``).
    outcome_range
        ``[low, high]`` to which each tumour's outcome is clipped: follow-up years for
        ``survival:aft`` (low > 0), target values for regression; required for those two.
    """

    epsilon: float
    delta: float
    histogram_bins: int = 20
    hazard_block_years: float = 1.0
    outcome_range: tuple[float, float] | None = None

    @property
    def rho(self) -> float:
        """The zCDP budget rho whose (epsilon, delta) conversion equals the plan's.

        Solves epsilon = rho + 2 sqrt(rho log(1/delta)) (Bun & Steinke 2016, Prop. 1.3).
        """
        log_term = math.log(1.0 / self.delta)
        return (math.sqrt(log_term + self.epsilon) - math.sqrt(log_term)) ** 2


@dataclass(frozen=True)
class PrivacyPolicy:
    """What a site may release (see the module docstring); build it with `from_dict`."""

    min_cell_count: int = DEFAULT_MIN_CELL_COUNT
    dp: DifferentialPrivacy | None = None

    @classmethod
    def from_dict(cls, spec: Mapping | None) -> PrivacyPolicy:
        """Validate the plan's ``privacy`` block; InputError naming the field when wrong."""
        if spec is None:
            return cls()
        if not isinstance(spec, Mapping):
            raise InputError("plan privacy must be a mapping (min_cell_count, dp).")
        unknown = set(spec) - _POLICY_KEYS
        if unknown:
            raise InputError(
                f"plan privacy: unknown key(s) {sorted(unknown)}; allowed: {sorted(_POLICY_KEYS)}."
            )
        if spec.get("secure_aggregation") not in (None, False):
            raise InputError(SECURE_AGGREGATION_UNFIT)
        k = spec.get("min_cell_count", DEFAULT_MIN_CELL_COUNT)
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise InputError(
                f"plan privacy.min_cell_count must be an integer >= 1 (1 turns the rule off); "
                f"got {k!r}."
            )
        dp = spec.get("dp")
        return cls(k, None if dp is None else _dp_from_dict(dp))

    def to_dict(self) -> dict:
        """Return the policy as JSON values (the form the plan and its digest hold)."""
        dp = None
        if self.dp is not None:
            dp = {
                "epsilon": self.dp.epsilon,
                "delta": self.dp.delta,
                "histogram_bins": self.dp.histogram_bins,
                "hazard_block_years": self.dp.hazard_block_years,
                "outcome_range": (
                    None if self.dp.outcome_range is None else list(self.dp.outcome_range)
                ),
            }
        return {"min_cell_count": self.min_cell_count, "dp": dp}


def _dp_from_dict(spec: object) -> DifferentialPrivacy:
    """Validate the plan's ``privacy.dp`` block; InputError naming the field when wrong."""
    if not isinstance(spec, Mapping):
        raise InputError("plan privacy.dp must be null or a mapping {epsilon, delta, ...}.")
    unknown = set(spec) - _DP_KEYS
    if unknown:
        raise InputError(
            f"plan privacy.dp: unknown key(s) {sorted(unknown)}; allowed: {sorted(_DP_KEYS)}."
        )
    for key in ("epsilon", "delta"):
        if key not in spec:
            raise InputError(f"plan privacy.dp.{key} is required.")
    epsilon, delta = _number(spec, "epsilon"), _number(spec, "delta")
    if not 0 < epsilon < math.inf:
        raise InputError(f"plan privacy.dp.epsilon must be a number > 0; got {epsilon}.")
    if not 0 < delta < 1:
        raise InputError(f"plan privacy.dp.delta must lie strictly between 0 and 1; got {delta}.")
    bins = spec.get("histogram_bins", 20)
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 2:
        raise InputError(f"plan privacy.dp.histogram_bins must be an integer >= 2; got {bins!r}.")
    block = _number(spec, "hazard_block_years", 1.0)
    if not block > 0:
        raise InputError(f"plan privacy.dp.hazard_block_years must be > 0; got {block}.")
    span = spec.get("outcome_range")
    if span is not None:
        numbers = isinstance(span, (list, tuple)) and len(span) == 2
        if not numbers or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in span):
            raise InputError(
                f"plan privacy.dp.outcome_range must be [low, high] numbers; got {span!r}."
            )
        low, high = float(span[0]), float(span[1])
        if not low < high:
            raise InputError(f"plan privacy.dp.outcome_range needs low < high; got {span}.")
        span = (low, high)
    return DifferentialPrivacy(epsilon, delta, bins, block, span)


def _number(spec: Mapping, key: str, default: float | None = None) -> float:
    """Return ``privacy.dp.<key>`` (or ``default``) as a float; InputError unless a number."""
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"plan privacy.dp.{key} must be a number; got {value!r}.")
    return float(value)


def dp_releases(objective: str) -> tuple[str, ...]:
    """Return the aggregates a site releases with noise under DP, for the budget split.

    Summary step: the event (positive) counts of the training and hold-out parts, the sum of
    log follow-up (AFT) or of the target (regression). Finalise step: the margin sum, the
    margin histogram, the |SHAP| sums, the missing-value counts, the hazard grid's events and
    exposure (Cox) and the hold-out's metric counts (``test``). Tumour counts are not among
    them: under replacement of one tumour's record they do not change.
    """
    if objective == "reg:squarederror":
        summary: tuple[str, ...] = ("sum-y",)
    elif objective == "survival:aft":
        summary = ("events-train", "events-test", "sum-log-time")
    else:
        summary = ("events-train", "events-test")
    final = ("margin-sum", "margin-histogram", "abs-shap-sum", "missing", "test")
    if objective == "survival:cox":
        final += ("grid-events", "grid-exposure")
    return summary + final


def accounting(dp: DifferentialPrivacy, objective: str) -> dict:
    """Describe the budget and its split for the model card (zCDP, replacement of a record)."""
    releases = dp_releases(objective)
    rho = dp.rho
    return {
        "mechanism": "Gaussian, noise sd = L2 sensitivity / sqrt(2 rho_release)",
        "neighbouring": "one tumour's record (features, outcome) replaced at one site; the "
        "hold-out split depends on sample IDs only",
        "composition": "zero-concentrated DP (Bun & Steinke 2016): rho adds over releases; "
        "epsilon = rho + 2 sqrt(rho log(1/delta))",
        "epsilon": dp.epsilon,
        "delta": dp.delta,
        "rho": rho,
        "releases_per_site": list(releases),
        "rho_per_release": rho / len(releases),
        "covers": "the counts and sums of the summary and finalise steps",
        "not_covered": "the trees (split features and thresholds, leaf values, node hessian "
        "sums) and each round's number of training tumours are sent without noise",
    }
