"""The federation plan: what every site agreed to train, fixed before the first round.

The plan names the target, the feature schema (names, order, kinds and the categories of every
categorical feature), the boosting parameters, the strategy and rounds, the validation hold-out
and the expected site codes. It travels with the run (Flower run config) and each site checks
its SHA-256 against the digest it agreed to (its own node config) before touching its data, so
a coordinator cannot change features, targets or the privacy policy (``privacy``, see
`rtpredict.federated._privacy`) behind a site's back. :func:`~rtpredict.federated.load_plan`
(``rtpredict.federated._plan_yaml``) reads it from the YAML the sites agreed on.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field

from rtpredict.errors import InputError
from rtpredict.federated._policy import PrivacyPolicy
from rtpredict.models.interface import OBJECTIVES, FeatureSchema, Target, xgb_params

STRATEGIES = ("bagging", "cyclic")
#: boosting parameters a plan may set (RadiosensitivityModel names) and their defaults
PARAM_DEFAULTS = {
    "learning_rate": 0.1,
    "max_depth": 3,
    "min_child_weight": 1.0,
    "subsample": 1.0,
    "colsample_bytree": 1.0,
    "reg_lambda": 1.0,
    "reg_alpha": 0.0,
    "aft_distribution": "normal",
    "aft_scale": 1.0,
}
SITE_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")


@dataclass(frozen=True)
class FederationPlan:
    """Everything the sites agreed on before training.

    The plan travels with the run and each site checks its SHA-256 against the digest it agreed
    to before touching its data. Build one with :func:`load_plan` (YAML) or :meth:`from_json`.

    Parameters
    ----------
    name
        The model's name (its file name).
    target
        The resolved target (``Target.to_dict`` output).
    features
        The agreed feature schema (``FeatureSchema.to_dict`` output).
    sites
        The pseudonymous site codes expected.
    strategy
        ``"bagging"`` or ``"cyclic"``.
    rounds
        Federated rounds.
    local_rounds
        Cyclic: boosting iterations a site adds per turn (bagging: 1).
    horizon
        Time (years) of the event probability of survival models.
    params
        Boosting parameters (``RadiosensitivityModel`` names).
    holdout_fraction
        Each site's validation part.
    seed
        Seed of the hold-out split and boosting.
    n_ci_bootstrap
        Bootstrap resamples of the validation metrics' confidence intervals.
    hazard_grid_years
        Interval of the Cox baseline hazard grid.
    hazard_max_years
        End of the Cox baseline hazard grid.
    min_site_size
        Fewest tumours a site may train on.
    privacy
        The privacy policy (``PrivacyPolicy.to_dict`` output), validated and normalised on
        creation, so the digest covers every setting, defaults included.
    title, description, licence
        Card fields.
    """

    name: str
    target: dict
    features: dict
    sites: tuple[str, ...]
    strategy: str = "bagging"
    rounds: int = 30
    local_rounds: int = 1
    horizon: float | None = None
    params: dict = field(default_factory=lambda: dict(PARAM_DEFAULTS))
    holdout_fraction: float = 0.25
    seed: int = 0
    n_ci_bootstrap: int = 200
    hazard_grid_years: float = 0.25
    hazard_max_years: float = 15.0
    min_site_size: int = 20
    privacy: dict = field(default_factory=lambda: PrivacyPolicy().to_dict())
    title: str | None = None
    description: str | None = None
    licence: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "privacy", PrivacyPolicy.from_dict(self.privacy).to_dict())
        self._check()

    # ------------------------------------------------------------- accessors
    @property
    def schema(self) -> FeatureSchema:
        """The agreed feature schema."""
        return FeatureSchema.from_dict(self.features)

    @property
    def policy(self) -> PrivacyPolicy:
        """The privacy policy every site applies before sending anything."""
        return PrivacyPolicy.from_dict(self.privacy)

    @property
    def resolved_target(self) -> Target:
        """The target as a `Target` (name, kind, objective, columns)."""
        t = self.target
        return Target(t["name"], t["kind"], t["objective"], tuple(t["columns"]))

    def to_dict(self) -> dict:
        """Return the plan as JSON values.

        Returns
        -------
        dict
            Field name -> value.
        """
        out = asdict(self)
        out["sites"] = list(self.sites)
        return out

    def to_json(self) -> str:
        """Return the canonical JSON text of the plan (sorted keys, no spaces).

        Returns
        -------
        str
            The JSON text, whose SHA-256 the sites compare.
        """
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), allow_nan=False)

    @property
    def sha256(self) -> str:
        """SHA-256 of the canonical JSON: the digest each site agrees to."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()

    @classmethod
    def from_json(cls, text: str) -> FederationPlan:
        """Rebuild a plan from :meth:`to_json` output.

        Parameters
        ----------
        text
            The JSON text.

        Returns
        -------
        FederationPlan
            The plan.

        Raises
        ------
        InputError
            When the text is malformed.
        """
        try:
            spec = json.loads(text)
            spec["sites"] = tuple(spec["sites"])
            return cls(**spec)
        except (TypeError, ValueError, KeyError) as err:
            raise InputError(f"federation plan is malformed: {err}") from err

    def xgb_params(self, *, base_score: float, learning_rate: float, seed: int) -> dict:
        """Return XGBoost training parameters for one site's boosting step.

        Parameters
        ----------
        base_score
            The shared starting prediction.
        learning_rate
            The step's learning rate (bagging: scaled by the site's share).
        seed
            XGBoost's seed.

        Returns
        -------
        dict
            Parameters for ``xgboost.train``.
        """
        return xgb_params(
            self.target["objective"],
            {**self.params, "learning_rate": learning_rate},
            seed=seed,
            nthread=1,
            base_score=base_score,
        )

    # ------------------------------------------------------------- checks
    def _check(self) -> None:
        if self.strategy not in STRATEGIES:
            raise InputError(f"plan strategy {self.strategy!r} is not one of {STRATEGIES}.")
        if int(self.rounds) < 1 or int(self.local_rounds) < 1:
            raise InputError("plan rounds and local_rounds must be >= 1.")
        if self.strategy == "bagging" and int(self.local_rounds) != 1:
            raise InputError(
                "bagging adds one boosting iteration per site and round (Flower's "
                "FedXgbBagging keeps one iteration of each reply); set local_rounds: 1 or use "
                "strategy: cyclic."
            )
        if not 0 < float(self.holdout_fraction) < 1:
            raise InputError("plan holdout_fraction must lie strictly between 0 and 1.")
        if len(self.sites) < 2 or len(set(self.sites)) != len(self.sites):
            raise InputError(f"plan sites must list >= 2 distinct site codes; got {self.sites}.")
        bad = [s for s in self.sites if not SITE_CODE.match(str(s))]
        if bad:
            raise InputError(
                f"site codes {bad} are not pseudonymous codes (letters, digits, _ or -, at "
                "most 32 characters, e.g. 'H01'); never use a hospital's name."
            )
        unknown = set(self.params) - set(PARAM_DEFAULTS)
        if unknown:
            raise InputError(
                f"plan params {sorted(unknown)} unknown; allowed: {sorted(PARAM_DEFAULTS)}."
            )
        if self.target.get("objective") not in OBJECTIVES.get(self.target.get("kind"), ()):
            raise InputError(f"plan target {self.target} has an objective unfit for its kind.")
        if self.schema.genes:
            raise InputError(
                "federated plans take obs features only (scores, covariates): gene-level "
                "features would need every site's expression on one scale."
            )
        if self.hazard_grid_years <= 0 or self.hazard_max_years <= self.hazard_grid_years:
            raise InputError("plan hazard_grid_years must be > 0 and < hazard_max_years.")
        if int(self.n_ci_bootstrap) < 10 or int(self.min_site_size) < 10:
            raise InputError("plan n_ci_bootstrap and min_site_size must be >= 10.")
        self._check_privacy()

    def _check_privacy(self) -> None:
        """Check the privacy settings that depend on the rest of the plan."""
        policy = self.policy
        if policy.min_cell_count > 1 and float(self.params["subsample"]) < 1:
            raise InputError(
                f"plan params.subsample must be 1 with privacy.min_cell_count "
                f"{policy.min_cell_count}: XGBoost fits each tree on a random subsample of the "
                "rows that the site cannot count node by node, so a leaf could average fewer "
                "than min_cell_count tumours; got subsample "
                f"{self.params['subsample']}."
            )
        dp = policy.dp
        if dp is None:
            return
        objective = self.target["objective"]
        if objective in ("survival:aft", "reg:squarederror"):
            span = dp.outcome_range
            what = "follow-up years" if objective == "survival:aft" else "target values"
            if span is None or (objective == "survival:aft" and span[0] <= 0):
                raise InputError(
                    f"plan privacy.dp.outcome_range is required for {objective}: [low, high] of "
                    f"the {what} each tumour's outcome is clipped to"
                    + (" (low > 0)." if objective == "survival:aft" else ".")
                )
        steps = dp.hazard_block_years / self.hazard_grid_years
        if objective == "survival:cox" and (steps < 1 or abs(steps - round(steps)) > 1e-9):
            raise InputError(
                f"plan privacy.dp.hazard_block_years ({dp.hazard_block_years}) must be a whole "
                f"multiple of hazard_grid_years ({self.hazard_grid_years})."
            )
