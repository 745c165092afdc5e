#!/usr/bin/env bash
# The fleet report (playbooks/fleet_report.yml) against a real PocketBase with the collection's hooks, guarded as the
# telemetry_server role's guarded mode has it, and seen in a real browser:
#   1. a mixed fleet (apps, statuses, LXC/VM, nodes, 14 days, durations, exit codes): 600 records seeded straight
#      into SQLite, and three attempts through the modules;
#   2. signed in with an admin email and password (from a vars file), the report renders; the -vvv output carries
#      neither the password nor a token; the page is well formed and self-contained;
#   3. Chromium (Debian's, driven by Playwright) opens it at 1280 and 390 px: nothing overflows or is cut off,
#      chart labels >= 10 px, one bar per app, every element present and not empty, no console error, no request;
#      screenshots in tests/output/fleet_report/; the filters (app, status, type, since, before) narrow the page;
#   4. an unauthorized read is never an empty fleet: no token, a garbage token, a revoked token, an expired token
#      and a wrong password each fail with a message that says so, and write no page;
#   6. (after 4.) the per-app parts bounded (report_top_apps, one "other apps" line), a single day of data, the
#      failures' output behind <details>, in the browser; a sign-in against a dead URL fails with one clean line;
#      a server slower than the module's default timeout still gets its report (report_timeout), and when the
#      report's time budget runs out the message says so and names report_timeout;
#   5. without report_path, run as `ansible-playbook community_scripts.telemetry.fleet_report` from another directory,
#      the page goes to the current directory, the play ends by printing its absolute path, and nothing is written
#      into the collection.
set -euxo pipefail

export ANSIBLE_ROLES_PATH=..
out=${OUTPUT_DIR:?}
python=$(command -v python)
pocketbase=$(dirname "$("$python" -c 'import sys; print(sys.executable)')")/pocketbase  # beside the real interpreter, as setup_pocketbase has it
root=$(echo "$ANSIBLE_COLLECTIONS_PATH" | cut -d: -f1)/ansible_collections/community_scripts/telemetry
shots=$root/tests/output/fleet_report
chromium=$(bash "$root/scripts/install-debian.sh" chromium)
mkdir -p "$shots"

local_play() {  # a playbook on this machine alone
  ansible-playbook -i localhost, -c local -e "ansible_python_interpreter=$python" "$@"
}
backend() {  # backend STATE [extra args]: start or stop the test's PocketBase
  local state=$1
  shift
  local_play ../setup_pocketbase/playbooks/backend.yml -e "@$out/backend.json" -e "backend_state=$state out=$out" "$@"
}
report() {  # report HTML [extra args]: the fleet report of the test's backend
  local html=$1
  shift
  local_play community_scripts.telemetry.fleet_report -e "@$out/backend.json" -e "telemetry_url={{ pocketbase_url }}" \
    -e "report_path=$html" "$@"
}
expect_refused() {  # expect_refused WHAT [extra args]: the report fails, says why, and writes nothing
  local what=$1 rc=0
  shift
  report "$out/refused.html" "$@" >"$out/refused.log" 2>&1 || rc=$?
  echo "=== expected to fail: the report of $what; its output (a refusal that names the reason) follows"
  cat "$out/refused.log"
  [ "$rc" -ne 0 ] || { echo "FAIL: the report of $what succeeded"; exit 1; }
  [ ! -e "$out/refused.html" ] || { echo "FAIL: the report of $what wrote a page"; exit 1; }
  grep -q "No report written\|refused" "$out/refused.log" || { echo "FAIL: no clear message for $what"; exit 1; }
}

# 1. The schema in place, the server stopped: the superuser, then 600 records over the last 14 days.
local_play ../setup_pocketbase/playbooks/backend.yml -e "backend_state=prepare out=$out"
trap 'backend stopped' EXIT
admin_email=admin@example.com
admin_password=report-password-$RANDOM$RANDOM
"$pocketbase" superuser upsert "$admin_email" "$admin_password" --dir "$out/pocketbase/pb_data" >/dev/null
db=$out/pocketbase/pb_data/data.db
"$python" "$root/tests/utils/seed_records.py" "$db" 600 --seed 7 --start "$(date -u -d '13 days ago' +%F)"
backend started
(umask 077 && printf 'telemetry_admin_email: %s\ntelemetry_admin_password: %s\n' "$admin_email" "$admin_password" >"$out/secret.yml")
local_play seed.yml -e "@$out/backend.json" -e "admin_email=$admin_email admin_password=$admin_password"
"$python" -c 'import json, sqlite3, sys; print(json.dumps(sorted({r[0] for r in sqlite3.connect(sys.argv[1]).execute("SELECT nsapp FROM _dev_telemetry_data")})))' \
  "$db" >"$out/apps.json"

# 2. Signed in with the email and password: the whole fleet, and no secret in the -vvv output.
report "$out/fleet.html" -e "@$out/secret.yml" -vvv >"$out/render.log" 2>&1 || { cat "$out/render.log"; exit 1; }
local_play token.yml -e "@$out/backend.json" -e "admin_email=$admin_email admin_password=$admin_password token_file=$out/live.token"
if grep -c -- "$admin_password" "$out/render.log"; then echo "FAIL: the password is in the -vvv output"; exit 1; fi
if grep -c "eyJ[A-Za-z0-9_-]*\.eyJ" "$out/render.log"; then echo "FAIL: a token is in the -vvv output"; exit 1; fi
"$python" ../telemetry_server/files/check_html.py "$out/fleet.html" \
  'id="trend"' 'id="recent-failures"' 'id="exit-codes-by-app"' 'id="by-type"' 'id="durations"' 'id="by-node"' \
  '>603<' pve-report 'Proxmox: Not enough storage space' 'Killed (SIGKILL / Out of memory?)' '<svg'

# 3. In the browser, at a desktop's and a phone's width.
"$python" files/browser_check.py "$out/fleet.html" "$shots" "$out/apps.json" --chromium "$chromium" --width 1280 --width 390 --details 2
# The filters narrow the question: failed debian LXC installs in a window, one bar, the filter shown.
report "$out/filtered.html" -e "@$out/secret.yml" -e report_app=debian -e report_status=failed -e report_type=lxc \
  -e "report_since=$(date -u -d '13 days ago' +%F)" -e "report_before=$(date -u -d tomorrow +%F)"
echo '["debian"]' >"$out/debian.json"
mkdir -p "$shots/filtered"
"$python" files/browser_check.py "$out/filtered.html" "$shots/filtered" "$out/debian.json" --chromium "$chromium" --width 390 --details 1
"$python" ../telemetry_server/files/check_html.py "$out/filtered.html" "(nsapp=&#39;debian&#39;) &amp;&amp; (status=&#39;failed&#39;) &amp;&amp; (type=&#39;lxc&#39;)"
# One node: the three attempts of the report node.
report "$out/node.html" -e "@$out/secret.yml" -e report_node=pve-report
"$python" ../telemetry_server/files/check_html.py "$out/node.html" "filter <code>(node=&#39;pve-report&#39;)</code>" '<div class="n">3</div>'

# 4. Unauthorized reads fail, whatever the token.
expect_refused "no token"
grep -q "the collection is guarded and only superusers may read it" "$out/refused.log"
expect_refused "a garbage token" -e telemetry_token=garbage
grep -q "the token is not a live superuser token" "$out/refused.log"
expect_refused "a wrong password" -e "telemetry_admin_email=$admin_email" -e telemetry_admin_password=wrong-password-1
grep -q "wrong email or password" "$out/refused.log"
local_play token.yml -e "@$out/backend.json" -e "admin_email=$admin_email admin_password=$admin_password token_file=$out/expired.token token_kind=expired"
expect_refused "an expired token" -e "telemetry_token=$(cat "$out/expired.token")"
grep -q "the token is not a live superuser token" "$out/refused.log"
# The live token works, until an upsert of the superuser revokes it.
report "$out/token.html" -e "telemetry_token=$(cat "$out/live.token")"
"$pocketbase" superuser upsert "$admin_email" "$admin_password" --dir "$out/pocketbase/pb_data" >/dev/null
expect_refused "a revoked token" -e "telemetry_token=$(cat "$out/live.token")"
grep -q "the token is not a live superuser token" "$out/refused.log"

# 6. The top apps and one line for the others (the page stays small however many app names the records carry).
apps_of() {  # apps_of SQL_WHERE [LIMIT]: the apps of the records, most records first, then by name, as JSON
  "$python" -c 'import json, sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute("SELECT nsapp FROM _dev_telemetry_data WHERE " + sys.argv[2] +
                                            " GROUP BY nsapp ORDER BY COUNT(*) DESC, nsapp LIMIT " + sys.argv[3]).fetchall()
print(json.dumps([row[0] for row in rows]))' "$db" "$1" "${2:--1}"
}
report "$out/top.html" -e "@$out/secret.yml" -e report_top_apps=3
apps_of 1 3 >"$out/top3.json"
mkdir -p "$shots/top"
"$python" files/browser_check.py "$out/top.html" "$shots/top" "$out/top3.json" --chromium "$chromium" --width 390 --others --details 2
"$python" ../telemetry_server/files/check_html.py "$out/top.html" 'id="apps-others"' 'The 3 most installed of' '>603<'
# A single day of data: a bar among a week's slots, not the chart's whole width.
today=$(date -u +%F)
report "$out/day.html" -e "@$out/secret.yml" -e "report_since=$today"
apps_of "created >= '$today'" >"$out/day.json"
mkdir -p "$shots/day"
"$python" files/browser_check.py "$out/day.html" "$shots/day" "$out/day.json" --chromium "$chromium" --width 1280 --width 390 --details 2
# A sign-in against a dead URL: one clean line that says the backend cannot be reached.
expect_refused "a sign-in at a dead URL" -e "@$out/secret.yml" -e telemetry_url=http://127.0.0.1:1
msg=$(grep -o '"msg": "No report written.*' "$out/refused.log")
[[ "$msg" == *"cannot connect: [Errno 111] Connection refused. Check telemetry_url"* ]] || { echo "FAIL: the dead URL is not named: $msg"; exit 1; }
[[ "$msg" != *'\n'* && "$msg" != *"HTTP -1"* ]] || { echo "FAIL: not one clean line: $msg"; exit 1; }
# A server slower than the module's default timeout (4 s a try): the report's budget (report_timeout) waits for it.
url=$("$python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["pocketbase_url"])' "$out/backend.json")
"$python" "$root/tests/utils/fault_proxy.py" --upstream "$url" --port 0 --lifetime 900 >"$out/proxy.log" 2>&1 &
proxy_pid=$!
trap 'kill "$proxy_pid" 2>/dev/null; backend stopped' EXIT
for _ in $(seq 50); do grep -q "listening on" "$out/proxy.log" && break; sleep 0.2; done
proxy=$(grep -o 'listening on [^ ]*' "$out/proxy.log" | cut -d' ' -f3)
faults() {  # faults JSON: queue the proxy's faults (replacing the queue)
  "$python" -c 'import requests, sys; requests.put(sys.argv[1] + "/__faults__", data=sys.argv[2], timeout=10).raise_for_status()' "$proxy" "$1"
}
faults '[{"action": "slow", "seconds": 6, "path": "/api/telemetry/aggregates", "times": 3}]'
report "$out/slow.html" -e "@$out/secret.yml" -e "telemetry_url=$proxy" >"$out/slow.log" 2>&1 || { cat "$out/slow.log"; exit 1; }
"$python" ../telemetry_server/files/check_html.py "$out/slow.html" '>603<' 'id="trend"'
# Its budget run out: the message says so and names the variable.
faults '[{"action": "hang", "path": "/api/telemetry/aggregates", "times": 3}]'
expect_refused "a server slower than report_timeout" -e "@$out/secret.yml" -e "telemetry_url=$proxy" -e report_timeout=1
grep -q "no answer within" "$out/refused.log"
grep -q "time budget of the report ran out.*report_timeout=1 s a try.*-e report_timeout=" "$out/refused.log"
faults '[]'

# 5. The default report_path: the current directory, never the playbook's (the installed collection).
mkdir -p "$out/cwd"
touch "$out/before-default"
sleep 1  # find -newer compares whole seconds on some filesystems
(cd "$out/cwd" && ansible-playbook -i localhost, -c local -e "ansible_python_interpreter=$python" \
  community_scripts.telemetry.fleet_report -e "@$out/backend.json" -e "telemetry_url={{ pocketbase_url }}" -e "@$out/secret.yml") \
  >"$out/default.log" 2>&1 || { cat "$out/default.log"; exit 1; }
page=$(cd "$out/cwd" && pwd -P)/fleet-report.html
"$python" ../telemetry_server/files/check_html.py "$page" '>603<' 'id="trend"'
grep -F "\"msg\": \"Fleet report written to $page\"" "$out/default.log"
[ ! -e "$root/playbooks/fleet-report.html" ]
written=$(find "$root" -path "$root/tests/output" -prune -o -newer "$out/before-default" -print)
[ -z "$written" ] || { echo "FAIL: the report wrote into the collection: $written"; exit 1; }
# Every page of this test went where report_path said, and each run said so.
grep -F "\"msg\": \"Fleet report written to $(cd "$out" && pwd -P)/fleet.html\"" "$out/render.log"
