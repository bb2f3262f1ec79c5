#!/usr/bin/env bash
# Stops every process of the local control plane and removes its data. Leaves no process behind.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.sh"
STATE=${ROLLOUT_PILOT_CLUSTER_DIR:-$CACHE_ROOT/cluster}
rm -f "$STATE/ready"
[ -d "$STATE/pids" ] || exit 0
for name in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
  f=$STATE/pids/$name
  [ -f "$f" ] || continue
  pid=$(cat "$f")
  # A pid left from a machine restart may belong to another process now: only stop our binary.
  if ! tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$name"; then
    rm -f "$f"
    continue
  fi
  # Each component runs in its own session (setsid): kill the whole group.
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
  rm -f "$f"
done
rm -rf "$STATE/etcd-data"
echo "cluster: down" >&2
