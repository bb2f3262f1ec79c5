#!/usr/bin/env bash
# Stops the oracle's controller and its control plane.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.sh"
export ROLLOUT_PILOT_PORT_BASE=${ROLLOUT_PILOT_ARGO_PORT_BASE:-26800}
export ROLLOUT_PILOT_CLUSTER_DIR=${ROLLOUT_PILOT_ARGO_CLUSTER_DIR:-$CACHE_ROOT/cluster-argo}
f=$ROLLOUT_PILOT_CLUSTER_DIR/pids/rollouts-controller
if [ -f "$f" ]; then
  pid=$(cat "$f")
  if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q rollouts-controller; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$f"
fi
bash "$here/../cluster/down.sh"
