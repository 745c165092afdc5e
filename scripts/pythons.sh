#!/usr/bin/env bash
# Which Python interpreters this machine has: sourced by scripts/bootstrap.sh, and by scripts/check.sh --plan,
# which must change nothing. Only runs interpreters; installs, writes and deletes nothing.
#   find_python X.Y   the newest Python X.Y, or what was found instead and why it could not be used
#   pick_python       the Python that makes .venv
# Interpreters are printed as the real executable, not a pyenv shim (ansible-test drops PYENV_VERSION)
# nor a venv's link (a venv is made from the base interpreter).

real_python='import sys; print(getattr(sys, "_base_executable", None) or sys.executable)'

# one_line TEXT: TEXT on one line, at most 300 characters (what an interpreter said when it failed).
one_line() {
  local text
  text=$(printf '%s' "$1" | tr -s '[:space:]' ' ')
  text=${text# }
  text=${text% }
  [ ${#text} -le 300 ] || text="${text:0:297}..."
  printf '%s' "${text:-(no output)}"
}

# newest_python_in DIR X.Y: the newest DIR/X.Y.*/bin/pythonX.Y (the pattern itself if there is none).
newest_python_in() {
  printf '%s\n' "$1"/"$2".*/bin/python"$2" | sort -V | tail -1
}

# find_python X.Y: prints the newest Python X.Y and succeeds; else prints what it found and why none of it
# could be used, on one line, and fails. Looks in pyenv's versions directory (PYENV_ROOT, else ~/.pyenv), then
# at pythonX.Y on PATH; a pyenv shim on PATH (one that runs only for the versions pyenv has selected) also
# points to its own pyenv's versions directory, which is then looked in too.
find_python() {
  local version=$1 candidate output rc shim_root
  local -a candidates=() notes=()
  local versions_dir=${PYENV_ROOT:-$HOME/.pyenv}/versions
  candidate=$(newest_python_in "$versions_dir" "$version")
  if [ -x "$candidate" ]; then candidates+=("$candidate"); else notes+=("no $versions_dir/$version.*/bin/python$version"); fi
  candidate=$(command -v "python$version" || true)
  if [ -z "$candidate" ]; then
    notes+=("no python$version on PATH")
  else
    candidates+=("$candidate")
    case $candidate in
      */shims/python"$version")
        shim_root=$(dirname "$(dirname "$candidate")")
        if [ "$shim_root/versions" != "$versions_dir" ]; then
          candidate=$(newest_python_in "$shim_root/versions" "$version")
          if [ -x "$candidate" ]; then
            candidates=("$candidate" "${candidates[@]}")
          else
            notes+=("no $shim_root/versions/$version.*/bin/python$version beside the pyenv shim")
          fi
        fi ;;
    esac
  fi
  for candidate in "${candidates[@]}"; do
    rc=0
    output=$("$candidate" -c "import sys; assert '%d.%d' % sys.version_info[:2] == '$version', sys.version; $real_python" 2>&1) || rc=$?
    if [ "$rc" -eq 0 ]; then
      printf '%s\n' "$output"
      return 0
    fi
    notes+=("$candidate exits with $rc: $(one_line "$output")")
  done
  output=$(printf '%s; ' "${notes[@]}")
  printf '%s\n' "${output%; }"
  return 1
}

# pick_python: $PYTHON if set, else the newest python3.X (X >= 11) on PATH that runs
# (a pyenv shim for a version pyenv has not selected does not). Fails with a message if none.
pick_python() {
  local minor
  if [ -n "${PYTHON:-}" ]; then
    "$PYTHON" -c "import sys; assert sys.version_info >= (3, 11); $real_python" 2>/dev/null && return 0
    echo "bootstrap: PYTHON=$PYTHON does not run, or is older than Python 3.11" >&2
    return 1
  fi
  for minor in $({ compgen -c python3. || true; } | sed -n 's/^python3\.\([0-9][0-9]*\)$/\1/p' | sort -nru); do
    [ "$minor" -ge 11 ] || break
    "python3.$minor" -c "$real_python" 2>/dev/null && return 0
  done
  echo "bootstrap: no Python 3.11 or newer on PATH (looked for python3.11, python3.12, ...); install one, or set PYTHON" >&2
  return 1
}
