#!/usr/bin/env bash
# Real traffic on the local cluster: the pod network with its backend (podnet.sh) and Traefik,
# built on first use (build-traefik.sh), watching the cluster through its Gateway API and Ingress
# NGINX providers and listening on loopback only. Idempotent. The last line printed is the proxy's
# URL. `up.sh --check` only says, by exit code, whether all of it is up.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/versions.sh"

PIDS=$TRAFFIC_STATE/pids
LOGS=$TRAFFIC_STATE/logs
PROXY_URL=http://127.0.0.1:$TRAEFIK_WEB_PORT
log() { printf 'traffic: %s\n' "$*" >&2; }
alive() { [ -f "$PIDS/$1" ] && kill -0 "$(cat "$PIDS/$1")" 2>/dev/null; }
traefik_ready() { curl -sf --max-time 2 "http://127.0.0.1:$TRAEFIK_ADMIN_PORT/ping" >/dev/null 2>&1; }

if bash "$here/podnet.sh" --check && alive traefik && traefik_ready; then
  [ "${1:-}" = --check ] && exit 0
  log "already up"
  echo "$PROXY_URL"
  exit 0
fi
[ "${1:-}" = --check ] && exit 1

kubeconfig=${ROLLOUT_PILOT_KUBECONFIG:-$(bash "$root/scripts/cluster/up.sh" | tail -n 1)}
traefik_dir=$(bash "$here/build-traefik.sh" | tail -n 1)
ROLLOUT_PILOT_KUBECONFIG=$kubeconfig bash "$here/podnet.sh" up
mkdir -p "$PIDS" "$LOGS"

# The classes Traefik serves, and one shared Gateway that routes from every namespace, as a
# cluster's ingress gateway does. Their own names keep them apart from the router-object tests.
kubectl --kubeconfig="$kubeconfig" apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Namespace
metadata: {name: $TRAFFIC_NAMESPACE}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: $TRAFFIC_GATEWAY_CLASS}
spec: {controllerName: traefik.io/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: $TRAFFIC_GATEWAY, namespace: $TRAFFIC_NAMESPACE}
spec:
  gatewayClassName: $TRAFFIC_GATEWAY_CLASS
  listeners:
    - name: web
      protocol: HTTP
      port: $TRAEFIK_WEB_PORT
      allowedRoutes: {namespaces: {from: All}}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: $TRAFFIC_INGRESS_CLASS}
spec: {controller: $TRAFFIC_INGRESS_CONTROLLER}
YAML

if ! alive traefik || ! traefik_ready; then
  [ -f "$PIDS/traefik" ] && kill "$(cat "$PIDS/traefik")" 2>/dev/null || true
  cat >"$TRAFFIC_STATE/traefik.yml" <<YAML
global: {checkNewVersion: false, sendAnonymousUsage: false}
log: {level: INFO, noColor: true}
entryPoints:
  web: {address: "127.0.0.1:$TRAEFIK_WEB_PORT"}
  admin: {address: "127.0.0.1:$TRAEFIK_ADMIN_PORT"}
ping: {entryPoint: admin}
# The API (no dashboard: the published module has no web UI build) on the admin entry point.
api: {dashboard: false}
metrics:
  prometheus: {entryPoint: admin, addServicesLabels: true, addRoutersLabels: true}
# A pod that went away must fail fast, not hang a test for Traefik's default 30s.
serversTransport:
  forwardingTimeouts: {dialTimeout: 2s}
providers:
  providersThrottleDuration: 200ms
  kubernetesGateway: {throttleDuration: 0s}
  kubernetesIngressNGINX:
    ingressClass: $TRAFFIC_INGRESS_CLASS
    controllerClass: $TRAFFIC_INGRESS_CONTROLLER
YAML
  KUBECONFIG=$kubeconfig setsid "$traefik_dir/traefik" --configFile="$TRAFFIC_STATE/traefik.yml" \
    >"$LOGS/traefik.log" 2>&1 </dev/null &
  echo $! >"$PIDS/traefik"
  for _ in $(seq 150); do
    if traefik_ready; then break; fi
    alive traefik || break
    sleep 0.2
  done
  if ! traefik_ready; then
    log "Traefik did not come up; its log:"
    tail -n 30 "$LOGS/traefik.log" >&2
    exit 1
  fi
fi

# Ready once Traefik has taken the shared Gateway.
for _ in $(seq 100); do
  programmed=$(kubectl --kubeconfig="$kubeconfig" -n "$TRAFFIC_NAMESPACE" get gateway "$TRAFFIC_GATEWAY" \
    -o jsonpath='{.status.conditions[?(@.type=="Programmed")].status}' 2>/dev/null || true)
  [ "$programmed" = True ] && break
  sleep 0.2
done
[ "$programmed" = True ] || { log "the Gateway was not programmed; see $LOGS/traefik.log"; exit 1; }
log "up: proxy $PROXY_URL (admin, metrics: 127.0.0.1:$TRAEFIK_ADMIN_PORT), backend 127.0.0.1:$BACKEND_CONTROL_PORT"
echo "$PROXY_URL"
