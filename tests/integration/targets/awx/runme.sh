#!/usr/bin/env bash
# The collection run as AWX / Automation Controller runs it: each job under real ansible-runner, with a private data
# dir, a fresh HOME, its credentials' injectors and the AWX fact store between jobs (harness.sh), against a real
# PocketBase whose collection is guarded (only superusers may read it):
#   1. the credential type shipped in extensions/awx: its injectors give a job the backend and the token, and a job
#      reports an install and asks the fleet about it with nothing else; without the token the question is refused;
#      the token is in no job's output; a credential without its required URL is refused before any job runs;
#   2. the fleet report as a job: the credential's extra vars sign it in (email and password) or its token does; the
#      page goes to the job's current directory (the project) and the job prints where;
#   3. where a spool survives: the default spool under the job's HOME ends with the job (the next job finds nothing
#      to flush), a spool on a path that outlives the job (AWX: "Paths to expose to isolated jobs") is flushed by the
#      next job; the warning says on which machine the event was kept;
#   4. the AWX fact store: facts a job returns reach the next job's fact cache.
set -euxo pipefail

export ANSIBLE_ROLES_PATH=..
out=${OUTPUT_DIR:?}
python=$(command -v python)
pocketbase=$(dirname "$("$python" -c 'import sys; print(sys.executable)')")/pocketbase
root=$(echo "$ANSIBLE_COLLECTIONS_PATH" | cut -d: -f1)/ansible_collections/community_scripts/telemetry
source ./harness.sh
awx_harness "$out" "$python" "$root"

local_play() {  # a playbook on this machine alone
  ansible-playbook -i localhost, -c local -e "ansible_python_interpreter=$python" "$@"
}
backend() {  # backend STATE: start or stop the test's PocketBase
  local_play ../setup_pocketbase/playbooks/backend.yml -e "@$out/backend.json" -e "backend_state=$1 out=$out"
}
records() {  # records FILTER: the records that match, read with the superuser token, as JSON
  "$python" - "$url" "$token" "$1" <<'PY'
import json, sys, requests
url, token, flt = sys.argv[1:]
answer = requests.get(f"{url}/api/collections/_dev_telemetry_data/records", params={"filter": flt, "perPage": 100},
                      headers={"Authorization": token}, timeout=10)
answer.raise_for_status()
print(json.dumps(answer.json()["items"]))
PY
}
count() {  # count JSON: how many items
  "$python" -c 'import json, sys; print(len(json.loads(sys.argv[1])))' "$1"
}

# A superuser, the server started, and the collection guarded as the telemetry_server role's guarded mode has it.
local_play ../setup_pocketbase/playbooks/backend.yml -e "backend_state=prepare out=$out"
trap 'backend stopped' EXIT
admin_email=admin@example.com
admin_password=awx-password-$RANDOM$RANDOM
"$pocketbase" superuser upsert "$admin_email" "$admin_password" --dir "$out/pocketbase/pb_data" >/dev/null
backend started
url=$("$python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["pocketbase_url"])' "$out/backend.json")
token=$("$python" - "$url" "$admin_email" "$admin_password" <<'PY'
import sys, requests
url, email, password = sys.argv[1:]
answer = requests.post(f"{url}/api/collections/_superusers/auth-with-password",
                       json={"identity": email, "password": password}, timeout=10)
answer.raise_for_status()
token = answer.json()["token"]
rule = "random_id = @request.headers.x_telemetry_id"
requests.patch(f"{url}/api/collections/_dev_telemetry_data", json={"listRule": rule, "viewRule": rule},
               headers={"Authorization": token}, timeout=10).raise_for_status()
print(token)
PY
)
app=awx-$RANDOM$RANDOM

# 1. The credential type's injectors.
credential telemetry "{\"url\": \"$url\", \"token\": \"$token\"}"
credential telemetry-no-token "{\"url\": \"$url\"}"
credential no-url "{\"token\": \"$token\"}"
run_job report-and-ask report_and_ask.yml -c telemetry -e "job_app=$app" -e expect_token=true -- -vvv
grep -q "PVE_TELEMETRY_TOKEN" "$(job_dir report-and-ask)/env/envvars"
[ "$(count "$(records "nsapp='$app'")")" -eq 1 ]
run_job report-no-token report_and_ask.yml -c telemetry-no-token -e "job_app=$app-no-token" -e expect_token=false -- -vvv
[ "$(count "$(records "nsapp='$app-no-token'")")" -eq 1 ]
for job in report-and-ask report-no-token; do
  if job_stdout "$job" | grep -c -F -- "$token"; then echo "FAIL: the token is in the output of $job"; exit 1; fi
done
rc=0
run_job refused report_and_ask.yml -c no-url -e "job_app=$app-refused" -e expect_token=true 2>"$out/refused.err" || rc=$?
cat "$out/refused.err"
[ "$rc" -eq 2 ] && grep -q "required fields missing \['url'\]" "$out/refused.err"
[ ! -e "$(job_dir refused)/artifacts/refused/stdout" ]

# 2. The fleet report as a job: signed in with the credential's email and password, or with its token.
credential telemetry-admin "{\"url\": \"$url\", \"admin_email\": \"$admin_email\", \"admin_password\": \"$admin_password\"}"
for job in fleet-report-password:telemetry-admin fleet-report-token:telemetry; do
  name=${job%%:*}
  run_job "$name" fleet_report.yml -c "${job#*:}"
  page=$(cd "$(job_dir "$name")/project" && pwd -P)/fleet-report.html
  "$python" ../telemetry_server/files/check_html.py "$page" "$app" '>2<'
  job_stdout "$name" | grep -F "\"msg\": \"Fleet report written to $page\""
  if job_stdout "$name" | grep -c -F -e "$admin_password" -e "$token"; then echo "FAIL: a secret is in the output of $name"; exit 1; fi
done

# 3. Where a spool survives. The backend stops; each job keeps its event; the backend is back; the next jobs flush.
credential telemetry-url "{\"url\": \"$url\"}"
exposed=$out/exposed-spool  # a path AWX mounts into every job ("Paths to expose to isolated jobs")
backend stopped
run_job spool-home-down spool.yml -c telemetry-url -e "job_app=$app-home" -e job_phase=down
run_job spool-exposed-down spool.yml -c telemetry-url -e "job_app=$app-exposed" -e job_phase=down -e "job_spool_dir=$exposed"
run_job spool-host-down spool.yml -c telemetry-url -e "job_app=$app-host" -e job_phase=down -e "job_spool_dir=$out/host-spool" \
  -e job_delivery=host
backend started
home_spool=$(job_dir spool-home-down)/.ansible/pve_telemetry_spool
for expected in "spool-home-down:kept in the spool $home_spool on the controller" \
                "spool-exposed-down:kept in the spool $exposed on the controller" \
                "spool-host-down:kept in the spool $out/host-spool on the managed host"; do
  # Warnings are wrapped at the terminal's width: compare them whole.
  job_stdout "${expected%%:*}" | tr -s ' \n' ' ' | grep -F -- "${expected#*:}"
done
run_job spool-home-up spool.yml -c telemetry-url -e "job_app=$app-home" -e job_phase=up
job_stdout spool-home-up | grep -F '"msg": "flush delivered 0"'
[ -z "$(find "$(job_dir spool-home-up)/.ansible/pve_telemetry_spool" -type f -size +0 2>/dev/null)" ]  # a new HOME: the earlier events are not there
[ "$(count "$(records "nsapp='$app-home'")")" -eq 0 ]
run_job spool-exposed-up spool.yml -c telemetry-url -e "job_app=$app-exposed" -e job_phase=up -e "job_spool_dir=$exposed"
job_stdout spool-exposed-up | grep -F '"msg": "flush delivered 1"'
[ "$(count "$(records "nsapp='$app-exposed'")")" -eq 1 ]

# 5. Consent between jobs, with the fact store (AWX "Enable Fact Storage") carrying each job's facts to the next:
# an operator's opt-out holds from the next job, for the module and the role, with either delivery; waiting
# events of a host that has opted out are dropped at the flush, never sent; a corrupt stored fact breaks nothing.
consent_file=$out/pve-consent
inventory "pve ansible_connection=local ansible_python_interpreter=$python"
for delivery in controller host; do
  for with in module role; do
    job=consent-$with-$delivery
    printf 'DIAGNOSTICS=yes\n' > "$consent_file"
    run_job "$job-1" consent.yml -c telemetry-url -e "job_app=$app-$job-1" -e "job_consent_file=$consent_file" \
      -e "job_delivery=$delivery" -e "job_with=$with" -e "job_expect=sent"
    printf 'DIAGNOSTICS=no\n' > "$consent_file"
    run_job "$job-2" consent.yml -c telemetry-url -e "job_app=$app-$job-2" -e "job_consent_file=$consent_file" \
      -e "job_delivery=$delivery" -e "job_with=$with" -e "job_expect=skipped"
    [ "$(count "$(records "nsapp='$app-$job-1'")")" -eq 1 ]
    [ "$(count "$(records "nsapp='$app-$job-2'")")" -eq 0 ]
  done
done
job_stdout consent-role-controller-2 | grep -F "stored reading:" | grep -q seal  # the store did hand the job a reading
# Spooled while consenting, the host opts out, the backend is back: the next job's flush drops them, unsent.
printf 'DIAGNOSTICS=yes\n' > "$consent_file"
backend stopped
run_job consent-spool-down consent.yml -c telemetry-url -e "job_app=$app-optout" -e "job_consent_file=$consent_file" \
  -e "job_delivery=controller" -e "job_spool_dir=$exposed-optout" -e "job_expect=spooled"
backend started
printf 'DIAGNOSTICS=no\n' > "$consent_file"
run_job consent-spool-up consent.yml -c telemetry-url -e "job_app=$app-optout-2" -e "job_consent_file=$consent_file" \
  -e "job_delivery=controller" -e "job_spool_dir=$exposed-optout" -e "job_expect=skipped" -- -v
job_stdout consent-spool-up | tr -s ' \n' ' ' | grep -q '"dropped_no_consent": [1-9]'
[ "$(count "$(records "nsapp~'$app-optout'")")" -eq 0 ]
# A corrupt fact in the store: the job runs, the host's own file decides.
"$python" - "$out/awx/facts" <<'PY'
import json, pathlib, sys
for path in pathlib.Path(sys.argv[1]).glob("*pve"):
    facts = json.loads(path.read_text())
    inner = json.loads(facts["__payload__"]) if "__payload__" in facts else facts
    inner["pve_telemetry_host"] = [1, 2]
    path.write_text(json.dumps({"__payload__": json.dumps(inner)} if "__payload__" in facts else inner))
PY
printf 'DIAGNOSTICS=yes\n' > "$consent_file"
run_job consent-corrupt consent.yml -c telemetry-url -e "job_app=$app-corrupt" -e "job_consent_file=$consent_file" \
  -e "job_delivery=controller" -e "job_expect=sent"
[ "$(count "$(records "nsapp='$app-corrupt'")")" -eq 1 ]
inventory "localhost ansible_connection=local ansible_python_interpreter=$python"

# 4. The AWX fact store: facts a job returns reach the next job.
run_job facts-write facts.yml -e job_phase=write -e "job_value=$app"
[ "$("$python" -c 'import json, sys; print(json.loads(sys.argv[1]).get("awx_marker"))' "$(stored_facts localhost)")" = "$app" ]
run_job facts-read facts.yml -e job_phase=read -e "job_value=$app"
