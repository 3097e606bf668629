#!/usr/bin/env bash
# Runs every test. Brings up what the tests need first: redis-server on PATH (the tests start their
# own instances on 127.0.0.1, free ports, temp dirs, and stop them when done).
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v redis-server >/dev/null 2>&1; then
  echo "redis-server not found: installing it from the distribution's packages" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y redis-server
fi

# One test assembly at a time (-m:1): the Redis, chaos and analyzer suites each load both cores, and timing-sensitive
# Redis tests (300 ms command timeouts) should not share them with the rest of the suite.
dotnet test Analyzers.sln -c Release -m:1 "$@"
