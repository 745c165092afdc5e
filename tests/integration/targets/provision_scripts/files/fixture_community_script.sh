#!/usr/bin/env bash
# A FIXTURE written for the tests: it behaves as a community script (ct/<app>.sh) does with its telemetry, from
# what the seed's engine (community-scripts ProxmoxVED 820d4551a, misc/build.func and misc/api.func) and the current
# one (community-scripts core, ui/build-ui.func) do; it is not their code. Like them it
#   - sets DIAGNOSTICS=yes and a fresh RANDOM_UUID from the kernel, whatever its environment says (variables());
#   - reads DIAGNOSTICS from the host's consent file, /usr/local/community-scripts/diagnostics, and, finding none,
#     writes one that says no, as an unattended run does when its question cannot be asked (diagnostics_check());
#   - creates its record with the seed contract's POST once the guest exists, and finishes it with the contract's
#     PATCH (looking the id up by random_id when the create's answer did not give it), curl found on PATH.
# Its PocketBase is FIXTURE_PB_URL: the engine's is the public backend; the tests point it at a local one.
# FIXTURE_EXIT: the install's exit code (0 by default). FIXTURE_LOG: a file it appends what it saw and did to.
# shellcheck disable=SC2317  # finish_record and on_exit run from the EXIT trap
set -u

consent_file=/usr/local/community-scripts/diagnostics
records="${FIXTURE_PB_URL:?the tests set FIXTURE_PB_URL to a local PocketBase}/api/collections/_dev_telemetry_data/records"
log=${FIXTURE_LOG:-/dev/null}
record_id=""
given_uuid=${RANDOM_UUID:-}  # what the environment said, before variables() overwrites it

variables() {
  NSAPP=${FIXTURE_APP:-fixture-app}
  DIAGNOSTICS="yes"
  RANDOM_UUID="$(cat /proc/sys/kernel/random/uuid)"
}

diagnostics_check() {
  if [ -f "$consent_file" ]; then
    DIAGNOSTICS=$(sed -n 's/^DIAGNOSTICS=//p' "$consent_file" | head -n 1)
  else
    mkdir -p "$(dirname "$consent_file")"
    printf 'DIAGNOSTICS=no\n' > "$consent_file"
    DIAGNOSTICS=no
  fi
}

send() {  # method url [body]: prints the HTTP status, then the body; 000 when curl fails
  local answer
  answer=$(curl -s -w '\n%{http_code}' -X "$1" "$2" -H 'Content-Type: application/json' ${3:+-d "$3"} 2> /dev/null) \
    || answer=$'\n000'
  printf '%s\n' "${answer##*$'\n'}" "${answer%$'\n'*}"
}

create_record() {
  [ "${DIAGNOSTICS:-no}" = "no" ] && { echo "create=skipped" >> "$log"; return 0; }
  local answer code
  answer=$(send POST "$records" "{\"ct_type\": 1, \"type\": \"lxc\", \"disk_size\": 4, \"core_count\": 1,
    \"ram_size\": 512, \"os_type\": \"debian\", \"os_version\": \"12\", \"nsapp\": \"$NSAPP\", \"method\": \"default\",
    \"pve_version\": \"not found\", \"status\": \"installing\", \"random_id\": \"$RANDOM_UUID\"}")
  code=$(head -n 1 <<< "$answer")
  case "$code" in
    200 | 201) record_id=$(sed -n 's/.*"id":"\([a-z0-9]\{15\}\)".*/\1/p' <<< "$answer" | head -n 1) ;;
  esac
  echo "create=$code" >> "$log"
}

finish_record() {  # status exit_code
  [ "${DIAGNOSTICS:-no}" = "no" ] && { echo "finish=skipped" >> "$log"; return 0; }
  local status=$1 code=$2 error="" answer
  if [ "$status" = "done" ]; then status=sucess code=0; else error="exit code $code"; fi
  [ "$code" = 214 ] && error="Proxmox: Not enough storage space"
  if [ -z "$record_id" ]; then
    answer=$(send GET "$records?filter=(random_id='$RANDOM_UUID')&fields=id&perPage=1")
    record_id=$(sed -n 's/.*"id":"\([a-z0-9]\{15\}\)".*/\1/p' <<< "$answer" | head -n 1)
  fi
  if [ -z "$record_id" ]; then
    echo "finish=no-record" >> "$log"
    return 0
  fi
  answer=$(send PATCH "$records/$record_id" "{\"status\": \"$status\", \"error\": \"$error\", \"exit_code\": $code}")
  echo "finish=$(head -n 1 <<< "$answer")" >> "$log"
}

on_exit() {
  local rc=$?
  if [ "$rc" -eq 0 ]; then finish_record "done" 0; else finish_record failed "$rc"; fi
}

variables
diagnostics_check
echo "app=$NSAPP diagnostics=$DIAGNOSTICS random_uuid=$RANDOM_UUID given_uuid=$given_uuid" >> "$log"
trap on_exit EXIT
# The guest is created, then reported (post_to_api runs after the container exists), then installed.
create_record
exit "${FIXTURE_EXIT:-0}"
