#!/usr/bin/env bash
# Runs every test of the collection, from a fresh clone, stage by stage; each stage ends with one line,
# "--- ok: ..." or "--- FAILED: ...", and the run with a count of both (docs/testing.md describes each stage):
#   bootstrap (.venv), Debian's packages the tests need (scripts/install-debian.sh), the contract's exit codes,
#   the file map (docs/files.md), the changelog lint, ansible-test sanity, unit tests, integration tests
#   (ansible-playbook against a real PocketBase), and scripts/check.sh (shellcheck, ansible-lint, antsibull-docs,
#   galaxy-importer, ansible-builder, and sanity + units on ansible-core 2.17 and 2.21).
#   scripts/test.sh --fast   stops after the unit tests (about 5 minutes): no integration tests, no scripts/check.sh.
# ansible-test runs on .venv's Python (TEST_PYTHON_VERSION=X.Y overrides it).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fast=false
case "${1:-}" in
  --fast) fast=true ;;
  "") ;;
  *) echo "usage: scripts/test.sh [--fast]" >&2; exit 2 ;;
esac

passed=0 stage_name='' stage_start=$SECONDS checks_pid='' checks_log=''
stage() { stage_name=$1 stage_start=$SECONDS; echo; echo "=== $1"; }
ok() { passed=$((passed + 1)); echo "--- ok: $1 ($((SECONDS - stage_start)) s)"; stage_name=''; }
on_exit() {
  local rc=$?
  if [ -n "$checks_pid" ]; then  # this script stops early: so do the checkers (setsid gave them their own process group)
    { kill -- -"$checks_pid" || kill "$checks_pid"; } 2>/dev/null && echo "stopped scripts/check.sh; its output so far: $checks_log"
  fi
  if [ -n "$stage_name" ]; then
    echo "--- FAILED: $stage_name (exit $rc, after $((SECONDS - stage_start)) s)"
    echo
    echo "total: $SECONDS s"
    echo "stages: $passed passed, 1 failed"
  fi
}
trap on_exit EXIT

stage "bootstrap: .venv (tests/requirements-ci.txt), the collection copied to build/"
# shellcheck source=scripts/bootstrap.sh
source "$here/bootstrap.sh"
ok "bootstrap: $VENV, $COLLECTION_DIR"

stage "Debian's packages the tests need (scripts/install-debian.sh installs them with apt-get, as root)"
installed=()
for what in shellcheck chromium locale; do
  rc=0
  path=$(bash "$REPO_ROOT/scripts/install-debian.sh" "$what") || rc=$?
  if [ "$rc" -eq 0 ]; then
    installed+=("$what $path")
  elif [ "$what" = locale ]; then  # the only one the tests do without
    installed+=("no en_US.UTF-8 locale (every ansible-test call will warn that it uses C.UTF-8 instead: harmless here)")
  else
    exit 1  # install-debian.sh said why
  fi
done
ok "$(printf '%s, ' "${installed[@]}" | sed 's/, $//')"

PY=${TEST_PYTHON_VERSION:-$("$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')}
cd "$COLLECTION_DIR"

stage "contract: tests/unit/fixtures/contract-exit-codes.yml, the project's statement of the exit codes"
# The unit tests check the code against the snapshot in every clone. Here it is compared with the copy of the
# contract the maintainers keep beside their checkout (not part of this repository), where there is one.
contract=${CONTRACT_EXIT_CODES:-$REPO_ROOT/../shared/spec/exit-codes.yml}
if [ -f "$contract" ]; then
  compared=$(python - tests/unit/fixtures/contract-exit-codes.yml "$contract" <<'PY'
import sys
import yaml
ours, theirs = (yaml.safe_load(open(path, encoding="utf-8")) for path in sys.argv[1:])
differ = sorted(code for code in set(ours["codes"]) | set(theirs["codes"]) if ours["codes"].get(code) != theirs["codes"].get(code))
if differ or ours["unknown"] != theirs["unknown"]:
    sys.exit(f"the snapshot and {sys.argv[2]} differ: codes {differ}, unknown {ours['unknown']!r} / {theirs['unknown']!r}")
print(f"the snapshot's {len(ours['codes'])} codes and its unknown text are those of {sys.argv[2]}")
PY
)
  ok "$compared"
else
  ok "nothing to compare the snapshot with: no $contract (CONTRACT_EXIT_CODES names another copy); the unit tests check the code against the snapshot"
fi

stage "the file map: docs/files.md against git ls-files"
mapped=$(python scripts/check_file_map.py docs/files.md)
ok "$mapped"

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
ok "units: $(grep -Eo "^=+ [0-9]+ passed" "$units_log" | grep -Eo "[0-9]+" | paste -sd+ -) passed"

if $fast; then
  echo
  echo "total: $SECONDS s"
  echo "stages: $passed passed, 0 failed (--fast: the integration tests and scripts/check.sh did not run)"
  exit 0
fi

# scripts/check.sh runs after the integration tests, in its own copy of the collection (ansible-test
# writes tests/output inside the tree). TEST_JOBS=2 runs it alongside them instead, its output in a
# log printed when it ends. On the 2-core machine it was measured on (with other work on it), that
# saved about 10% (12m07s instead of 13m29s) and slowed each side by half, so it is not the default.
checks=(env BOOTSTRAPPED_VENV="$VENV" BOOTSTRAP_COLLECTIONS_ROOT="$REPO_ROOT/build/check" "$REPO_ROOT/scripts/check.sh")
if [ "${TEST_JOBS:-1}" -gt 1 ]; then
  checks_log=$(mktemp)
  checks_start=$SECONDS
  setsid "${checks[@]}" >"$checks_log" 2>&1 &
  checks_pid=$!
fi

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
ok "integration: $(echo "$ran" | wc -l) targets ran and passed"

stage "the ecosystem's checkers, and sanity + units on the other ansible-core versions (scripts/check.sh)"
cd "$REPO_ROOT"
if [ -n "$checks_pid" ]; then
  echo "waiting for scripts/check.sh, started with the integration tests $((SECONDS - checks_start)) s ago"
  checks_rc=0
  wait "$checks_pid" || checks_rc=$?
  checks_pid=''
  cat "$checks_log"
  stage_start=$checks_start
  [ "$checks_rc" -eq 0 ] || { echo "scripts/check.sh exited with $checks_rc"; exit 1; }
else
  "${checks[@]}"
fi
ok "checkers"

echo
echo "total: $SECONDS s"
echo "stages: $passed passed, 0 failed"
