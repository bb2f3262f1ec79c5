#!/usr/bin/env bash
# Starts the oracle: a second local control plane (its own port base and folder, so nothing that
# rollout-pilot's tests do is seen by it) with Argo Rollouts' CRDs and the real Argo Rollouts
# controller watching every namespace. Idempotent; the last line printed is its kubeconfig path.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.sh"

export ROLLOUT_PILOT_PORT_BASE=${ROLLOUT_PILOT_ARGO_PORT_BASE:-26800}
export ROLLOUT_PILOT_CLUSTER_DIR=${ROLLOUT_PILOT_ARGO_CLUSTER_DIR:-$CACHE_ROOT/cluster-argo}
STATE=$ROLLOUT_PILOT_CLUSTER_DIR
# The controller's metrics and health listeners bind every address (it has no flag for the host):
# free ports in the cluster's range, reached only over loopback.
METRICS_PORT=$((ROLLOUT_PILOT_PORT_BASE + 90)) HEALTHZ_PORT=$((ROLLOUT_PILOT_PORT_BASE + 91))

log() { printf 'conformance: %s\n' "$*" >&2; }
controller_alive() {
  [ -f "$STATE/pids/rollouts-controller" ] && kill -0 "$(cat "$STATE/pids/rollouts-controller")" 2>/dev/null &&
    curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$HEALTHZ_PORT/healthz"
}

# `up.sh --check`: only say (by exit code) whether the oracle is up.
if [ "${1:-}" = --check ]; then
  bash "$here/../cluster/up.sh" --check >/dev/null 2>&1 && controller_alive
  exit
fi

argo_dir=$(bash "$here/build.sh" | tail -n 1)
cluster_was_up=true
bash "$here/../cluster/up.sh" --check >/dev/null 2>&1 || cluster_was_up=false
kubeconfig=$(bash "$here/../cluster/up.sh" | tail -n 1)
if $cluster_was_up && controller_alive; then
  log "already running"
  echo "$kubeconfig"
  exit 0
fi
k() { kubectl --kubeconfig="$kubeconfig" "$@"; }
k apply --server-side -f "$argo_dir/crds/" >/dev/null
# Right after the apply a CRD may have no conditions yet, which `kubectl wait` takes for an error.
for crd in rollouts analysisruns analysistemplates clusteranalysistemplates experiments; do
  for _ in $(seq 150); do
    [ "$(k get "crd/$crd.argoproj.io" -o jsonpath='{.status.conditions[?(@.type=="Established")].status}' 2>/dev/null)" = True ] && break
    sleep 0.2
  done
done

if [ -f "$STATE/pids/rollouts-controller" ]; then
  kill -TERM -- "-$(cat "$STATE/pids/rollouts-controller")" 2>/dev/null || true
  rm -f "$STATE/pids/rollouts-controller"
fi
setsid "$argo_dir/rollouts-controller" --kubeconfig="$kubeconfig" --leader-elect=false \
  --metricsPort="$METRICS_PORT" --healthzPort="$HEALTHZ_PORT" --loglevel=info --qps=200 --burst=400 \
  >"$STATE/logs/rollouts-controller.log" 2>&1 </dev/null &
echo $! >"$STATE/pids/rollouts-controller"
for _ in $(seq 150); do
  controller_alive && break
  sleep 0.2
done
if ! controller_alive; then
  log "the Argo Rollouts controller did not come up; its log:"
  tail -n 30 "$STATE/logs/rollouts-controller.log" >&2
  exit 1
fi
log "Argo Rollouts controller $ARGO_VERSION up"
echo "$kubeconfig"
