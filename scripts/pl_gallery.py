"""Draw every ``rtpredict.pl`` figure on a simulated cohort and save each as a PNG.

The cohort is the demo's simulator (SYNTHETIC tumours, no patient): features by
``rtpredict.tl`` against the demo model's frozen reference, predictions of the demo model,
whose card holds its cross-validation. Usage: ``python scripts/pl_gallery.py OUTDIR``.
"""

from __future__ import annotations

import argparse
import tempfile
import warnings
from pathlib import Path

import matplotlib.pyplot as plt

from rtpredict import pl, tl
from rtpredict.genomics import read_somatic_vcf
from rtpredict.models import default_reference, load_default
from rtpredict.simulate import SimulationParams, simulate_cohort

MODEL = "demo_recurrence"


def cohort(n_tumours: int, seed: int):
    """Simulate ``n_tumours`` tumours and score them as the workflow does."""
    simulated = simulate_cohort(SimulationParams(n_tumours=n_tumours, read_pairs=1, seed=seed))
    adata = simulated.to_anndata()
    with tempfile.TemporaryDirectory(prefix="rtpredict-gallery-vcf-") as folder:
        variants = {s: read_somatic_vcf(p) for s, p in simulated.write_vcfs(folder).items()}
    tl.score_rsi(adata)
    tl.gard(adata)
    tl.score_signatures(adata, reference=tl.ReferenceStatistics.load(default_reference(MODEL)))
    tl.dna_features(adata, variants, callable_mb=30.0)
    model = load_default(MODEL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tl.predict(adata, model, key_added=MODEL)
    return adata, model.card_["validation"]


def main() -> int:
    """Write one PNG per figure into the output folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--tumours", type=int, default=120)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    args.outdir.mkdir(parents=True, exist_ok=True)
    adata, validation = cohort(args.tumours, args.seed)
    first = str(adata.obs_names[0])
    figures = {
        "distribution_rsi": lambda: pl.distribution(
            adata, "rsi", groupby="site", highlight=first, threshold=0.46
        ),
        "distribution_gard": lambda: pl.distribution(adata, "gard", highlight=first),
        "signature_heatmap": lambda: pl.signature_heatmap(adata[:30], groupby="site"),
        "waterfall": lambda: pl.waterfall(adata, first, key=MODEL),
        "validation_forest": lambda: pl.validation_forest(validation),
        "calibration": lambda: pl.calibration(
            adata, "recurrence_event", key=MODEL, time="recurrence_years"
        ),
    }
    for name, draw in figures.items():
        ax = draw()
        path = args.outdir / f"{name}.png"
        ax.figure.savefig(path, dpi=120)
        plt.close(ax.figure)
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
