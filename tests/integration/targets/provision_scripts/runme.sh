#!/usr/bin/env bash
# The provision role wrapping a community script (files/fixture_community_script.sh, a fixture that behaves as the
# real engines do with their telemetry), against two real PocketBases: the role's and the script's, which stands
# for the public backend. Each case runs in a private mount namespace of its own whose
# /usr/local/community-scripts is a tmpfs holding that case's consent file: the host's own is never touched.
set -euxo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "FAILED: provision_scripts needs root (mount namespaces, the consent file at its real path)"; exit 1
fi

export ANSIBLE_ROLES_PATH=..
out=${OUTPUT_DIR:?}
python=$(command -v python)
dir=/usr/local/community-scripts

# The mount point of the cases' tmpfs: made here if the host has none, and removed again at the end.
made_dir=""
if [ ! -d "$dir" ]; then mkdir "$dir"; made_dir=1; fi
cleanup() {
  ansible-playbook -i localhost, -c local -e "ansible_python_interpreter=$python" backends.yml \
    -e "out=$out backends_state=stopped" || true
  if [ -n "$made_dir" ]; then rmdir "$dir" || echo "WARNING: $dir is not empty, left as it is"; fi
}
trap cleanup EXIT

ansible-playbook -i localhost, -c local -e "ansible_python_interpreter=$python" backends.yml \
  -e "out=$out backends_state=started"
# The role's default url (PVE_TELEMETRY_URL, else the public backend) is the role's local server.
PVE_TELEMETRY_URL=$("$python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["role_url"])' "$out/backends.json")
export PVE_TELEMETRY_URL

# with_consent yes|no|absent COMMAND...: COMMAND in a private mount namespace where the consent file says
# DIAGNOSTICS=yes, DIAGNOSTICS=no, or is absent.
with_consent() {
  # shellcheck disable=SC2016  # the inner script expands its own arguments
  unshare --mount --propagation private -- /bin/bash -c '
    set -e
    mount -t tmpfs -o mode=0755 provision-scripts-test "$1"
    [ "$2" = absent ] || printf "# this test case only\nDIAGNOSTICS=%s\n" "$2" > "$1/diagnostics"
    shift 2
    exec "$@"' with-consent "$dir" "$@"
}

# The namespace is the test's alone: the host's directory is as it was.
before=$(ls -A "$dir")

for consent in yes no absent; do
  with_consent "$consent" env ANSIBLE_VERBOSITY=0 ansible-playbook -i localhost, -c local \
    -e "ansible_python_interpreter=$python" wrap.yml -e "@$out/backends.json" -e "out=$out consent=$consent" \
    2>&1 | tee "$out/wrap-$consent.log"
done

[ "$(ls -A "$dir")" = "$before" ]

# Where there is no private namespace, the role says so at default verbosity, once per attempt, naming it.
"$python" - "$out/wrap-yes.log" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
warnings = [" ".join(w.split()) for w in re.findall(r"\[WARNING\]: (.*?)(?=\n\n|\nTASK|\nPLAY|\nok:|\n\[|\Z)", text, re.S)]
print("\n".join(warnings))
guard = [w for w in warnings if "no private mount namespace" in w]
assert len(guard) == 2, warnings
assert re.match(r"Provisioning wrap-fallback on localhost, attempt [0-9a-f-]{36}: no private mount namespace \(unshare --mount failed: ", guard[0]), guard[0]
assert "only its curl calls found on PATH are refused" in guard[0], guard[0]
assert re.match(r"Provisioning wrap-adopt-fallback on localhost, attempt [0-9a-f-]{36}: no private mount namespace", guard[1]), guard[1]
assert "[ERROR]" not in text
# No other case warned.
assert len(warnings) == len(guard), warnings
PY
