#!/usr/bin/env bash
# Shut down the single-node SLURM of scripts/slurm/up.sh: cancel what is still queued, then stop
# the daemons up.sh started (recorded in /run/rtpredict-slurm/started), newest first, each by
# its process id, and wait for each to exit. Daemons that were running before up.sh are left
# alone. Configuration, accounting database and logs stay, so a later up.sh is quick.
set -euo pipefail

STATE=/run/rtpredict-slurm
export PATH="/usr/sbin:/sbin:$PATH"
say() { echo "slurm-down: $*"; }

[ -s "$STATE/started" ] || { say "nothing to stop"; exit 0; }
[ "$(id -u)" -eq 0 ] || { echo "slurm-down: needs root" >&2; exit 1; }

if scontrol ping >/dev/null 2>&1 && [ -n "$(squeue -h -o %i 2>/dev/null)" ]; then
  say "cancelling jobs still queued: $(squeue -h -o %i | tr '\n' ' ')"
  squeue -h -o %i | xargs -r scancel 2>/dev/null || true
fi

status=0
while read -r name pidfile; do
  [ -f "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  kill -0 "$pid" 2>/dev/null || continue
  if [ "$name" = mariadb ]; then
    mariadb-admin --protocol=socket shutdown 2>/dev/null || kill "$pid"
  else
    kill "$pid"
  fi
  for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "slurm-down: $name (pid $pid) did not stop within 30 s" >&2
    status=1
  else
    say "$name stopped"
  fi
done < <(tac "$STATE/started")
[ "$status" -eq 0 ] && rm -f "$STATE/started"
exit "$status"
