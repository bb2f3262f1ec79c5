#!/usr/bin/env bash
# `npm test`: every test. Sets up what is missing on a fresh clone (dependencies, Node 24, the
# cluster binaries, Prometheus), starts the local control plane, runs the suites, and stops the
# control plane again if it started it. Extra arguments select test files.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -x node_modules/.bin/node ] || npm ci --no-audit --no-fund
export PATH="$PWD/node_modules/.bin:$PATH"
bash scripts/services/install-prometheus.sh

started_cluster=false
if ! bash scripts/cluster/up.sh --check >/dev/null 2>&1; then started_cluster=true; fi
kubeconfig=$(bash scripts/cluster/up.sh | tail -n 1)
if $started_cluster && [ "${ROLLOUT_PILOT_KEEP_CLUSTER:-}" != 1 ]; then
  trap 'bash scripts/cluster/down.sh' EXIT
fi
export ROLLOUT_PILOT_KUBECONFIG=$kubeconfig

if [ $# -gt 0 ]; then
  files=("$@")
else
  files=('test/unit/**/*.test.ts' 'test/integration/**/*.test.ts' 'test/e2e/**/*.test.ts'
    'test/conformance/**/*.test.ts')
fi

# The conformance suite's oracle: a second control plane running the real Argo Rollouts controller
# (built on first use), started only when a selected file needs it, stopped again if started here.
if [[ " ${files[*]} " == *conformance* ]]; then
  started_argo=false
  if ! bash scripts/conformance/up.sh --check >/dev/null 2>&1; then started_argo=true; fi
  argo_kubeconfig=$(bash scripts/conformance/up.sh | tail -n 1)
  if $started_argo && [ "${ROLLOUT_PILOT_KEEP_CLUSTER:-}" != 1 ]; then
    if $started_cluster && [ "${ROLLOUT_PILOT_KEEP_CLUSTER:-}" != 1 ]; then
      trap 'bash scripts/conformance/down.sh; bash scripts/cluster/down.sh' EXIT
    else
      trap 'bash scripts/conformance/down.sh' EXIT
    fi
  fi
  export ROLLOUT_PILOT_ARGO_KUBECONFIG=$argo_kubeconfig
fi
node --test --test-reporter=spec --test-concurrency="${ROLLOUT_PILOT_TEST_CONCURRENCY:-2}" "${files[@]}"
