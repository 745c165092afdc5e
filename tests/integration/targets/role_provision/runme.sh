#!/usr/bin/env bash
# The provision role against a real PocketBase: every backend, success and failure, consent,
# a telemetry backend that is down, and a ten-host play with mixed outcomes.
set -euxo pipefail

export ANSIBLE_ROLES_PATH=..
out=${OUTPUT_DIR:?}
python=$(command -v python)
backend=../setup_pocketbase/playbooks/backend.yml

local_play() {  # a playbook on this machine alone
  ansible-playbook -i localhost, -c local -e "ansible_python_interpreter=$python" "$@"
}

local_play "$backend" -e "backend_state=prepare out=$out"
trap 'local_play "$backend" -e "@$out/backend.json" -e "backend_state=stopped out=$out"' EXIT
local_play "$backend" -e "@$out/backend.json" -e "backend_state=started out=$out"

# Every scenario, the proxmox backend's API token among them, at -vvv: the token secret reaches no output.
local_play scenarios.yml -e "@$out/backend.json" -e "out=$out" -vvv > "$out/scenarios.log" 2>&1 \
  || { tail -60 "$out/scenarios.log"; exit 1; }
grep -q "Provision an LXC container through the Proxmox VE API" "$out/scenarios.log"  # the proxmox scenario ran
if grep -n -F stand-in-secret "$out/scenarios.log"; then echo "FAILED: the Proxmox VE API token secret in the -vvv output"; exit 1; fi
local_play arguments.yml -e "@$out/backend.json" -e "out=$out"
local_play extended.yml -e "@$out/backend.json" -e "out=$out"

# Never silent: the output at default verbosity tells what went wrong, once.
ANSIBLE_VERBOSITY=0 ansible-playbook -i pair-ok,pair-fail,localhost, -c local -e "ansible_python_interpreter=$python" \
  never_silent.yml -e "@$out/backend.json" -e "out=$out" | tee "$out/never_silent.log"
# One line for the failed host, with the app, the exit code and its explanation; none for the host that succeeded.
grep -F 'Provisioning pair-app failed with exit code 214 (Proxmox: Not enough storage space)' "$out/never_silent.log" > "$out/continue.lines"
[ "$(wc -l < "$out/continue.lines")" -eq 1 ]

# Many apps per node: the run's attempts in a list fact, and the README's one-line-per-failure summary.
cat > "$out/attempts-inventory.yml" <<YAML
all:
  children:
    pve_hosts:
      hosts:
        pair-ok: {ansible_connection: local, ansible_python_interpreter: $python}
        pair-fail: {ansible_connection: local, ansible_python_interpreter: $python}
  hosts:
    localhost: {ansible_connection: local, ansible_python_interpreter: $python}
YAML
ansible-playbook -i "$out/attempts-inventory.yml" attempts.yml -e "@$out/backend.json" -e "out=$out"

# Delivery: a host without requests gets its record from the controller; with delivery=host (through the role or
# only the play's module_defaults), with a bad option value and with a consent file that cannot be read, provisioning
# goes on and exactly one warning per attempt says why, at default verbosity (warnings go to stderr).
"$python" -m venv --without-pip "$out/bare"
if "$out/bare/bin/python" -c "import requests" 2>/dev/null; then echo "the bare venv has requests"; exit 1; fi
cat > "$out/delivery-inventory.yml" <<YAML
all:
  hosts:
    bare: {ansible_connection: local, ansible_python_interpreter: $out/bare/bin/python}
    localhost: {ansible_connection: local, ansible_python_interpreter: $python}
YAML
echo "=== expected below: two warnings, 'Telemetry of bare-host on bare was not sent' and 'Telemetry of bad-url on localhost was not sent'"
ANSIBLE_VERBOSITY=0 ansible-playbook -i "$out/delivery-inventory.yml" delivery.yml -e "@$out/backend.json" -e "out=$out" 2>&1 \
  | tee "$out/delivery.log"
"$python" - "$out/delivery.log" "$out" <<'PY'
import re, sys
text, out = open(sys.argv[1]).read(), sys.argv[2]
# Warnings may be wrapped across lines: read each one whole, up to the next blank line or task header.
warnings = [" ".join(w.split()) for w in re.findall(r"\[WARNING\]: (.*?)(?=\n\n|\nTASK|\nPLAY|\n\[|\Z)", text, re.S)]
print("\n".join(warnings))
telemetry = [w for w in warnings if "and the play goes on (on_failure=warn)" in w]
assert len(telemetry) == 4, warnings
assert len(set(telemetry)) == 4, telemetry  # each names its host and attempt: none is folded into another
# Each names its attempt: the report, the attempt's first task, draws its random_id, also when it fails.
for warning, host in zip(telemetry, ["bare", "bare", "localhost", "localhost"]):
    assert re.match(f"Telemetry failed on {host} for the attempt [0-9a-f-]{{36}}, ", warning), warning
assert "requests" in telemetry[0] and "requests" in telemetry[1], telemetry
assert "url: must be an http" in telemetry[2], telemetry[2]
assert f"diagnostics_file: cannot read {out}: Is a directory" in telemetry[3], telemetry[3]
assert "[ERROR]" not in text, "a failure turned into a warning is not shown as an error"
PY

# The telemetry backend goes down: provisioning still succeeds; the next run flushes what was kept.
local_play "$backend" -e "@$out/backend.json" -e "backend_state=stopped out=$out"
echo "=== expected below: warnings that telemetry was not delivered (the backend is stopped) and went to the spool"
local_play down.yml -e "@$out/backend.json" -e "out=$out phase=down"
local_play revoked.yml -e "@$out/backend.json" -e "out=$out phase=keep"
local_play "$backend" -e "@$out/backend.json" -e "backend_state=started out=$out"
local_play down.yml -e "@$out/backend.json" -e "out=$out phase=up"
# Consent withdrawn: the events the host kept with consent are dropped unsent, and stay so when consent returns.
local_play revoked.yml -e "@$out/backend.json" -e "out=$out phase=revoked"
local_play revoked.yml -e "@$out/backend.json" -e "out=$out phase=again"

"$python" - "$python" > "$out/fleet.yml" <<'PY'
import json, sys
codes = [0, 214, 137, 0, 206, 0, 1, 225, 0, 143]
hosts = {f"pve-{i:02d}": {"install_exit_code": code} for i, code in enumerate(codes)}
print(json.dumps({"all": {"hosts": hosts, "vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.argv[1]}}}))
PY
ansible-playbook -i "$out/fleet.yml" -f 10 fleet.yml -e "@$out/backend.json" -e "out=$out"
