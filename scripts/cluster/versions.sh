# Pinned versions of the local control plane. Changing one rebuilds into a new cache folder.
K8S_VERSION=1.34.4
ETCD_VERSION=3.6.16
KWOK_VERSION=0.8.0
# The real CRDs of the traffic routers, from these Go modules (scripts/cluster/crds.sh).
ISTIO_API_VERSION=v1.32.0
GATEWAY_API_VERSION=v1.6.3
CACHE_ROOT=${ROLLOUT_PILOT_CACHE:-$HOME/.cache/rollout-pilot}
BIN_DIR=$CACHE_ROOT/bin/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION
CRD_DIR=$CACHE_ROOT/crds/istio-$ISTIO_API_VERSION-gateway-api-$GATEWAY_API_VERSION
