#!/usr/bin/env bash
# Runs the benchmarks and writes docs/benchmarks.md (see bench/run.py). Takes several minutes.
set -euo pipefail
# shellcheck source=scripts/bootstrap.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/bootstrap.sh"
exec python "$REPO_ROOT/bench/run.py" "$@"
