#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the whole workflow on the bundled demo cohort.
# Extra arguments go to snakemake (e.g. --cores 4, -n).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/rtpredict demo "$@"
