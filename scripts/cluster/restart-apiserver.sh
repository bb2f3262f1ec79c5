#!/usr/bin/env bash
# Stops or starts only the kube-apiserver of a running local cluster, with exactly up.sh's command
# line (scripts/cluster/apiserver.sh), for outage tests. Use it on a PRIVATE cluster only
# (ROLLOUT_PILOT_PORT_BASE and ROLLOUT_PILOT_CLUSTER_DIR as for up.sh).
#   restart-apiserver.sh stop        kill it (SIGKILL, as a crash)
#   restart-apiserver.sh start       start it again and wait until it is ready
#   restart-apiserver.sh restart N   kill it, wait N seconds, start it again
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.sh"
STATE=${ROLLOUT_PILOT_CLUSTER_DIR:-$CACHE_ROOT/cluster}
BASE=${ROLLOUT_PILOT_PORT_BASE:-26400}
ETCD_PORT=$((BASE + 1)) API_PORT=$((BASE + 43))
pki=$STATE/pki
if [ "$BASE" = 26400 ] && [ "${ROLLOUT_PILOT_ALLOW_SHARED:-}" != 1 ]; then
  echo "restart-apiserver: refusing to touch the shared cluster (port base 26400)" >&2
  exit 1
fi

stop() {
  local f=$STATE/pids/kube-apiserver pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q kube-apiserver; then
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$f"
}

start() {
  . "$here/apiserver.sh"
  setsid "${APISERVER_CMD[@]}" >>"$STATE/logs/kube-apiserver.log" 2>&1 </dev/null &
  echo $! >"$STATE/pids/kube-apiserver"
  for _ in $(seq 300); do
    if curl -sf --max-time 2 --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" \
      "https://127.0.0.1:$API_PORT/readyz" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.2
  done
  echo "restart-apiserver: kube-apiserver did not come back" >&2
  exit 1
}

case "${1:-}" in
  stop) stop ;;
  start) start ;;
  restart)
    stop
    sleep "${2:-0}"
    start
    ;;
  *)
    echo "usage: restart-apiserver.sh stop|start|restart [seconds]" >&2
    exit 2
    ;;
esac
