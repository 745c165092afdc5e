#!/usr/bin/env bash
# Runs the benchmarks and writes docs/benchmarks.md (see bench/run.py). Takes several minutes.
# --only fleet: the fleet questions at scale, bench/fleet.py (its own options follow; it prints its tables).
set -euo pipefail
# shellcheck source=scripts/bootstrap.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/bootstrap.sh"
if [ "${1:-}" = "--only" ] && [ "${2:-}" = "fleet" ]; then
  shift 2
  exec python "$REPO_ROOT/bench/fleet.py" "$@"
fi
exec python "$REPO_ROOT/bench/run.py" "$@"
