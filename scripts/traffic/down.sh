#!/usr/bin/env bash
# Stops what up.sh started: Traefik first, so nothing sends to the pod range, then the pod network.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.sh"
pidfile=$TRAFFIC_STATE/pids/traefik
if [ -f "$pidfile" ]; then
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$pidfile"
fi
bash "$here/podnet.sh" down
