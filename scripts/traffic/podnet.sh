#!/usr/bin/env bash
# The local cluster's pod network, made by the project inside its own sandbox: a network namespace
# joined to the host by a veth pair, a host route for kwok's pod range through it, and the backend
# (backend.ts), which binds each Running pod's IP in the namespace and answers as that pod.
#   podnet.sh up       make it (idempotent); needs the local cluster up and root
#   podnet.sh down     remove it
#   podnet.sh --check  exit 0 only when all of it is there and the backend answers
# Only addresses inside the namespace are ever reachable through it: the namespace does not forward,
# and while the pod network is up an unreachable route keeps the pod range from ever leaving the host.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/versions.sh"

PIDS=$TRAFFIC_STATE/pids
LOGS=$TRAFFIC_STATE/logs
mkdir -p "$PIDS" "$LOGS"

log() { printf 'podnet: %s\n' "$*" >&2; }
alive() { [ -f "$PIDS/$1" ] && kill -0 "$(cat "$PIDS/$1")" 2>/dev/null; }
backend_ready() { curl -sf --max-time 2 "http://127.0.0.1:$BACKEND_CONTROL_PORT/healthz" >/dev/null 2>&1; }
# Outputs are read whole before matching: with pipefail, `ip ... | grep -q` fails by SIGPIPE whenever
# grep stops reading early.
net_ready() {
  local namespaces link routes
  namespaces=$(ip netns list 2>/dev/null) link=$(ip link show "$PODNET_HOST_IF" 2>/dev/null) &&
    routes=$(ip route show "$POD_CIDR" 2>/dev/null) || return 1
  grep -qw "$PODNET_NS" <<<"$namespaces" && grep -q 'state UP' <<<"$link" &&
    grep -q "dev $PODNET_HOST_IF" <<<"$routes"
}

stop_backend() {
  if alive backend; then
    local pid
    pid=$(cat "$PIDS/backend")
    # The backend was started with setsid: its group holds the server in the namespace too.
    kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$PIDS/backend"
}

down() {
  stop_backend
  ip route del "$POD_CIDR" dev "$PODNET_HOST_IF" 2>/dev/null || true
  ip route del unreachable "$POD_CIDR" 2>/dev/null || true
  ip link del "$PODNET_HOST_IF" 2>/dev/null || true
  ip netns del "$PODNET_NS" 2>/dev/null || true
  log "down"
}

# `ip` (iproute2) makes the namespace, the veth pair and the routes; a fresh machine may lack it.
ensure_ip() {
  command -v ip >/dev/null 2>&1 && return 0
  command -v apt-get >/dev/null 2>&1 || { log "needs ip (iproute2); apt-get is missing"; exit 1; }
  log "installing iproute2"
  apt() {
    env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=300 "$@" >>"$LOGS/apt.log" 2>&1
  }
  if ! apt install --no-install-recommends iproute2; then
    # Stale or missing package lists: update once, then try again.
    if ! apt update || ! apt install --no-install-recommends iproute2; then
      log "could not install iproute2; apt-get said:"
      tail -n 20 "$LOGS/apt.log" >&2
      exit 1
    fi
  fi
}

up_network() {
  grep -qw "$PODNET_NS" <<<"$(ip netns list)" || ip netns add "$PODNET_NS"
  if ! ip link show "$PODNET_HOST_IF" >/dev/null 2>&1; then
    ip link add "$PODNET_HOST_IF" type veth peer name "$PODNET_POD_IF" netns "$PODNET_NS"
  fi
  ip addr replace "$PODNET_HOST_ADDR/30" dev "$PODNET_HOST_IF"
  ip link set "$PODNET_HOST_IF" up
  ip -n "$PODNET_NS" link set lo up
  ip -n "$PODNET_NS" addr replace "$PODNET_POD_ADDR/30" dev "$PODNET_POD_IF"
  ip -n "$PODNET_NS" link set "$PODNET_POD_IF" up
  # The namespace only answers for the addresses it holds; it never passes packets on.
  ip netns exec "$PODNET_NS" sysctl -qw net.ipv4.ip_forward=0
  # Should the veth route ever vanish, the pod range fails on the host instead of going out.
  ip route replace unreachable "$POD_CIDR" metric 4000
  ip route replace "$POD_CIDR" via "$PODNET_POD_ADDR" dev "$PODNET_HOST_IF" src "$PODNET_HOST_ADDR" metric 10
}

up_backend() {
  local kubeconfig=$1
  stop_backend
  setsid "$root/node_modules/.bin/node" "$here/backend.ts" --kubeconfig "$kubeconfig" --netns "$PODNET_NS" \
    --device "$PODNET_POD_IF" --pod-cidr "$POD_CIDR" --control-port "$BACKEND_CONTROL_PORT" \
    >"$LOGS/backend.log" 2>&1 </dev/null &
  echo $! >"$PIDS/backend"
  for _ in $(seq 100); do
    if backend_ready; then return 0; fi
    alive backend || break
    sleep 0.1
  done
  log "the backend did not come up; its log:"
  tail -n 30 "$LOGS/backend.log" >&2
  exit 1
}

case "${1:-}" in
  --check)
    net_ready && alive backend && backend_ready
    ;;
  down)
    down
    ;;
  up)
    if net_ready && alive backend && backend_ready; then
      log "already up"
      exit 0
    fi
    [ "$(id -u)" = 0 ] || { log "needs root (ip netns, veth, routes)"; exit 1; }
    ensure_ip
    kubeconfig=${ROLLOUT_PILOT_KUBECONFIG:-$(bash "$root/scripts/cluster/up.sh" | tail -n 1)}
    up_network
    up_backend "$kubeconfig"
    log "up: namespace $PODNET_NS, $POD_CIDR via $PODNET_HOST_IF, backend control on 127.0.0.1:$BACKEND_CONTROL_PORT"
    ;;
  *)
    echo "usage: podnet.sh up|down|--check" >&2
    exit 2
    ;;
esac
