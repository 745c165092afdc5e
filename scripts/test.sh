#!/usr/bin/env bash
# Runs every test of the collection, from a fresh clone:
#   the contract snapshot check, ansible-test sanity, unit tests (against a real PocketBase),
#   integration tests (ansible-playbook against a real PocketBase), the changelog lint, and
#   scripts/check.sh (ansible-lint, antsibull-docs, galaxy-importer, ansible-builder, and sanity +
#   units on ansible-core 2.17, 2.21).
# Everything it needs is installed by scripts/bootstrap.sh into .venv.
# ansible-test runs on .venv's Python (TEST_PYTHON_VERSION=X.Y overrides it). Each stage prints
# how long it took.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
echo "bootstrap: $SECONDS s"

PY=${TEST_PYTHON_VERSION:-$("$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')}
passed=0
stage() { stage_start=$SECONDS; echo; echo "=== $1"; }
ok() { passed=$((passed + 1)); echo "--- ok: $1 ($((SECONDS - stage_start)) s)"; }

stage "contract: the unit tests' snapshot of exit-codes.yml is the contract's"
contract=$REPO_ROOT/../shared/spec/exit-codes.yml
if [ -f "$contract" ]; then
  cmp "$contract" "$REPO_ROOT/tests/unit/fixtures/contract-exit-codes.yml"
  ok "snapshot matches $contract"
else
  echo "no $contract beside this checkout: snapshot not compared"
fi

cd "$COLLECTION_DIR"

stage "changelog lint"
antsibull-changelog lint
ok "changelog"

stage "ansible-test sanity (Python $PY)"
ansible-test sanity --python "$PY" --color no
ok "sanity"

stage "ansible-test units (Python $PY)"
units_log=$(mktemp)
ansible-test units --local --requirements --python "$PY" --color no 2>&1 | tee "$units_log"
grep -Eq "^=+ [0-9]+ passed" "$units_log" || { echo "FAILED: no unit test ran"; exit 1; }
ok "units"

# scripts/check.sh runs after the integration tests, in its own copy of the collection (ansible-test
# writes tests/output inside the tree). TEST_JOBS=2 runs it alongside them instead, its output in a
# log printed when it ends. On the 2-core machine it was measured on (with other work on it), that
# saved about 10% (12m07s instead of 13m29s) and slowed each side by half, so it is not the default.
checks_log=$(mktemp)
checks=(env BOOTSTRAPPED_VENV="$VENV" BOOTSTRAP_COLLECTIONS_ROOT="$REPO_ROOT/build/check" "$REPO_ROOT/scripts/check.sh")
if [ "${TEST_JOBS:-1}" -gt 1 ]; then
  checks_start=$SECONDS
  setsid "${checks[@]}" >"$checks_log" 2>&1 &
  checks_pid=$!
  # If this script stops early, so do the checkers (setsid gave them their own process group).
  trap '{ kill -- -"$checks_pid" || kill "$checks_pid"; } 2>/dev/null && echo "stopped scripts/check.sh; its output so far: $checks_log"' EXIT
fi

# The fleet report's browser test drives Debian's chromium: install it now (as root, with apt-get), or say why not.
echo "browser for the fleet report's test: $(bash "$REPO_ROOT/scripts/install-browser.sh")"

stage "ansible-test integration (Python $PY)${checks_pid:+, with scripts/check.sh alongside (output: $checks_log)}"
log=$(mktemp)
ansible-test integration --local --requirements --python "$PY" --color no 2>&1 | tee "$log"
# ansible-test exits 0 when it skips targets: make sure every visible target really ran.
expected=$(cd tests/integration/targets && for t in *; do [[ $t == setup_* || $t == prepare_* ]] || echo "$t"; done | sort)
ran=$(sed -n 's/^Running \(.*\) integration test \(role\|script\)$/\1/p' "$log" | sort -u)
if [ -z "$ran" ] || [ "$expected" != "$ran" ]; then
  echo "integration targets expected:"; echo "$expected"
  echo "integration targets that ran:"; echo "$ran"
  echo "FAILED: some integration targets did not run"
  exit 1
fi
echo "integration targets run: $(echo "$ran" | wc -l)"
ok "integration"

stage "the ecosystem's checkers, and sanity + units on the other ansible-core versions (scripts/check.sh)"
cd "$REPO_ROOT"
if [ -n "${checks_pid:-}" ]; then
  echo "waiting for scripts/check.sh, started with the integration tests $((SECONDS - checks_start)) s ago"
  checks_rc=0
  wait "$checks_pid" || checks_rc=$?
  trap - EXIT
  cat "$checks_log"
  stage_start=$checks_start
  [ "$checks_rc" -eq 0 ] || { echo "FAILED: scripts/check.sh exited with $checks_rc"; exit 1; }
else
  "${checks[@]}"
fi
ok "checkers"

echo
echo "total: $SECONDS s"
echo "stages: $passed passed, 0 failed"
