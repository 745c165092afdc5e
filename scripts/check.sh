#!/usr/bin/env bash
# The ecosystem's checkers on the collection, run by scripts/test.sh (or alone, after bootstrap):
#   every shell script through shellcheck, ansible-lint (production profile), antsibull-docs (with collection references
#   validated), galaxy-importer on the built tarball (no errors or warnings), ansible-builder (introspect and create),
#   and ansible-test sanity + units on each ansible-core/Python combination of the matrix below.
# The checkers live in .venv-tools, apart from the test venv, so their pins do not meet; each matrix combination
# gets its own .venv-core<core>-py<python>. The collection is copied to build/check (BOOTSTRAP_COLLECTIONS_ROOT
# overrides it), apart from build/, where scripts/test.sh's own tests run.
#   scripts/check.sh --plan   prints what would run, with which interpreter, and changes nothing: it installs,
#                             copies and deletes nothing (it only runs the interpreters it finds, to know they work).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
plan=false
case "${1:-}" in
  --plan) plan=true ;;
  "") ;;
  *) echo "usage: scripts/check.sh [--plan]" >&2; exit 2 ;;
esac

# The checkers that always run, in this order (the steps below carry these names).
checkers=(
  "shellcheck on every shell script, following what each sources, nothing excluded"
  "ansible-lint (production profile)"
  "antsibull-docs lint-collection-docs (collection references validated)"
  "galaxy-importer on the built tarball (no errors or warnings)"
  "ansible-builder: the collection's requirements (introspect), and a build context (create)"
)
# ansible-test sanity and units on these ansible-core/Python combinations, beside test.sh's own
# (requirements-ci.txt's ansible-core on .venv's Python). Each Python comes from pyenv's versions
# directory if it has one, else from PATH (find_python). A combination whose Python this machine
# lacks is skipped, and said so with what was found instead; in CI (CI=true) every combination must run.
combinations=("2.17 3.11" "2.21 3.12" "2.21 3.13")

if $plan; then
  # shellcheck source=scripts/pythons.sh
  source "$here/pythons.sh"  # only looks; bootstrap.sh would install and copy
  echo "scripts/check.sh would run (this plan installs, copies and deletes nothing):"
  echo "  the checkers, from .venv-tools (tests/requirements-tools.txt), on a copy of the collection in build/check:"
  printf '    %s\n' "${checkers[@]}"
  echo "  ansible-test sanity and units on each ansible-core/Python combination whose Python this machine has:"
else
  BOOTSTRAP_COLLECTIONS_ROOT=${BOOTSTRAP_COLLECTIONS_ROOT:-$(dirname "$here")/build/check}
  export BOOTSTRAP_COLLECTIONS_ROOT
  # shellcheck source=scripts/bootstrap.sh
  source "$here/bootstrap.sh"
fi

matrix=() skipped=()
for combo in "${combinations[@]}"; do
  read -r core py <<<"$combo"
  rc=0
  found=$(find_python "$py") || rc=$?
  if [ "$rc" -eq 0 ]; then
    matrix+=("$core $py $found")
    echo "  matrix: ansible-core $core on Python $py runs with $found (in .venv-core$core-py$py)"
  else
    skipped+=("ansible-core $core on Python $py")
    echo "  matrix: ansible-core $core on Python $py SKIPPED: no Python $py that runs: $found"
  fi
done
if [ ${#skipped[@]} -gt 0 ] && [ "${CI:-}" = true ]; then
  echo "FAILED: in CI (CI=true) every ansible-core/Python combination must run; this machine lacks the Pythons above"
  exit 1
fi
$plan && exit 0

step_name='' step_start=$SECONDS
step() {  # step NAME: ends the previous step with its one line, and starts NAME
  [ -z "$step_name" ] || echo "--- ok: $step_name ($((SECONDS - step_start)) s)"
  step_name=$1 step_start=$SECONDS
  [ -z "$step_name" ] || echo "=== $step_name"
}
work=$(mktemp -d)
# A step that fails ends with its one line too.
trap 'rc=$?; rm -rf "$work"; [ -z "$step_name" ] || echo "--- FAILED: $step_name (exit $rc, after $((SECONDS - step_start)) s)"' EXIT

step "${checkers[0]}"
if ! command -v shellcheck >/dev/null; then
  echo "FAILED: shellcheck is not installed; as root, scripts/install-debian.sh shellcheck installs Debian's"; exit 1
fi
cd "$COLLECTION_DIR"
mapfile -t shell_scripts < <(git ls-files | while read -r f; do
  case $f in *.sh) echo "$f" ;; *) head -c 64 "$f" | head -1 | grep -Eq '^#!.*\b(ba)?sh\b' && echo "$f" ;; esac
done)
shellcheck --external-sources --source-path=SCRIPTDIR "${shell_scripts[@]}"
echo "shellcheck: ${#shell_scripts[@]} scripts, no finding"

step "the checkers in .venv-tools"
TOOLS=$REPO_ROOT/.venv-tools
[ -x "$TOOLS/bin/python" ] || "$(pick_python)" -m venv "$TOOLS"
"$TOOLS/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REPO_ROOT/tests/requirements-tools.txt"
# community.proxmox (from the ansible package in .venv) resolves the role's references.
collections_path=$COLLECTIONS_ROOT:$("$VENV/bin/python" -c 'import ansible_collections, os; print(os.path.dirname(list(ansible_collections.__path__)[0]))')

step "${checkers[1]}"
PATH=$TOOLS/bin:$PATH ANSIBLE_COLLECTIONS_PATH=$collections_path ansible-lint --offline --nocolor

step "${checkers[2]}"
PATH=$TOOLS/bin:$PATH ANSIBLE_COLLECTIONS_PATH=$collections_path \
  antsibull-docs lint-collection-docs --plugin-docs --validate-collection-refs=all --disallow-unknown-collection-refs .

step "${checkers[3]}"
PATH=$TOOLS/bin:$PATH ansible-galaxy collection build --output-path "$work" .
tarball=$(ls "$work"/community_scripts-telemetry-*.tar.gz)
PATH=$TOOLS/bin:$PATH ANSIBLE_COLLECTIONS_PATH=$collections_path \
  "$TOOLS/bin/python" -m galaxy_importer.main "$tarball" > "$work/importer.log" 2>&1 || { cat "$work/importer.log"; exit 1; }
if grep -E "^(WARNING|ERROR)|WARNING:|ERROR:" "$work/importer.log"; then
  echo "FAILED: galaxy-importer reported the lines above"; exit 1
fi
tail -1 "$work/importer.log"

step "${checkers[4]}"
PATH=$TOOLS/bin:$PATH ansible-builder introspect --sanitize "$COLLECTIONS_ROOT" | tee "$work/introspect.txt"
grep -q "requests.*community_scripts.telemetry" "$work/introspect.txt"
mkdir "$work/ee" && cp tests/ee/* "$work/ee/" && cp "$tarball" "$work/ee/collection.tar.gz"
(cd "$work/ee" && PATH=$TOOLS/bin:$PATH ansible-builder create -f execution-environment.yml -c context)
test -f "$work/ee/context/_build/requirements.yml" && test -f "$work/ee/context/_build/collections/collection.tar.gz"

for combo in "${matrix[@]}"; do
  read -r core py interpreter <<<"$combo"
  step "ansible-core $core on Python $py: sanity and units"
  matrix_venv=$REPO_ROOT/.venv-core$core-py$py
  [ -x "$matrix_venv/bin/python" ] || "$interpreter" -m venv "$matrix_venv"
  "$matrix_venv/bin/python" -m pip install --quiet --disable-pip-version-check "ansible-core==$core.*"
  install_get_pip_standin "$matrix_venv/bin/python"
  PATH=$matrix_venv/bin:$(dirname "$interpreter"):$PATH ansible-test sanity --python "$py" --color no
  PATH=$matrix_venv/bin:$(dirname "$interpreter"):$PATH ansible-test units --local --requirements --python "$py" --color no
done
step ""
if [ ${#skipped[@]} -gt 0 ]; then
  echo "checkers: all that ran passed; SKIPPED for want of their Python:"
  printf '  %s\n' "${skipped[@]}"
else
  echo "checkers: all passed"
fi
