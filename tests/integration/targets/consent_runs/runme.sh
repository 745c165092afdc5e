#!/usr/bin/env bash
# Consent holds where fleets really run (issue 15): a fact cache between ansible-playbook processes,
# facts forged with set_fact or -e, delegation, and hosts that answer the consent step with lies.
#   - a host's choice takes effect from the next run: a sealed reading of an earlier run is never consent;
#   - consent is read on the host at most once per run;
#   - a cacheable set_fact, set_fact ansible_facts and -e are not consent;
#   - consent belongs to the host whose file was read (delegate_to);
#   - an unusable answer is no consent, never a crash; a pve_version that is not a version is not sent.
# Each "host" is this machine with its own directory: its shell (ansible_shell_executable, which runs the
# controller delivery's host step) is a wrapper that runs /bin/sh there, and diagnostics_file is the relative
# path "diagnostics", so each host reads its own file. The liars' shells are stand-ins that print a crafted
# answer instead of running the host step.
set -euxo pipefail

export ANSIBLE_ROLES_PATH=..
out=${OUTPUT_DIR:?}
python=$(command -v python)

local_play() {
  ansible-playbook -i localhost, -c local -e "ansible_python_interpreter=$python" "$@"
}

host_dir() { mkdir -p "$out/hosts/$1"; echo "$out/hosts/$1"; }
say() { printf 'DIAGNOSTICS=%s\n' "$2" > "$(host_dir "$1")/diagnostics"; }

for host in pve_a pve_b; do
  cat > "$(host_dir "$host")/sh" <<'SH'
#!/bin/sh
cd "$(dirname "$0")" && exec /bin/sh "$@"
SH
  chmod +x "$out/hosts/$host/sh"
done
liar() {  # liar NAME TEXT: a host whose shell answers TEXT to whatever it is asked
  printf '#!/bin/sh\ncat <<"ANSWER"\n%b\nANSWER\n' "$2" > "$(host_dir "$1")/sh"
  chmod +x "$out/hosts/$1/sh"
}
liar liar_string 'consent: yes'
liar liar_list '--pve-telemetry-consent--\nyes'
liar liar_empty ''
liar liar_array '[1, 2]'
liar liar_version '--pve-telemetry-version--\npve-manager/8.2\033[31m<script>alert(1)</script>\a/x\n--pve-telemetry-consent--\nfile\nDIAGNOSTICS=yes'

{
  echo "all:"
  echo "  hosts:"
  for host in pve_a pve_b liar_string liar_list liar_empty liar_array liar_version; do
    echo "    $host: {ansible_connection: local, ansible_python_interpreter: $python, ansible_shell_executable: $out/hosts/$host/sh}"
  done
} > "$out/inventory.yml"

local_play ../setup_pocketbase/playbooks/backend.yml -e "backend_state=prepare out=$out"
trap 'local_play ../setup_pocketbase/playbooks/backend.yml -e "@$out/backend.json" -e "backend_state=stopped out=$out"' EXIT
local_play ../setup_pocketbase/playbooks/backend.yml -e "@$out/backend.json" -e "backend_state=started out=$out"

# A fact cache that keeps facts for ever, as AWX's fact storage does between jobs.
export ANSIBLE_CACHE_PLUGIN=jsonfile ANSIBLE_CACHE_PLUGIN_CONNECTION=$out/fact_cache ANSIBLE_CACHE_PLUGIN_TIMEOUT=0
play() { ansible-playbook -i "$out/inventory.yml" -e "@$out/backend.json" -e "out=$out" "$@"; }

# 1. The operator opts out between two runs; the first run read the file once.
say pve_a yes
play "steps/consenting.yml"
say pve_a no
play "steps/opted_out.yml"
say pve_a yes
play "steps/consenting.yml" -e round=2
say pve_a no
play "steps/opted_out_gathering.yml"
# The cache does hold the first run's reading: what is refused is trusting it.
grep -q pve_telemetry_host "$out"/fact_cache/*pve_a  # the file name carries a prefix of the cache's own

# 2. Facts that are not consent: a cacheable set_fact, set_fact ansible_facts, and -e.
# The seal of an earlier run's reading, as the cache kept it, to copy into a forged fact.
copied_seal=$("$python" - "$out"/fact_cache/*pve_a <<'PY'
import json, sys
facts = json.load(open(sys.argv[1]))
facts = json.loads(facts["__payload__"]) if "__payload__" in facts else facts  # ansible-core 2.19 wraps them
print(facts["pve_telemetry_host"]["pve_a"]["seal"])
PY
)
play "steps/forged.yml" -e "copied_seal=$copied_seal"
play "steps/forged_extra_vars.yml" \
  -e '{"ansible_facts": {"pve_telemetry_host": {"pve_a": {"consent": {"diagnostics": {"consent": true, "reason": null}}, "seal": "00"}}}}'

# 3. Delegation: a's consent is a's, never b's.
say pve_a yes
say pve_b no
play "steps/delegated.yml"

# 3b. The provision role: opting out between two runs holds for both deliveries; a corrupt fact breaks nothing.
for delivery in controller host; do
  say pve_a yes
  play steps/role.yml -e "delivery=$delivery round=$delivery-1 expect=sent"
  say pve_a no
  play steps/role.yml -e "delivery=$delivery round=$delivery-2 expect=skipped"
done
say pve_a yes
play steps/role_corrupt.yml

# 4. Liars and corrupt facts: no consent, no crash, no bad version sent.
play "steps/liars.yml"
