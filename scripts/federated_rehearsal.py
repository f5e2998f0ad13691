"""Rehearse federated training on loopback and compare it with pooled and single-site training.

Scenarios (each a real Flower deployment on 127.0.0.1: one SuperLink, one SuperNode per site,
TLS and SuperNode authentication, ``flwr run``):

* ``sim-3``: a simulated cohort (rtpredict.simulate) split into three sites by a hash of the
  sample ID; time to recurrence (Cox), bagging and cyclic.
* ``sim-cohort``: the same cohort split by its ``cohort`` column (two sites).
* ``sim-response``: the three-site split, binary response (AUROC).
* ``gard``: the public pooled GARD cohorts (``../shared/data/gard_pooled_cohort``, read as
  ``scripts/train_default_model.py`` does, at rehearsal time only), one site per cohort (six
  with recurrence follow-up); time to recurrence, bagging and cyclic.

Every model spends the same boosting budget: ``--budget`` steps of ``--learning-rate`` (bagging:
that many rounds, each site adding one tree with the rate scaled by its share; cyclic: each site
in turn adds budget / sites trees; pooled and single-site: that many trees). Each site holds out
25% of its tumours (fixed by the sample IDs; stratified by outcome except under differential
privacy); every model is scored on the same hold-out: within-site C-index (or AUROC) pooled over
sites, with a 95% bootstrap CI (each site's hold-out resampled, stratified by outcome).

``--privacy`` runs each federation under each of the plan's privacy settings (`PRIVACY`: off,
a minimum cell count of 5, and that plus differential privacy at several epsilon). A site the
policy refuses (a training part below the minimum count) is left out of that federation, as a
consortium would have to; a site whose hold-out has a part below it trains but sends no hold-out
statistics. Every model is still scored on every site's hold-out. Besides the index, each
federated row gives the card's pooled index as the sites' counts let the server compute it
(under DP from noisy counts: with the noise's 95% interval, or withheld when the noise
dominates) next to the exact index over the same sites, and the mean absolute difference of its
predictions from the pooled model's (3-year survival, or probability). Prints a Markdown table
of every model and one of the federated models by privacy setting; timings are provisional on
a shared machine.

Usage::

    python scripts/federated_rehearsal.py [--out DIR] [--scenarios sim-3 gard ...]
        [--privacy off k5 dp8 dp2 dp0.5] [--strategies bagging]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from rtpredict.errors import InputError  # noqa: E402
from rtpredict.federated import _counts  # noqa: E402
from rtpredict.federated._loopback import LoopbackFederation  # noqa: E402
from rtpredict.federated._plan_yaml import load_plan  # noqa: E402
from rtpredict.federated._site import load_site, site_holdout, strata_of  # noqa: E402
from rtpredict.models import RadiosensitivityModel, load_model  # noqa: E402
from rtpredict.models._metrics import concordance_counts  # noqa: E402

SIM_FEATURES = ["rsi", "gard", "buffa_hypoxia", "ifng_18", "dose_per_fraction", "received_rt"]
GARD_FEATURES = ["rsi", "gard", "dose_per_fraction", "fractions", "received_rt"]
SEED = 20261128
#: the plan's privacy block per setting of ``--privacy``
PRIVACY = {
    "off": "{min_cell_count: 1}",
    "k5": "{min_cell_count: 5}",
    "dp8": "{min_cell_count: 5, dp: {epsilon: 8, delta: 1.0e-5}}",
    "dp2": "{min_cell_count: 5, dp: {epsilon: 2, delta: 1.0e-5}}",
    "dp0.5": "{min_cell_count: 5, dp: {epsilon: 0.5, delta: 1.0e-5}}",
}
#: survival is compared at this horizon (years)
HORIZON = 3.0


def simulated(n: int):
    """A simulated cohort with RSI, GARD and two signature scores (obs only)."""
    import anndata as ad

    from rtpredict import tl
    from rtpredict.simulate import simulate_anndata

    adata = simulate_anndata(n, seed=SEED % 1000, n_background_genes=20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tl.score_rsi(adata)
        tl.gard(adata)
        tl.score_signatures(adata, ["buffa_hypoxia", "ifng_18"])
    obs = adata.obs.copy()
    obs["site"] = obs["site"].astype(str).astype("category")
    codes = np.array(["S1", "S2", "S3"])
    obs["hash_site"] = codes[
        [int(hashlib.sha256(i.encode()).hexdigest(), 16) % 3 for i in obs.index]
    ]
    obs["cohort_site"] = [re.sub(r"[^A-Za-z0-9]+", "-", str(c)) for c in obs["cohort"]]
    return ad.AnnData(obs=obs)


def gard_cohorts(csv: Path):
    """The eligible patients of the pooled GARD cohorts (as the shipped model reads them)."""
    import anndata as ad
    from train_default_model import prepare

    data, _ = prepare(csv)
    data["cohort_site"] = [re.sub(r"[^A-Za-z0-9]+", "-", c).strip("-") for c in data["cohort"]]
    return ad.AnnData(obs=data)


def plan_text(
    name, target, kind, features, categories, sites, strategy, budget, rate, privacy
) -> str:
    """The federation plan of one scenario (YAML)."""
    rounds, local = budget, 1
    if strategy == "cyclic":
        local = math.ceil(budget / len(sites))
        rounds = len(sites)
    items = [f"  - {f}" for f in features] + [
        "  - {name: site, categories: [" + ", ".join(categories) + "]}"
    ]
    return "\n".join(
        [
            f"name: {name}",
            f"target: {target}",
            f"kind: {kind}",
            "features:",
            *items,
            f"strategy: {strategy}",
            f"rounds: {rounds}",
            f"local_rounds: {local}",
            f"params: {{learning_rate: {rate}, max_depth: 2}}",
            f"sites: [{', '.join(sites)}]",
            f"seed: {SEED}",
            "n_ci_bootstrap: 500",
            "min_site_size: 20",
            f"privacy: {PRIVACY[privacy]}",
            "",
        ]
    )


def holdout(adata, plan, column: str, sites: list[str]) -> np.ndarray:
    """The hold-out sample IDs of ``sites``, split as the sites split them."""
    held = []
    for code in sites:
        obs = adata.obs[adata.obs[column] == code]
        values = plan.resolved_target.values(obs)
        known = np.all(np.isfinite(np.atleast_2d(values.T)), axis=0)
        obs, values = obs[known], values[known]
        held.extend(obs.index[site_holdout(obs.index, values, plan)])
    return np.asarray(held)


def within_site(adata, held, score, plan, column: str, sites) -> tuple[float, float, float]:
    """Within-site C-index / AUROC pooled over ``sites``, with a bootstrap 95% CI."""
    kind = plan.target["kind"]
    obs = adata.obs.loc[held]
    totals, boots = np.zeros(2), np.zeros((2, 500))
    for i, code in enumerate(sites):
        part = (obs[column] == code).to_numpy()
        values = plan.resolved_target.values(obs[part])
        weights = _counts.bootstrap_weights(strata_of(values, kind), 500, SEED + i)
        if kind == "survival":
            point = concordance_counts(values[:, 1], values[:, 0], score[part])
            boot = concordance_counts(values[:, 1], values[:, 0], score[part], weights)
        else:
            point = _counts.auc_counts(values, score[part])
            boot = _counts.auc_counts(values, score[part], weights)
        totals += [point[0][0], point[1][0]]
        boots += np.vstack(boot)
    replicates = _counts.ratio(*boots)
    lower, upper = np.nanpercentile(replicates, [2.5, 97.5])
    return float(totals[0] / totals[1]), float(lower), float(upper)


def centralised(adata, rows, plan, budget: int, rate: float) -> RadiosensitivityModel:
    """A model trained on ``rows`` with the same features and boosting budget."""
    target = plan.target["name"]
    return RadiosensitivityModel(
        target,
        features=plan.schema.names,
        kind=plan.target["kind"],
        objective=plan.target["objective"],
        n_estimators=budget,
        learning_rate=rate,
        max_depth=2,
        subsample=1.0,
        n_bootstrap=0,
        random_state=SEED,
    ).fit(adata[rows])


def prediction(model, data, plan) -> np.ndarray:
    """3-year survival (survival) or the predicted probability (binary) of each tumour."""
    if plan.target["kind"] == "survival":
        return model.predict_survival(data, [HORIZON]).to_numpy()[:, 0]
    return model.predict(data)


def joining(paths: dict, plan) -> tuple[list[str], list[str]]:
    """The sites that join under the plan's privacy policy, and those it refuses."""
    joined, refused = [], []
    for code, path in paths.items():
        try:
            load_site(path, plan, code)
            joined.append(code)
        except InputError as err:
            if "does not join" not in str(err):
                raise
            refused.append(code)
    return joined, refused


def run_scenario(name, adata, column, target, kind, features, strategies, args, work) -> list:
    """Run the federated strategies under each privacy setting, and the centralised models."""
    sites = [str(s) for s in pd.unique(adata.obs[column])]
    sites.sort()
    categories = sorted(adata.obs["site"].astype(str).unique())
    cohort_dir = work / name / "cohorts"
    cohort_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for code in sites:
        part = adata[adata.obs[column] == code].copy()
        paths[code] = cohort_dir / f"{code}.h5ad"
        part.write_h5ad(paths[code])
    rows, k = [], 0
    for privacy in args.privacy:
        plans = {}
        for strategy in strategies:
            plan_path = work / name / f"plan-{strategy}-{privacy}.yaml"
            plan_path.write_text(
                plan_text(
                    f"{name}-{strategy}-{privacy}",
                    target,
                    kind,
                    features,
                    categories,
                    sites,
                    strategy,
                    args.budget,
                    args.learning_rate,
                    privacy,
                )
            )
            plans[strategy] = plan_path
        plan = load_plan(plans[strategies[0]])  # every strategy of a setting splits alike
        held = holdout(adata, plan, column, sites)
        values = plan.resolved_target.values(adata.obs)
        known = np.all(np.isfinite(np.atleast_2d(values.T)), axis=0)
        train = ~adata.obs_names.isin(held) & known
        pooled = centralised(adata, train, plan, args.budget, args.learning_rate)
        reference = prediction(pooled, adata[held], plan)
        for strategy, plan_path in plans.items():
            plan = load_plan(plan_path)
            joined, refused = joining(paths, plan)
            if len(joined) < 2:
                print(f"{name} {strategy} {privacy}: {refused} refused; skipped", flush=True)
                continue
            if refused:  # the consortium goes ahead without them
                text = plan_path.read_text()
                plan_path.write_text(text.replace(", ".join(sites), ", ".join(joined)))
                plan = load_plan(plan_path)
            k += 1
            folder = work / name / f"{strategy}-{privacy}"
            card_path, wall = federate(folder, plan_path, {c: paths[c] for c in joined}, args, k)
            model = load_model(card_path)
            card = json.loads(card_path.read_text())
            seconds = card["training"]["federation"]["round_seconds"]
            validated = card["validation"]["pooled"].get("sites", joined)  # --reuse: older cards
            mine = holdout(adata, plan, column, validated)
            rows.append(
                {
                    "scenario": name,
                    "privacy": privacy,
                    "model": f"federated {strategy}",
                    "sites": len(joined),
                    "refused": refused,
                    "holdout_withheld": sorted(set(joined) - set(validated)),
                    "n_train": card["training"]["n"],
                    "metric": within_site(
                        adata, held, model.predict(adata[held]), plan, column, sites
                    ),
                    "card_pooled": card_index(card["validation"]["pooled"]),
                    "joined_metric": within_site(
                        adata, mine, model.predict(adata[mine]), plan, column, validated
                    )[0],
                    "prediction_gap": float(
                        np.mean(np.abs(prediction(model, adata[held], plan) - reference))
                    ),
                    "rounds": len(seconds),
                    "seconds_per_round": float(np.median(seconds)),
                    "wall_seconds": wall,
                }
            )
            print(json.dumps(rows[-1]), flush=True)
        rows.append(
            {
                "scenario": name,
                "privacy": privacy,
                "model": "pooled",
                "sites": len(sites),
                "n_train": int(train.sum()),
                "metric": within_site(
                    adata, held, pooled.predict(adata[held]), plan, column, sites
                ),
            }
        )
        print(json.dumps(rows[-1]), flush=True)
        if privacy == args.privacy[0]:
            for code in sites:
                mine = train & (adata.obs[column] == code).to_numpy()
                alone = centralised(adata, mine, plan, args.budget, args.learning_rate)
                rows.append(
                    {
                        "scenario": name,
                        "privacy": privacy,
                        "model": f"{code} alone",
                        "sites": 1,
                        "n_train": int(mine.sum()),
                        "metric": within_site(
                            adata, held, alone.predict(adata[held]), plan, column, sites
                        ),
                    }
                )
                print(json.dumps(rows[-1]), flush=True)
    return rows


def card_index(pooled: dict) -> dict:
    """The card's pooled index: estimate; under DP the noise's sd and 95% interval, or why not."""
    keys = ("estimate", "noise_sd", "noise_lower", "noise_upper", "withheld")
    return {key: pooled.get(key) for key in keys}


def card_text(card: dict) -> str:
    """The card's pooled index as the tables print it."""
    if card["estimate"] is None:
        sd = card["noise_sd"]
        return "withheld" + ("" if sd is None else f" (noise sd {sd:.2f})")
    if card["noise_sd"] is None:
        return f"{card['estimate']:.3f}"
    return f"{card['estimate']:.3f} (noise {card['noise_lower']:.3f}–{card['noise_upper']:.3f})"


def federate(folder: Path, plan_path: Path, paths: dict, args, k: int) -> tuple[Path, float]:
    """Run one loopback federation, or reuse its model; return the card and wall seconds."""
    timing = folder / "wall-seconds.json"
    cards = sorted((folder / "coordinator" / "run" / "output").glob("*.card.json"))
    if args.reuse and cards and timing.exists():
        return cards[-1], json.loads(timing.read_text())["wall_seconds"]
    started = time.perf_counter()
    federation = LoopbackFederation(folder, plan_path, paths, port=args.port + 20 * k, timeout=1200)
    card_path = federation.run()
    wall = time.perf_counter() - started
    timing.write_text(json.dumps({"wall_seconds": wall}))
    return card_path, wall


def markdown(rows: list[dict]) -> str:
    """The results as a Markdown table."""
    lines = [
        "| scenario | privacy | model | sites (refused) | training tumours | within-site index "
        "on the pooled hold-out (95% CI) | card's pooled index (true, joined sites) | mean "
        "\\|Δ prediction\\| vs pooled | rounds | s / round (median) | wall s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        est, lo, hi = r["metric"]
        sites = f"{r['sites']}" + (f" ({', '.join(r['refused'])})" if r.get("refused") else "")
        extra = ["", "", "", "", ""]
        if "rounds" in r:
            extra = [
                f"{card_text(r['card_pooled'])} ({r['joined_metric']:.3f})",
                f"{r['prediction_gap']:.3f}",
                str(r["rounds"]),
                f"{r['seconds_per_round']:.1f}",
                f"{r['wall_seconds']:.0f}",
            ]
        lines.append(
            f"| {r['scenario']} | {r['privacy']} | {r['model']} | {sites} | {r['n_train']} | "
            f"{est:.3f} ({lo:.3f}–{hi:.3f}) | " + " | ".join(extra) + " |"
        )
    return "\n".join(lines)


def privacy_table(rows: list[dict]) -> str:
    """Federated models by privacy setting against the pooled model on the same hold-out."""
    pooled = {(r["scenario"], r["privacy"]): r for r in rows if r["model"] == "pooled"}
    lines = [
        "| scenario | privacy | model | federated index (95% CI) | pooled index (95% CI) | "
        "federated − pooled | sites refused | hold-out withheld | card's pooled index "
        "(exact, same sites) | mean \\|Δ prediction\\| vs pooled |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if "rounds" not in r:
            continue
        ref = pooled[(r["scenario"], r["privacy"])]["metric"]
        est, lo, hi = r["metric"]
        lines.append(
            f"| {r['scenario']} | {r['privacy']} | {r['model']} | {est:.3f} ({lo:.3f}–{hi:.3f}) | "
            f"{ref[0]:.3f} ({ref[1]:.3f}–{ref[2]:.3f}) | {est - ref[0]:+.3f} | "
            f"{', '.join(r['refused']) or '–'} | {', '.join(r['holdout_withheld']) or '–'} | "
            f"{card_text(r['card_pooled'])} ({r['joined_metric']:.3f}) | "
            f"{r['prediction_gap']:.3f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the scenarios and print the table."""
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the processes on the way out
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="folder for the runs (default: a temporary one)")
    parser.add_argument(
        "--scenarios",
        nargs="+",
        default=["sim-3", "sim-cohort", "sim-response", "gard"],
        choices=["sim-3", "sim-cohort", "sim-response", "gard"],
    )
    parser.add_argument("--n-simulated", type=int, default=900)
    parser.add_argument("--budget", type=int, default=12, help="boosting steps per model")
    parser.add_argument("--learning-rate", type=float, default=0.2)
    parser.add_argument("--port", type=int, default=9400)
    parser.add_argument("--gard-csv", type=Path, default=None)
    parser.add_argument(
        "--reuse", action="store_true", help="reuse federated models already in --out"
    )
    parser.add_argument(
        "--privacy",
        nargs="+",
        default=["k5"],
        choices=list(PRIVACY),
        help="the plan's privacy settings to run (see PRIVACY); single-site rows use the first",
    )
    parser.add_argument(
        "--strategies",
        nargs="+",
        default=["bagging", "cyclic"],
        choices=["bagging", "cyclic"],
        help="strategies for sim-3 and gard (the others run bagging)",
    )
    args = parser.parse_args(argv)
    from train_default_model import DATA_NAME, shared_data_dir

    work = args.out or Path(tempfile.mkdtemp(prefix="rtpredict-rehearsal-"))
    work.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    both = args.strategies
    csv = args.gard_csv or shared_data_dir() / DATA_NAME
    if "gard" in args.scenarios and not csv.exists():
        parser.error(f"{csv} not found: give --gard-csv or set RTPREDICT_SHARED")
    if {"sim-3", "sim-cohort", "sim-response"} & set(args.scenarios):
        sim = simulated(args.n_simulated)
        survival = ("recurrence", "survival", SIM_FEATURES)
        if "sim-3" in args.scenarios:
            rows += run_scenario("sim-3", sim, "hash_site", *survival, both, args, work)
        if "sim-cohort" in args.scenarios:
            rows += run_scenario(
                "sim-cohort", sim, "cohort_site", *survival, ["bagging"], args, work
            )
        if "sim-response" in args.scenarios:
            binary = ("response", "binary", SIM_FEATURES)
            rows += run_scenario("sim-response", sim, "hash_site", *binary, ["bagging"], args, work)
    if "gard" in args.scenarios:
        gard = gard_cohorts(csv)
        rows += run_scenario(
            "gard", gard, "cohort_site", "recurrence", "survival", GARD_FEATURES, both, args, work
        )
    (work / "results.json").write_text(json.dumps(rows, indent=1))
    print(markdown(rows))
    print()
    print(privacy_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
