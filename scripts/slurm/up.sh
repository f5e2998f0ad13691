#!/usr/bin/env bash
# Bring up a real single-node SLURM on this machine (Debian 12, root) from Debian's packages:
# munge, MariaDB + slurmdbd (so that `sacct` works), slurmctld and slurmd, all on localhost.
# The node gets every CPU and a little less memory than `slurmd -C` reports; one partition
# (`local`), one account (`rtpredict`) holding root, associations enforced as on a real cluster.
#
# Idempotent: installs only missing packages, rewrites only its own configuration, starts only
# daemons that do not answer, and waits until the node is idle. Daemons it starts are recorded
# in /run/rtpredict-slurm/started and stopped again by scripts/slurm/down.sh.
#
# Exit status: 0 SLURM is up; 3 SLURM cannot be brought up here (not root, no apt-get, not
# Debian, or a SLURM configuration that is not ours); anything else is a real failure.
set -euo pipefail

CLUSTER=rtpredict
PARTITION=local
ACCOUNT=rtpredict
STATE=/run/rtpredict-slurm
MARKER="# Written by rtpredict scripts/slurm/up.sh (single-node test cluster); safe to delete."
LOGDIR=/var/log/slurm
WAIT=${SLURM_UP_TIMEOUT:-90}

cannot() { echo "slurm-up: cannot bring up SLURM here: $*" >&2; exit 3; }
fail() { echo "slurm-up: $*" >&2; exit 1; }
say() { echo "slurm-up: $*"; }

[ "$(id -u)" -eq 0 ] || cannot "needs root (the daemons and jobs run as root)"
[ -r /etc/debian_version ] || cannot "not a Debian system"

# ----- packages ---------------------------------------------------------------------------------
declare -A PKG=([slurmctld]=slurmctld [slurmd]=slurmd [slurmdbd]=slurmdbd [sbatch]=slurm-client
  [munged]=munge [mariadbd]=mariadb-server [runuser]=util-linux)
missing=()
for cmd in "${!PKG[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || missing+=("${PKG[$cmd]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || cannot "missing ${missing[*]} and no apt-get"
  say "installing Debian packages: slurm-wlm ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # slurmdbd pulls slurm-wlm-mysql-plugin; slurm-wlm pulls munge and the basic plugins
  apt-get install -y -qq --no-install-recommends slurm-wlm slurmdbd mariadb-server \
    >/dev/null
fi
export PATH="/usr/sbin:/sbin:$PATH"

mkdir -p "$STATE" "$LOGDIR" /var/lib/slurm/slurmctld /var/lib/slurm/slurmd /etc/slurm
touch "$STATE/started"

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Run until true or time out (printing a log tail).
wait_for() {
  local what=$1 log=$2; shift 2
  for _ in $(seq "$WAIT"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  echo "slurm-up: $what did not come up within ${WAIT}s" >&2
  [ -f "$log" ] && tail -n 30 "$log" >&2
  exit 1
}

STARTED=0
record() {  # remember a daemon this script started, once
  grep -qxF "$1 $2" "$STATE/started" || echo "$1 $2" >>"$STATE/started"
  STARTED=$((STARTED + 1))
}

# Write a configuration file unless an identical one is there; refuse to overwrite a foreign
# one. Sets CHANGED=1 when the file was (re)written.
CHANGED=0
install_config() {
  local path=$1 mode=$2 content=$3
  if [ -f "$path" ]; then
    if ! head -n 1 "$path" | grep -qxF "$MARKER"; then
      cannot "$path exists and was not written by this script (not touching it)"
    fi
    if [ "$(cat "$path")" = "$content" ]; then return 0; fi
  fi
  local tmp
  tmp=$(mktemp "$path.XXXXXX")
  printf '%s\n' "$content" >"$tmp"
  chmod "$mode" "$tmp"
  mv -f "$tmp" "$path"
  CHANGED=1
}

# ----- munge ------------------------------------------------------------------------------------
if [ ! -s /etc/munge/munge.key ]; then
  say "creating the munge key"
  mungekey --create --keyfile=/etc/munge/munge.key
fi
chown munge:munge /etc/munge/munge.key && chmod 600 /etc/munge/munge.key
munge_ok() { munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; }
if ! munge_ok; then
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 /var/log/munge /var/lib/munge
  runuser -u munge -- munged --pid-file=/run/munge/munged.pid
  record munged /run/munge/munged.pid
  wait_for munged /var/log/munge/munged.log munge_ok
  say "munged started"
fi

# ----- MariaDB (for slurmdbd) -------------------------------------------------------------------
db_ok() { mariadb-admin --protocol=socket ping; }
if ! db_ok >/dev/null 2>&1; then
  install -d -o mysql -g mysql -m 0755 /run/mysqld
  setsid mariadbd --user=mysql --skip-networking --pid-file=/run/mysqld/mysqld.pid \
    --log-error="$STATE/mariadb.log" </dev/null >/dev/null 2>&1 &
  wait_for MariaDB "$STATE/mariadb.log" db_ok
  record mariadb /run/mysqld/mysqld.pid
  say "MariaDB started"
fi

# ----- configuration ----------------------------------------------------------------------------
read -r CPUS MEM < <(slurmd -C | awk '/^NodeName/ {
  for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
  print v["CPUs"], v["RealMemory"] }') || true
if [ -z "${CPUS:-}" ] || [ -z "${MEM:-}" ]; then
  fail "could not read CPUs and RealMemory from slurmd -C"
fi
# a little below what the node has, so that slurmd does not drain it for missing memory
MEM=$((MEM - (MEM / 20 > 512 ? MEM / 20 : 512)))

install_config /etc/slurm/slurm.conf 0644 "$MARKER
ClusterName=$CLUSTER
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
ReturnToService=2
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
SlurmctldLogFile=$LOGDIR/slurmctld.log
SlurmdLogFile=$LOGDIR/slurmd.log
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# finished jobs stay visible to squeue / scontrol for an hour (sacct keeps them for good)
MinJobAge=3600
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStorageEnforce=associations
# keep sbatch --comment (the executor plugin puts the rule and wildcards there) for sacct
AccountingStoreFlags=job_comment
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=5
JobCompType=jobcomp/none
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=$PARTITION Nodes=localhost Default=YES MaxTime=INFINITE State=UP"
SLURM_CHANGED=$CHANGED

CHANGED=0
install_config /etc/slurm/slurmdbd.conf 0600 "$MARKER
AuthType=auth/munge
DbdHost=localhost
SlurmUser=root
PidFile=$STATE/slurmdbd.pid
LogFile=$LOGDIR/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=root
StorageLoc=slurm_acct_db"
DBD_CHANGED=$CHANGED

restart() {  # stop a daemon of ours whose configuration changed; it is started again below
  if alive "$2"; then
    say "configuration changed: restarting $1"
    kill "$(cat "$2")"
    for _ in $(seq 30); do alive "$2" || break; sleep 1; done
  fi
}
[ "$DBD_CHANGED" = 1 ] && restart slurmdbd "$STATE/slurmdbd.pid"
[ "$SLURM_CHANGED" = 1 ] && restart slurmd "$STATE/slurmd.pid"
[ "$SLURM_CHANGED" = 1 ] && restart slurmctld "$STATE/slurmctld.pid"

# ----- slurmdbd, cluster, account ---------------------------------------------------------------
dbd_ok() { sacctmgr -n -P list cluster format=cluster; }
if ! alive "$STATE/slurmdbd.pid"; then
  slurmdbd
  record slurmdbd "$STATE/slurmdbd.pid"
  wait_for slurmdbd "$LOGDIR/slurmdbd.log" dbd_ok
  say "slurmdbd started"
fi
if ! sacctmgr -n -P list cluster format=cluster | grep -qx "$CLUSTER"; then
  sacctmgr -i add cluster "$CLUSTER" >/dev/null
fi
if ! sacctmgr -n -P list account format=account | grep -qx "$ACCOUNT"; then
  sacctmgr -i add account "$ACCOUNT" cluster="$CLUSTER" \
    description="rtpredict workflow tests" organization=rtpredict >/dev/null
fi
if ! sacctmgr -n -P list association cluster="$CLUSTER" account="$ACCOUNT" user=root \
  format=user | grep -qx root; then
  sacctmgr -i add user root account="$ACCOUNT" cluster="$CLUSTER" >/dev/null
fi

# ----- slurmctld, slurmd ------------------------------------------------------------------------
if ! alive "$STATE/slurmctld.pid"; then
  slurmctld
  record slurmctld "$STATE/slurmctld.pid"
  wait_for slurmctld "$LOGDIR/slurmctld.log" scontrol ping
  say "slurmctld started"
fi
if ! alive "$STATE/slurmd.pid"; then
  slurmd -N localhost
  record slurmd "$STATE/slurmd.pid"
  say "slurmd started"
fi
node_state() { sinfo -h -N -n localhost -o %T 2>/dev/null; }
idle() { [[ "$(node_state)" =~ ^(idle|mixed|allocated)$ ]]; }
for _ in $(seq "$WAIT"); do
  idle && break
  case "$(node_state)" in
    down* | drain*) scontrol update nodename=localhost state=resume 2>/dev/null || true ;;
  esac
  sleep 1
done
idle || { tail -n 30 "$LOGDIR/slurmd.log" >&2; fail "node localhost is $(node_state), not idle"; }
status="was already up"
[ "$STARTED" -gt 0 ] && status="is up"
say "SLURM $status: cluster $CLUSTER, partition $PARTITION, account $ACCOUNT," \
  "node localhost with $CPUS CPUs and ${MEM} MB"
