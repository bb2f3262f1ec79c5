#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kube-scheduler, etcd and kwok from the Go module
# proxy into a cache folder outside the repo, and fetches the routers' CRDs (crds.sh). Does nothing
# when the binaries and the CRDs are already there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.sh"

bash "$here/crds.sh" >/dev/null

if [ -f "$BIN_DIR/.ok" ]; then
  echo "$BIN_DIR"
  exit 0
fi

export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0
mkdir -p "$BIN_DIR"
work=$CACHE_ROOT/src
start=$(date +%s)

# Kubernetes: k8s.io/kubernetes points its staging modules at ./staging, which only works in its own
# repo; a wrapper module replaces each one with the published v0.<minor>.<patch> tag instead.
k8s=$work/k8s-$K8S_VERSION
mkdir -p "$k8s"
(
  cd "$k8s"
  [ -f go.mod ] || go mod init local.invalid/k8sbin >/dev/null 2>&1
  gomod=$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  staging=v0.${K8S_VERSION#1.}
  for m in $(sed -n 's|^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*|\1|p' "$gomod"); do
    go mod edit "-replace=$m=$m@$staging"
  done
  go mod edit "-require=k8s.io/kubernetes@v$K8S_VERSION"
  cat > tools.go <<GO
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
GO
  go mod tidy >/dev/null
  minor=$(echo "$K8S_VERSION" | cut -d. -f2)
  v=k8s.io/component-base/version
  ldflags="-s -w -X $v.gitVersion=v$K8S_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$minor -X $v.gitTreeState=clean"
  go build -trimpath -ldflags "$ldflags" -o "$BIN_DIR/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler
)
echo "kubernetes built in $(( $(date +%s) - start ))s" >&2

# etcd: its own wrapper, so its grpc/otel versions do not mix with Kubernetes'.
etcd=$work/etcd-$ETCD_VERSION
mkdir -p "$etcd"
(
  cd "$etcd"
  [ -f go.mod ] || go mod init local.invalid/etcdbin >/dev/null 2>&1
  go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" >/dev/null 2>&1
  go build -trimpath -ldflags "-s -w" -o "$BIN_DIR/etcd" go.etcd.io/etcd/server/v3
)
echo "etcd built in $(( $(date +%s) - start ))s" >&2

# kwok has no replace directives, so a plain install works.
GOBIN=$BIN_DIR go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION"
kwokmod=$(go env GOMODCACHE)/sigs.k8s.io/kwok@v$KWOK_VERSION
mkdir -p "$BIN_DIR/stages"
cp "$kwokmod"/kustomize/stage/node/fast/*.yaml "$kwokmod"/kustomize/stage/node/heartbeat-with-lease/*.yaml "$BIN_DIR/stages/" 2>/dev/null || true
chmod -R u+w "$BIN_DIR/stages"

echo "all built in $(( $(date +%s) - start ))s" >&2
touch "$BIN_DIR/.ok"
echo "$BIN_DIR"
