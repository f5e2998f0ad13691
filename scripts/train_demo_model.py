"""Train the demo model shipped with rtpredict on a SIMULATED cohort (deterministic).

The demo cohort (``rtpredict demo``) is synthetic, so it gets a model trained on synthetic data
from the same generative model (``rtpredict.simulate``), on a separate training cohort (its own
seed): 600 simulated tumours, expression without reads, somatic VCFs written and read back
through ``rtpredict.genomics.read_somatic_vcf`` as the workflow does. Features are computed by
``rtpredict.tl`` with reference statistics frozen from this training cohort; they are shipped
beside the model (``demo_recurrence.reference.json``) and the demo's ``config.yaml`` points to
them, so demo tumours are scored against the training cohort, never against each other.

The model is validated by 5-fold stratified cross-validation against RSI alone, GARD alone,
clinical covariates and 100 random gene-set controls (each signature feature replaced by a
random set of its size, scored by its own rule), then fitted on all tumours. Everything is
labelled as trained on simulated data: it says nothing about real patients.

Usage::

    python scripts/train_demo_model.py [--out rtpredict/data/models] [--n-random-sets 100]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rtpredict import tl  # noqa: E402
from rtpredict.genomics import read_somatic_vcf  # noqa: E402
from rtpredict.models import RadiosensitivityModel, save_model  # noqa: E402
from rtpredict.models._feature import SIGNATURE_FEATURES  # noqa: E402
from rtpredict.models.validation import cross_validate  # noqa: E402
from rtpredict.simulate import SimulationParams, simulate_cohort  # noqa: E402
from rtpredict.simulate._dna import CALLABLE_MB  # noqa: E402

NAME = "demo_recurrence"
PARAMS = SimulationParams(n_tumours=600, read_pairs=1, n_background_genes=300, seed=101)
#: gard is left out on purpose: it carries RSI, which random controls replace; the model can
#: learn the same from rsi and the schedule
FEATURES = [
    "rsi",
    *SIGNATURE_FEATURES,
    "dna_nrf2_pathway",
    "dna_repair_defect",
    "dna_STK11_mutated",
    "dna_TP53_mutated",
    "dna_tmb",
    "site",
    "dose_per_fraction",
    "fractions",
    "received_rt",
]
SEED = 101
CREATED = "2026-11-28T00:00:00+00:00"


def training_cohort():
    """Simulate the training cohort and compute its features; return (adata, reference)."""
    cohort = simulate_cohort(PARAMS)
    adata = cohort.to_anndata()
    with tempfile.TemporaryDirectory(prefix="rtpredict-demo-vcf-") as folder:
        variants = {s: read_somatic_vcf(p) for s, p in cohort.write_vcfs(folder).items()}
    reference = tl.reference_statistics(
        adata, SIGNATURE_FEATURES, source="simulated training cohort"
    )
    tl.score_rsi(adata)
    tl.gard(adata)
    tl.score_signatures(adata, SIGNATURE_FEATURES, reference=reference)
    tl.dna_features(adata, variants, callable_mb=CALLABLE_MB)
    del adata.obsm["truth"]  # the model sees what a real cohort has, nothing more
    return adata, reference


def main() -> int:
    """Train, validate and save the demo model; print the validation summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "rtpredict" / "data" / "models")
    parser.add_argument("--n-random-sets", type=int, default=100)
    parser.add_argument("--n-ci-bootstrap", type=int, default=1000)
    args = parser.parse_args()
    adata, reference = training_cohort()

    def model() -> RadiosensitivityModel:
        return RadiosensitivityModel(
            "recurrence",
            features=FEATURES,
            horizon=5.0,
            n_bootstrap=20,
            id_salt=f"rtpredict-{NAME}",  # fixed: rebuilding gives byte-identical files
            random_state=SEED,
        )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        validation = cross_validate(
            model(),
            adata,
            cv="stratified",
            n_splits=5,
            n_random_sets=args.n_random_sets,
            n_ci_bootstrap=args.n_ci_bootstrap,
            random_state=SEED,
        )
    fitted = model().fit(adata)
    n, events = adata.n_obs, int(adata.obs["recurrence_event"].sum())
    info = {
        "name": NAME,
        "title": "DEMO ONLY - first recurrence, trained on SIMULATED tumours",
        "description": (
            "XGBoost Cox model of time to first recurrence from RSI, the catalog signatures, "
            "DNA features and the schedule, trained on a simulated cohort (rtpredict.simulate, "
            f"seed {PARAMS.seed}) to demonstrate the workflow on the simulated demo cohort. "
            "Reference statistics for cohort-relative signatures are frozen from the training "
            f"cohort in {NAME}.reference.json."
        ),
        "trained_on": f"SIMULATED data: {n} synthetic tumours ({events} recurrences), no patient",
        "data_source": f"rtpredict simulate, parameters {PARAMS.to_dict()}",
        "licence": "MIT (rtpredict)",
        "created": CREATED,
        "intended_use": "Demonstration on simulated data only. Not for any patient.",
    }
    args.out.mkdir(parents=True, exist_ok=True)
    save_model(fitted, args.out / f"{NAME}.json", info=info, validation=validation)
    reference.save(args.out / f"{NAME}.reference.json")
    print(validation.summary().to_markdown())
    print(validation.random_sets)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
