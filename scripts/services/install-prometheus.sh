#!/usr/bin/env bash
# Makes sure /usr/bin/prometheus exists: installs Debian's `prometheus` package (2.x) when it is missing.
# Idempotent and quiet: prints nothing on success; on failure, says why on stderr and exits non-zero.
# Runs `apt-get update` only if the first install attempt fails (stale or missing package lists).
# Debian's postinst may start its own prometheus service on :9090; tests never use it (they run their
# own instance on a free loopback port, see test/support/prometheus.ts).
set -euo pipefail

bin=/usr/bin/prometheus
say() { printf 'install-prometheus: %s\n' "$*" >&2; }

if [ -x "$bin" ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  say "$bin is missing and apt-get is not available; install Prometheus 2.x so that $bin exists"
  exit 1
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    say "$bin is missing and installing it needs root (or password-less sudo)"
    exit 1
  fi
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT

apt() {
  # Wait for a concurrent apt/dpkg (e.g. another test run installing) instead of failing on the lock.
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=300 "$@" >>"$log" 2>&1
}

install() {
  apt install --no-install-recommends prometheus
}

if ! install; then
  if ! apt update || ! install; then
    say "could not install Debian's prometheus package; apt-get said:"
    tail -n 25 "$log" >&2
    exit 1
  fi
fi

if ! [ -x "$bin" ] || ! "$bin" --version >/dev/null 2>&1; then
  say "the prometheus package installed, but $bin does not run"
  tail -n 25 "$log" >&2
  exit 1
fi
