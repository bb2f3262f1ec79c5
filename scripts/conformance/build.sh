#!/usr/bin/env bash
# Builds the real Argo Rollouts controller (the conformance oracle) from the Go module proxy into the
# same cache as the cluster binaries, with Argo's CRDs beside it. Does nothing when already built.
# Argo's module needs a newer Go than the project's: GOTOOLCHAIN is set for this one build only.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.sh"

if [ -f "$ARGO_DIR/.ok" ]; then
  echo "$ARGO_DIR"
  exit 0
fi

export GOTOOLCHAIN=$ARGO_GOTOOLCHAIN GOFLAGS=-mod=mod CGO_ENABLED=0
start=$(date +%s)
mkdir -p "$ARGO_DIR"
work=$CACHE_ROOT/src/argo-rollouts-$ARGO_VERSION
mkdir -p "$work"
cd "$work"
[ -f go.mod ] || go mod init local.invalid/argobin >/dev/null 2>&1
argo=github.com/argoproj/argo-rollouts
gomod=$(go mod download -json "$argo@$ARGO_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
dir=$(go mod download -json "$argo@$ARGO_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
# A replace directive applies only in the main module, so the wrapper repeats Argo's own: the
# k8s.io staging modules pinned to one version, and two forks.
awk '/^replace \(/{inside=1; next} inside && /^\)/{inside=0} inside && /=>/{print}' "$gomod" |
  while read -r from _ to version; do
    go mod edit "-replace=$from=$to@$version"
  done
go mod edit "-require=$argo@$ARGO_VERSION"
go_version=$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$gomod")
go mod edit "-go=$go_version"
cat > tools.go <<GO
//go:build tools

package tools

import _ "$argo/cmd/rollouts-controller"
GO
go mod tidy >/dev/null 2>&1
go build -trimpath -ldflags "-s -w -X $argo/utils/version.version=${ARGO_VERSION#v}" \
  -o "$ARGO_DIR/rollouts-controller" "$argo/cmd/rollouts-controller"
rm -rf "$ARGO_DIR/crds"
mkdir -p "$ARGO_DIR/crds"
cp "$dir"/manifests/crds/*-crd.yaml "$ARGO_DIR/crds/"
chmod -R u+w "$ARGO_DIR/crds"
echo "argo rollouts controller $ARGO_VERSION built in $(( $(date +%s) - start ))s" >&2
touch "$ARGO_DIR/.ok"
echo "$ARGO_DIR"
