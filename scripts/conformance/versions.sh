# The pinned Argo Rollouts controller that the conformance suite compares rollout-pilot against.
# Changing the version rebuilds into a new cache folder.
. "$(dirname "${BASH_SOURCE[0]}")/../cluster/versions.sh"
ARGO_VERSION=v1.10.2
ARGO_GOTOOLCHAIN=go1.27.3
ARGO_DIR=$CACHE_ROOT/bin/argo-rollouts-$ARGO_VERSION
