#!/usr/bin/env bash
# pretest: makes sure the real Kafka clients the compat suite drives are installed, then builds the broker that
# the e2e tests spawn. Idempotent and quick when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=/usr/bin/python3
APT_PACKAGES=(kcat redis-server python3-kafka python3-confluent-kafka python3-snappy python3-lz4 python3-zstandard)

missing=()
command -v kcat >/dev/null 2>&1 || missing+=("kcat")
# The Redis sink tests start a private redis-server.
command -v redis-server >/dev/null 2>&1 || missing+=("redis-server")
if [ -x "$PY" ]; then
  # kafka-python needs the codec modules to produce/consume snappy, lz4 and zstd.
  for mod in kafka confluent_kafka snappy lz4.frame zstandard; do
    "$PY" -c "import $mod" >/dev/null 2>&1 || missing+=("python:$mod")
  done
else
  missing+=("$PY")
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "ensure-test-deps: missing ${missing[*]}"
  install_cmd="apt-get update && apt-get install -y ${APT_PACKAGES[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "ensure-test-deps: not root; install them with:" >&2
    echo "  sudo sh -c '$install_cmd'" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}" >/dev/null
  command -v kcat >/dev/null 2>&1 || { echo "ensure-test-deps: kcat still missing after apt-get install" >&2; exit 1; }
  "$PY" -c "import kafka, confluent_kafka, snappy, lz4.frame, zstandard" || {
    echo "ensure-test-deps: python client modules still missing after apt-get install" >&2
    exit 1
  }
fi

npm run --silent build
