# Pinned versions of the local control plane. Changing one rebuilds into a new cache folder.
K8S_VERSION=1.34.4
ETCD_VERSION=3.6.16
KWOK_VERSION=0.8.0
CACHE_ROOT=${ROLLOUT_PILOT_CACHE:-$HOME/.cache/rollout-pilot}
BIN_DIR=$CACHE_ROOT/bin/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION
