#!/usr/bin/env bash
# `npm test`: every test. Sets up what is missing on a fresh clone (dependencies, Node 24, the
# cluster binaries, Prometheus), starts the local control plane, runs the suites, and stops the
# control plane again if it started it. Extra arguments select test files.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -x node_modules/.bin/node ] || npm ci --no-audit --no-fund
export PATH="$PWD/node_modules/.bin:$PATH"
bash scripts/services/install-prometheus.sh

# What this run started, stopped again on exit in reverse order unless ROLLOUT_PILOT_KEEP_CLUSTER=1.
stops=()
stop_started() {
  local i
  for ((i = ${#stops[@]} - 1; i >= 0; i--)); do bash "${stops[i]}" || true; done
}
trap stop_started EXIT
# start_once up.sh down.sh: starts a setup (idempotent up.sh; its last line is kept in $started_out)
# and, when this run is the one that started it, remembers to stop it.
start_once() {
  local up=$1 down=$2 was_up=true
  bash "$up" --check >/dev/null 2>&1 || was_up=false
  started_out=$(bash "$up" | tail -n 1) || return 1
  if ! $was_up && [ "${ROLLOUT_PILOT_KEEP_CLUSTER:-}" != 1 ]; then stops+=("$down"); fi
}

start_once scripts/cluster/up.sh scripts/cluster/down.sh
export ROLLOUT_PILOT_KUBECONFIG=$started_out

if [ $# -gt 0 ]; then
  files=("$@")
else
  files=('test/unit/**/*.test.ts' 'test/integration/**/*.test.ts' 'test/e2e/**/*.test.ts'
    'test/conformance/**/*.test.ts')
fi

# Whether a selected file's path (globs expanded as node --test expands them) matches `pattern`.
selects() {
  local arg f
  shopt -s globstar nullglob extglob
  for arg in "${files[@]}"; do
    # shellcheck disable=SC2206 # the glob is meant to expand here
    local matched=($arg)
    for f in "$arg" "${matched[@]}"; do
      # shellcheck disable=SC2053 # $1 is a pattern
      [[ $f == $1 ]] && return 0
    done
  done
  return 1
}

# The conformance suite's oracle: a second control plane running the real Argo Rollouts controller
# (built on first use), started only when a selected file needs it.
if selects "*conformance*"; then
  start_once scripts/conformance/up.sh scripts/conformance/down.sh
  export ROLLOUT_PILOT_ARGO_KUBECONFIG=$started_out
fi
# Real traffic: the pod network and Traefik (built on first use; the pod network needs root),
# started only when a selected test/{integration,e2e}/traffic*.test.ts (or test/e2e/judge.test.ts,
# which loads an experiment's pods over the pod network) sends requests through them.
# Off CI a machine that cannot run it still tests the rest: those files skip and say why. On CI
# they must run.
if selects "*/@(integration|e2e)/traffic*.test.ts" || selects "*/e2e/judge.test.ts"; then
  if [ "$(id -u)" != 0 ] && [ "${CI:-}" != true ]; then
    echo "test: the traffic setup needs root (a network namespace, routes); the traffic tests skip" >&2
  elif ! start_once scripts/traffic/up.sh scripts/traffic/down.sh; then
    [ "${CI:-}" = true ] && exit 1
    echo "test: the traffic setup did not start; the traffic tests skip" >&2
  fi
fi
node --test --test-reporter=spec --test-concurrency="${ROLLOUT_PILOT_TEST_CONCURRENCY:-2}" "${files[@]}"
