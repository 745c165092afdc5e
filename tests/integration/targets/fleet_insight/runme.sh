#!/usr/bin/env bash
# Fleet insight against a real PocketBase (pocketbase/pb_hooks, pve_telemetry_info):
#   1. seeded records (bulk, into the stopped server's SQLite): the aggregates pve_telemetry_info answers
#      equal an independent SQL computation on data.db, with the server's hooks (source: server) and on
#      the same data without them (source: records, keyset paging), a node filter, the top apps and the others
#      among them, and the failures' error_detail;
#   2. access: open, anyone may ask the aggregates route; guarded, superusers only; the fleet report renders;
#   3. the exact bodies: the contract's fields with the defaults (a seed-schema backend stores them), the
#      extended fields only when given (a backend with the extended migration stores them);
#   4. stale attempts: one aged (its created rewritten in SQLite while the server is stopped) becomes unknown
#      when the server starts, a fresh one stays installing, a late real finish supersedes unknown; the
#      threshold comes from TELEMETRY_STALE_AFTER;
#   5. rollups (pocketbase/pb_migrations/1720000000_add_fleet_rollups.js): after creates, finishes, a superuser
#      delete, a bulk import of old records into data.db and the stale sweep, the route's answers (from the
#      rollup tables, or from the records for the filters they lack) equal an independent SQL computation.
set -euxo pipefail

export ANSIBLE_ROLES_PATH=..
out=${OUTPUT_DIR:?}
python=$(command -v python)
pocketbase=$(dirname "$("$python" -c 'import sys; print(sys.executable)')")/pocketbase  # beside the real interpreter, as setup_pocketbase has it
root=$(echo "$ANSIBLE_COLLECTIONS_PATH" | cut -d: -f1)/ansible_collections/community_scripts/telemetry
PYTHONPATH=$(echo "$ANSIBLE_COLLECTIONS_PATH" | cut -d: -f1)${PYTHONPATH:+:$PYTHONPATH}
export PYTHONPATH

local_play() {  # a playbook on this machine alone
  ansible-playbook -i localhost, -c local -e "ansible_python_interpreter=$python" "$@"
}
backend() {  # backend STATE [extra args]: start or stop the test's PocketBase
  local state=$1
  shift
  local_play ../setup_pocketbase/playbooks/backend.yml -e "@$out/backend.json" -e "backend_state=$state out=$out" "$@"
}

# The schema in place, the server stopped: seed 1500 records straight into SQLite.
local_play ../setup_pocketbase/playbooks/backend.yml -e "backend_state=prepare out=$out"
trap 'backend stopped' EXIT
db=$out/pocketbase/pb_data/data.db
"$python" "$root/tests/utils/seed_records.py" "$db" 1500 --seed 12
# The output of some failures (error_detail), a few longer than the 512 characters the aggregates show.
"$python" - "$db" <<'PY'
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1])
connection.execute("UPDATE _dev_telemetry_data SET error_detail = 'E: Unable to locate package ' || id ||"
                   " CASE WHEN rowid % 4 = 0 THEN printf('%.700c', 'x') ELSE char(10) || 'dpkg: error' END"
                   " WHERE status = 'failed' AND rowid % 3 <> 0")
connection.commit()
PY

# 1. With the hooks: the server computes the aggregates. The seeded days are weeks old: a long stale
# threshold keeps their installing records installing (4. tests the sweep).
keep='{"setup_pocketbase_environment": {"TELEMETRY_STALE_AFTER": "100000d"}}'
backend started -e "$keep"
local_play ask.yml -e "@$out/backend.json" -e "answers=$out/answers-server.json"
route=$("$python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["pocketbase_url"])' "$out/backend.json")
"$python" expected_aggregates.py "$db" "$out/answers-server.json" server "$route"

# Without them: the module reads the records (keyset pages of 500: 1500 records, many sharing a created time).
backend stopped
backend started -e setup_pocketbase_hooks=false
local_play ask.yml -e "@$out/backend.json" -e "answers=$out/answers-records.json"
"$python" expected_aggregates.py "$db" "$out/answers-records.json" records
backend stopped

# 2. Access (the superuser is made while the server is stopped: an upsert invalidates its tokens).
admin=(admin@example.com insight-password-1)
"$pocketbase" superuser upsert "${admin[@]}" --dir "$out/pocketbase/pb_data"
backend started -e "$keep"
local_play access.yml -e "@$out/backend.json" -e "out=$out admin_email=${admin[0]} admin_password=${admin[1]}"
backend stopped

# 3. Bodies on the wire, seed schema and extended schema.
local_play bodies.yml -e "out=$out"

# 4. Stale attempts (the collection is guarded since 2.).
age() {  # age RANDOM_ID HOURS: make a record look created HOURS ago (the server is stopped)
  "$python" - "$db" "$1" "$2" <<'PY'
import sqlite3, sys
db, random_id, hours = sys.argv[1:4]
connection = sqlite3.connect(db)
changed = connection.execute("UPDATE _dev_telemetry_data SET created = strftime('%Y-%m-%d %H:%M:%fZ', 'now', ?)"
                             " WHERE random_id = ?", (f"-{hours} hours", random_id)).rowcount
connection.commit()
assert changed == 1, changed
PY
}
uuid_of() { "$python" -c "import uuid, sys; print(uuid.uuid5(uuid.UUID('361E6D51-FAEC-444A-9079-341386DA8E2E'), sys.argv[1]))" "$1"; }
backend started
local_play stale.yml -e "@$out/backend.json" -e phase=report
backend stopped
age "$(uuid_of stale-old)" 7
backend started
local_play stale.yml -e "@$out/backend.json" -e phase=check
backend stopped
age "$(uuid_of stale-fresh)" 2
backend started -e '{"setup_pocketbase_environment": {"TELEMETRY_STALE_AFTER": "1h"}}'
local_play stale.yml -e "@$out/backend.json" -e phase=threshold
grep -q "attempts installing for more than 3600 s set to unknown" "$out/pocketbase/server.log"
backend stopped

# 5. Rollups kept by triggers: the route's answers equal SQL on data.db after each kind of change.
url=$("$python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["pocketbase_url"])' "$out/backend.json")
backend started -e "$keep"
"$python" rollups.py "$url" "$db" "${admin[@]}" live "$root/tests/utils"
backend stopped
swept=$(grep -c "set to unknown" "$out/pocketbase/server.log")
backend started -e '{"setup_pocketbase_environment": {"TELEMETRY_STALE_AFTER": "1h"}}'
"$python" rollups.py "$url" "$db" "${admin[@]}" swept "$root/tests/utils"
test "$(grep -c "set to unknown" "$out/pocketbase/server.log")" -gt "$swept"  # the sweep closed the imported attempts
backend stopped
