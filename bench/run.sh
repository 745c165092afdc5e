#!/usr/bin/env bash
# Runs the benchmarks (see bench/run.py): writes build/benchmarks.json and its Markdown tables, build/benchmarks.md,
# which docs/benchmarks.md quotes. Takes several minutes.
set -euo pipefail
# shellcheck source=scripts/bootstrap.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/bootstrap.sh"
exec python "$REPO_ROOT/bench/run.py" "$@"
