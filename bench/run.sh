#!/usr/bin/env bash
# Runs the benchmarks (see bench/run.py): writes build/benchmarks.json and its Markdown tables, build/benchmarks.md,
# which docs/benchmarks.md quotes. Takes several minutes.
# --only fleet: the fleet questions at scale, bench/fleet.py (its own options follow; it prints its tables).
set -euo pipefail
# shellcheck source=scripts/bootstrap.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/bootstrap.sh"
if [ "${1:-}" = "--only" ] && [ "${2:-}" = "fleet" ]; then
  shift 2
  exec python "$REPO_ROOT/bench/fleet.py" "$@"
fi
exec python "$REPO_ROOT/bench/run.py" "$@"
