#!/usr/bin/env bash
# `npm run demo`: sets up what is missing on a fresh clone (dependencies, Node 24, the cluster
# binaries, Prometheus), then runs scripts/demo.ts against the local cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x node_modules/.bin/node ] || npm ci --no-audit --no-fund
export PATH="$PWD/node_modules/.bin:$PATH"
bash scripts/services/install-prometheus.sh
bash scripts/cluster/build.sh >/dev/null
exec node scripts/demo.ts
