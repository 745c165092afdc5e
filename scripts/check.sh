#!/usr/bin/env bash
# The ecosystem's checkers on the collection, run by scripts/test.sh (or alone, after bootstrap):
#   ansible-lint (production profile), antsibull-docs (with collection references validated),
#   galaxy-importer on the built tarball (no errors or warnings), ansible-builder (introspect and create),
#   and ansible-test sanity + units on each ansible-core/Python combination below.
# The checkers live in .venv-tools, apart from the test venv, so their pins do not meet.
# scripts/check.sh --plan prints which combinations would run, and stops there.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"

# ansible-test sanity and units on these ansible-core/Python combinations, beside test.sh's own
# (requirements-ci.txt's ansible-core on .venv's Python). Each Python comes from pyenv's versions
# directory if it has one, else from PATH (find_python). A combination whose Python this machine
# lacks is skipped, and said so; in CI (CI=true) every combination must run.
matrix=() skipped=()
for combo in "2.17 3.11" "2.21 3.12" "2.21 3.13"; do
  read -r core py <<<"$combo"
  if interpreter=$(find_python "$py"); then
    matrix+=("$core $py $interpreter")
    echo "matrix: ansible-core $core on Python $py runs with $interpreter"
  else
    skipped+=("ansible-core $core on Python $py")
    echo "matrix: ansible-core $core on Python $py SKIPPED: no Python $py (neither ${PYENV_ROOT:-$HOME/.pyenv}/versions/$py.*/bin/python$py nor python$py on PATH)"
  fi
done
if [ ${#skipped[@]} -gt 0 ] && [ "${CI:-}" = true ]; then
  echo "FAILED: in CI (CI=true) every ansible-core/Python combination must run; this machine lacks the Pythons above"
  exit 1
fi
[ "${1:-}" != --plan ] || exit 0

step_name=
step() {  # step NAME: ends the previous step with its duration, and starts NAME
  [ -z "$step_name" ] || echo "--- $step_name: $((SECONDS - step_start)) s"
  step_name=$1 step_start=$SECONDS
  [ -z "$step_name" ] || echo "=== $step_name"
}

step "the checkers in .venv-tools"
TOOLS=$REPO_ROOT/.venv-tools
[ -x "$TOOLS/bin/python" ] || "$(pick_python)" -m venv "$TOOLS"
"$TOOLS/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REPO_ROOT/tests/requirements-tools.txt"
# community.proxmox (from the ansible package in .venv) resolves the role's references.
collections_path=$COLLECTIONS_ROOT:$("$VENV/bin/python" -c 'import ansible_collections, os; print(os.path.dirname(list(ansible_collections.__path__)[0]))')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$COLLECTION_DIR"

step "ansible-lint (production profile)"
PATH=$TOOLS/bin:$PATH ANSIBLE_COLLECTIONS_PATH=$collections_path ansible-lint --offline --nocolor

step "antsibull-docs lint-collection-docs"
PATH=$TOOLS/bin:$PATH ANSIBLE_COLLECTIONS_PATH=$collections_path \
  antsibull-docs lint-collection-docs --plugin-docs --validate-collection-refs=all --disallow-unknown-collection-refs .

step "galaxy-importer on the built tarball"
PATH=$TOOLS/bin:$PATH ansible-galaxy collection build --output-path "$work" .
tarball=$(ls "$work"/community_scripts-telemetry-*.tar.gz)
PATH=$TOOLS/bin:$PATH ANSIBLE_COLLECTIONS_PATH=$collections_path \
  "$TOOLS/bin/python" -m galaxy_importer.main "$tarball" > "$work/importer.log" 2>&1 || { cat "$work/importer.log"; exit 1; }
if grep -E "^(WARNING|ERROR)|WARNING:|ERROR:" "$work/importer.log"; then
  echo "FAILED: galaxy-importer reported the lines above"; exit 1
fi
tail -1 "$work/importer.log"

step "ansible-builder: the collection's requirements, and a build context"
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
