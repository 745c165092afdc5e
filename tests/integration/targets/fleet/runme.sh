#!/usr/bin/env bash
# Fleet behaviour against a real PocketBase:
#   1. a 20-host play while the backend is down: every event is spooled; the backend comes up;
#      each host's flush delivers its events, all 40 once, with the right final statuses;
#   2. the same again with delivery=host (each module on its host), flushed by two flushes at once: no duplicates;
#   3. against PocketBase's real rate limiter: a tight rule answers 429 and the client's retries still deliver;
#      then a load test with the telemetry_server role's limits: 200 hosts, forks 20, no spool: 200 records,
#      each final status right;
#   4. consent at flush time: events spooled while each host consented; the hosts opt out; the backend comes up;
#      the hosts' flushes deliver nothing and drop every event unsent (dropped_no_consent); no record reaches the backend.
set -euxo pipefail

export ANSIBLE_ROLES_PATH=..
export ANSIBLE_CALLBACK_RESULT_FORMAT=yaml
out=${OUTPUT_DIR:?}
python=$(command -v python)

local_play() {  # a playbook on this machine alone
  ansible-playbook -i localhost, -c local -e "ansible_python_interpreter=$python" "$@"
}

inventory() {  # inventory NAME COUNT: COUNT local hosts, each with the outcome its install will have
  "$python" - "$1" "$2" "$python" > "$out/$1.yml" <<'PY'
import json, sys
name, count, python = sys.argv[1], int(sys.argv[2]), sys.argv[3]
codes = [0, 214, 137]  # success, not enough storage, killed
hosts = {f"{name}-{i:03d}": {"install_exit_code": codes[i % 3]} for i in range(count)}
print(json.dumps({"all": {"hosts": hosts, "vars": {"ansible_connection": "local", "ansible_python_interpreter": python}}}))
PY
}

# The backend's port and data, known before it runs: the first round starts while it is down.
local_play ../setup_pocketbase/playbooks/backend.yml -e "backend_state=prepare out=$out"
# A superuser of the test's own, for the backend's settings (test-only credentials), made while it is stopped.
"$(command -v pocketbase)" superuser upsert fleet@example.com Fleet-Test-Pass-1 --dir "$out/pocketbase/pb_data"
trap 'local_play ../setup_pocketbase/playbooks/backend.yml -e "@$out/backend.json" -e "backend_state=stopped out=$out"' EXIT

inventory fleet-a 20
ansible-playbook -i "$out/fleet-a.yml" -f 20 lifecycle.yml -e "@$out/backend.json" -e "run=fleet-a spool=$out/spool-a expect=spooled"
test "$(cat "$out"/spool-a/q-*.events | wc -l)" -eq 40
test "$(stat -c %a "$out/spool-a")" = 700

local_play ../setup_pocketbase/playbooks/backend.yml -e "@$out/backend.json" -e "backend_state=started out=$out"
ansible-playbook -i "$out/fleet-a.yml" -f 20 flush_each.yml -e "@$out/backend.json" -e "spool=$out/spool-a expect_delivered=40"
test "$(cat "$out"/spool-a/q-*.events | wc -l)" -eq 0
ansible-playbook -i "$out/fleet-a.yml" verify.yml -e "@$out/backend.json" -e "run=fleet-a"

# Round two: spooled again (the backend refuses for a moment), then two flushes at once.
local_play ../setup_pocketbase/playbooks/backend.yml -e "@$out/backend.json" -e "backend_state=stopped out=$out"
inventory fleet-b 20
ansible-playbook -i "$out/fleet-b.yml" -f 20 lifecycle.yml -e "@$out/backend.json" -e "run=fleet-b spool=$out/spool-b expect=spooled delivery=host"
local_play ../setup_pocketbase/playbooks/backend.yml -e "@$out/backend.json" -e "backend_state=started out=$out"
local_play flush.yml -e "@$out/backend.json" -e "spool=$out/spool-b report=$out/flush-1.json" &
first=$!
local_play flush.yml -e "@$out/backend.json" -e "spool=$out/spool-b report=$out/flush-2.json" &
second=$!
wait "$first"
wait "$second"
"$python" -c "import json, sys; d = sum(json.load(open(f))['delivered'] for f in sys.argv[1:]); assert d == 40, d" \
  "$out/flush-1.json" "$out/flush-2.json"
ansible-playbook -i "$out/fleet-b.yml" verify.yml -e "@$out/backend.json" -e "run=fleet-b"

# Against the real rate limiter: a tight rule answers 429, and the client's retries still deliver everything.
local_play limits.yml -e "@$out/backend.json" -e limits=tight
local_play limited.yml -e "@$out/backend.json"

# Round three: the load test, with the telemetry_server role's rate limits on: 200 hosts behind one address
# are never throttled into losing a record.
local_play limits.yml -e "@$out/backend.json" -e limits=role
inventory load 200
ansible-playbook -i "$out/load.yml" -f 20 lifecycle.yml -e "@$out/backend.json" -e "run=load expect=reported"
ansible-playbook -i "$out/load.yml" verify.yml -e "@$out/backend.json" -e "run=load"

# Round four: consent is checked again when the events are flushed. Spooled while each host's file says yes...
local_play ../setup_pocketbase/playbooks/backend.yml -e "@$out/backend.json" -e "backend_state=stopped out=$out"
inventory optout 3
mkdir -p "$out/consent"
for host in optout-000 optout-001 optout-002; do echo DIAGNOSTICS=yes > "$out/consent/$host"; done
ansible-playbook -i "$out/optout.yml" lifecycle.yml -e "@$out/backend.json" \
  -e "run=optout spool=$out/spool-optout expect=spooled consent_dir=$out/consent"
test "$(cat "$out"/spool-optout/q-*.events | wc -l)" -eq 6
# ...then every host opts out, and the backend is back: nothing is sent, every event is dropped and counted.
for host in optout-000 optout-001 optout-002; do echo DIAGNOSTICS=no > "$out/consent/$host"; done
local_play ../setup_pocketbase/playbooks/backend.yml -e "@$out/backend.json" -e "backend_state=started out=$out"
ansible-playbook -i "$out/optout.yml" flush_each.yml -e "@$out/backend.json" \
  -e "spool=$out/spool-optout consent_dir=$out/consent expect_delivered=0 expect_dropped_no_consent=6"
test "$(cat "$out"/spool-optout/q-*.events | wc -l)" -eq 0
local_play absent.yml -e "@$out/backend.json" -e "run=optout"
