#!/usr/bin/env bash
# `npm run demo`: sets up what is missing on a fresh clone (dependencies, Node 24, the cluster
# binaries, Prometheus, Traefik and the pod network), then runs scripts/demo.ts against the local
# cluster with real traffic.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x node_modules/.bin/node ] || npm ci --no-audit --no-fund
export PATH="$PWD/node_modules/.bin:$PATH"
bash scripts/services/install-prometheus.sh
bash scripts/cluster/build.sh >/dev/null
# The pod network and Traefik (root: a network namespace, a veth pair, routes). The first call
# builds Traefik from the Go module proxy (a few minutes); later calls find it all up.
bash scripts/traffic/up.sh >/dev/null
exec node scripts/demo.ts
