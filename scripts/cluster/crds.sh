#!/usr/bin/env bash
# Fetches the real CRDs of the traffic routers rollout-pilot drives, at the versions pinned in
# versions.sh, from the Go module proxy into a cache folder outside the repo: Istio's networking CRDs
# (VirtualService, DestinationRule ...) from istio.io/api, and Gateway API's standard channel
# (HTTPRoute, GRPCRoute ...) from sigs.k8s.io/gateway-api. Does nothing when they are already there.
# Prints the folder; up.sh applies every file in it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.sh"

if [ -f "$CRD_DIR/.ok" ]; then
  echo "$CRD_DIR"
  exit 0
fi

export GOTOOLCHAIN=local GOFLAGS=
# Outside any module, so `go mod download` only fetches the named module.
mkdir -p "$CACHE_ROOT"
cd "$CACHE_ROOT"
module_dir() {
  local dir
  dir=$(go mod download -json "$1" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  [ -d "$dir" ] || { echo "crds: go mod download $1 gave no folder" >&2; exit 1; }
  echo "$dir"
}
istio=$(module_dir "istio.io/api@$ISTIO_API_VERSION")
gateway=$(module_dir "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION")

tmp=$CRD_DIR.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
# Istio ships all its CRDs in one multi-document file: keep the networking.istio.io ones only.
awk '
  function flush() { if (doc ~ /\n  group: networking\.istio\.io\n/) printf "---\n%s", doc; doc = "" }
  /^---$/ { flush(); next }
  /^#/ && doc == "" { next }
  { doc = doc $0 "\n" }
  END { flush() }
' "$istio/kubernetes/customresourcedefinitions.gen.yaml" >"$tmp/istio-networking.yaml"
# Gateway API's standard channel: one CRD a file, beside a ValidatingAdmissionPolicy, which is left out.
for f in "$gateway"/config/crd/standard/*.yaml; do
  grep -q '^kind: CustomResourceDefinition$' "$f" && cp "$f" "$tmp/"
done
chmod -R u+w "$tmp"
count=$(cat "$tmp"/*.yaml | grep -c '^kind: CustomResourceDefinition$')
[ "$count" -gt 0 ] || { echo "crds: no CRD found in the modules" >&2; exit 1; }
rm -rf "$CRD_DIR"
mv "$tmp" "$CRD_DIR"
touch "$CRD_DIR/.ok"
echo "crds: $count CRDs (istio.io/api $ISTIO_API_VERSION, gateway-api $GATEWAY_API_VERSION)" >&2
echo "$CRD_DIR"
