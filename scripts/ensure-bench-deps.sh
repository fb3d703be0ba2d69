#!/usr/bin/env bash
# bench:peers: makes sure the peer brokers the side-by-side benchmark starts (redis-server, nats-server) are
# installed. Idempotent and quick when both are present. Not part of pretest: the test suite needs no NATS.
set -euo pipefail

APT_PACKAGES=(redis-server nats-server)

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=("redis-server")
command -v nats-server >/dev/null 2>&1 || missing+=("nats-server")
[ ${#missing[@]} -eq 0 ] && exit 0

echo "ensure-bench-deps: missing ${missing[*]}"
install_cmd="apt-get update && apt-get install -y ${APT_PACKAGES[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-bench-deps: not root; install them with:" >&2
  echo "  sudo sh -c '$install_cmd'" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}" >/dev/null
for bin in redis-server nats-server; do
  command -v "$bin" >/dev/null 2>&1 || { echo "ensure-bench-deps: $bin still missing after apt-get install" >&2; exit 1; }
done
