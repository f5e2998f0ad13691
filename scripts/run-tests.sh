#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the linters, the documentation build and the test suite,
# end-to-end workflow runs included. Extra arguments go to pytest (e.g. -m "not workflow" for
# the fast tests only).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --tests
export PATH="$PWD/.venv/bin:$PATH"
# CI runs every test: the report tests fail (not skip) without Chromium, the SLURM test where
# SLURM cannot be brought up, the federated ones without flwr, root, strace or namespaces
export RTPREDICT_REQUIRE_BROWSER=1 RTPREDICT_REQUIRE_SLURM=1 RTPREDICT_REQUIRE_FEDERATED=1
ruff check rtpredict tests benchmarks scripts
ruff format --check rtpredict tests benchmarks scripts
# the package's layers and private modules (pyproject.toml, [tool.importlinter])
lint-imports
snakefmt --check Snakefile rules
rtpredict simulate --outdir .test/data --tumours 2 --read-pairs 2000 --background-genes 20
snakemake --lint --configfile .test/config.yaml
# the API reference and guides (docs/conf.py), from scratch, warnings as errors
rm -rf docs/_build docs/api/generated
sphinx-build -W --keep-going -q -b html docs docs/_build/html
exec python -m pytest "$@"
