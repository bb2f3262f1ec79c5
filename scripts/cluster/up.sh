#!/usr/bin/env bash
# Starts a real Kubernetes control plane on 127.0.0.1: etcd, kube-apiserver (RBAC on),
# kube-controller-manager, kube-scheduler, and kwok playing kubelet for fake Nodes, so ReplicaSets get
# scheduled, Running, Ready pods and Services get EndpointSlices. Idempotent: when the cluster is
# already up it only prints the kubeconfig. The last line printed is always the kubeconfig path.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.sh"

STATE=${ROLLOUT_PILOT_CLUSTER_DIR:-$CACHE_ROOT/cluster}
BASE=${ROLLOUT_PILOT_PORT_BASE:-26400}
ETCD_PORT=$((BASE + 1)) ETCD_PEER=$((BASE + 2)) API_PORT=$((BASE + 43))
KCM_PORT=$((BASE + 57)) SCHED_PORT=$((BASE + 59)) KWOK_PORT=$((BASE + 10))
KUBECONFIG_OUT=$STATE/kubeconfig
NODES=${ROLLOUT_PILOT_NODES:-3}

log() { printf 'cluster: %s\n' "$*" >&2; }

alive() { [ -f "$STATE/pids/$1" ] && kill -0 "$(cat "$STATE/pids/$1")" 2>/dev/null; }

api_ready() {
  curl -sf --max-time 2 --cacert "$STATE/pki/ca.crt" --cert "$STATE/pki/admin.crt" --key "$STATE/pki/admin.key" \
    "https://127.0.0.1:$API_PORT/readyz" >/dev/null 2>&1
}

if [ -f "$STATE/ready" ] && alive etcd && alive kube-apiserver && alive kube-controller-manager && alive kube-scheduler && alive kwok && api_ready; then
  log "already running"
  echo "$KUBECONFIG_OUT"
  exit 0
fi
# `up.sh --check`: only say (by exit code) whether the cluster is up.
[ "${1:-}" = --check ] && exit 1

start=$(date +%s%3N)
# Anything half-up from an earlier attempt goes first, so ports and data are clean.
bash "$here/down.sh" >/dev/null 2>&1 || true

"$here/build.sh" >/dev/null
crds=$(bash "$here/crds.sh" | tail -n 1)
mkdir -p "$STATE"/{pki,pids,logs}
rm -rf "$STATE/etcd-data"

for port in $ETCD_PORT $ETCD_PEER $API_PORT $KCM_PORT $SCHED_PORT $KWOK_PORT; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "cluster: port $port on 127.0.0.1 is taken; set ROLLOUT_PILOT_PORT_BASE to another base" >&2
    exit 1
  fi
done

# Certificates: one CA; the API server's serving cert; an admin client cert in system:masters; a
# key pair for service-account tokens. Made once and kept (valid for a year).
pki=$STATE/pki
if [ ! -f "$pki/admin.crt" ]; then
  (
    cd "$pki"
    openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=rollout-pilot-test-ca" \
      -keyout ca.key -out ca.crt 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" -keyout serving.key -out serving.csr 2>/dev/null
    openssl x509 -req -in serving.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -out serving.crt \
      -extfile <(printf 'subjectAltName=DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc,IP:127.0.0.1,IP:10.96.0.1\nextendedKeyUsage=serverAuth') 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=admin/O=system:masters" -keyout admin.key -out admin.csr 2>/dev/null
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -out admin.crt \
      -extfile <(printf 'extendedKeyUsage=clientAuth') 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    rm -f ./*.csr
  )
fi

cat >"$KUBECONFIG_OUT" <<KC
apiVersion: v1
kind: Config
clusters:
- name: rollout-pilot-local
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority: $pki/ca.crt
users:
- name: admin
  user:
    client-certificate: $pki/admin.crt
    client-key: $pki/admin.key
contexts:
- name: rollout-pilot-local
  context: {cluster: rollout-pilot-local, user: admin, namespace: default}
current-context: rollout-pilot-local
KC

launch() {
  local name=$1
  shift
  setsid "$@" >"$STATE/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$STATE/pids/$name"
}

wait_for() {
  local what=$1 tries=$2
  shift 2
  for _ in $(seq "$tries"); do
    if "$@"; then return 0; fi
    sleep 0.2
  done
  log "$what did not come up; its log:"
  tail -n 30 "$STATE/logs/$what.log" >&2 || true
  exit 1
}

launch etcd "$BIN_DIR/etcd" --name=node0 --data-dir="$STATE/etcd-data" \
  --listen-client-urls="http://127.0.0.1:$ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls="http://127.0.0.1:$ETCD_PEER" --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER" \
  --initial-cluster="node0=http://127.0.0.1:$ETCD_PEER" --unsafe-no-fsync=true --log-level=warn \
  --quota-backend-bytes=4294967296 --auto-compaction-retention=1
wait_for etcd 100 curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$ETCD_PORT/health"

. "$here/apiserver.sh"
launch kube-apiserver "${APISERVER_CMD[@]}"
wait_for kube-apiserver 300 api_ready

launch kube-controller-manager "$BIN_DIR/kube-controller-manager" \
  --kubeconfig="$KUBECONFIG_OUT" --leader-elect=false --bind-address=127.0.0.1 --secure-port="$KCM_PORT" \
  --authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics \
  --root-ca-file="$pki/ca.crt" --service-account-private-key-file="$pki/sa.key" \
  --use-service-account-credentials=false --kube-api-qps=200 --kube-api-burst=400 \
  --concurrent-replicaset-syncs=10 --concurrent-endpoint-syncs=10 --concurrent-service-endpoint-syncs=10 \
  --endpointslice-updates-batch-period=0s --profiling=false
launch kube-scheduler "$BIN_DIR/kube-scheduler" \
  --kubeconfig="$KUBECONFIG_OUT" --leader-elect=false --bind-address=127.0.0.1 --secure-port="$SCHED_PORT" \
  --authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics --kube-api-qps=200 --kube-api-burst=400 \
  --profiling=false
launch kwok "$BIN_DIR/kwok" --kubeconfig="$KUBECONFIG_OUT" --manage-all-nodes=true \
  --cidr=10.244.0.0/16 --node-ip=127.0.0.1 --node-port="$KWOK_PORT" --server-address="127.0.0.1:$KWOK_PORT" \
  --node-lease-duration-seconds=40 \
  -c "$BIN_DIR/stages/node-initialize.yaml" -c "$BIN_DIR/stages/node-heartbeat-with-lease.yaml" \
  -c "$here/stages/pods.yaml"

k() { kubectl --kubeconfig="$KUBECONFIG_OUT" "$@"; }

# Fake nodes, with no taint, so every pod schedules onto them.
for i in $(seq 0 $((NODES - 1))); do
  cat <<NODE
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations: {kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0"}
  labels: {kubernetes.io/hostname: kwok-node-$i, kubernetes.io/os: linux, kubernetes.io/arch: amd64, type: kwok}
spec: {}
---
NODE
done | k apply -f - >/dev/null
# Server-side: the largest CRDs are too big for client-side apply's last-applied annotation.
k apply --server-side -f "$crds/" >/dev/null

wait_for kube-controller-manager 150 curl -sfk -o /dev/null --max-time 1 "https://127.0.0.1:$KCM_PORT/healthz"
wait_for kube-scheduler 150 curl -sfk -o /dev/null --max-time 1 "https://127.0.0.1:$SCHED_PORT/healthz"
for i in $(seq 0 $((NODES - 1))); do
  wait_for kwok 150 bash -c "kubectl --kubeconfig='$KUBECONFIG_OUT' get node kwok-node-$i -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' 2>/dev/null | grep -q True"
done
k wait --for=condition=Established crd --all --timeout=30s >/dev/null
# The default service account appears once the controller manager has synced; tests rely on it.
wait_for kube-controller-manager 150 bash -c "kubectl --kubeconfig='$KUBECONFIG_OUT' -n default get sa default >/dev/null 2>&1"

touch "$STATE/ready"
ms=$(( $(date +%s%3N) - start ))
log "up in $((ms / 1000)).$(( (ms % 1000) / 100 ))s (kube v$K8S_VERSION, etcd v$ETCD_VERSION, kwok v$KWOK_VERSION)"
echo "$KUBECONFIG_OUT"
