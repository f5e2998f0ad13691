#!/usr/bin/env bash
# Set up rtpredict on Debian 12: the bioinformatics tools from Debian's packages and a .venv
# with the package (editable) and its test extras. Idempotent: a second run installs nothing.
# --tests also installs what the test suite needs (headless Chromium and a font, for the
# report tests; the federated and docs extras, for the federation tests and the API reference).
set -euo pipefail
cd "$(dirname "$0")/.."

# command -> Debian package
declare -A TOOLS=([salmon]=salmon [STAR]=rna-star [fastp]=fastp [samtools]=samtools [featureCounts]=subread [gffread]=gffread)
missing=()
for cmd in "${!TOOLS[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${TOOLS[$cmd]}")
done
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
"$PYTHON" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null || {
  echo "rtpredict needs Python >= 3.11 (set PYTHON=/path/to/python3.11)." >&2; exit 1; }
"$PYTHON" -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
extras=test
if [ "${1:-}" = "--tests" ]; then
  extras=test,federated,docs
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  [ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
  command -v strace >/dev/null 2>&1 || missing+=(strace)
  command -v ip >/dev/null 2>&1 || missing+=(iproute2)
fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "       install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

stamp=.venv/.rtpredict-installed
want=$( (cat pyproject.toml; echo "$extras") | sha256sum | cut -c1-64)
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing rtpredict and its dependencies into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[$extras]"
  echo "$want" > "$stamp"
fi
