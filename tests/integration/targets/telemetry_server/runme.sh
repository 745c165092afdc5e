#!/usr/bin/env bash
# The telemetry_server role on this machine (background-process mode) on a free loopback port:
# argument validation of each entry point,
# deploy, re-deploy unchanged, the guarded mode with the modules, fleet insight, the report,
# backup / wipe / restore, a schema change, then the open mode; then a second, guarded server for what the role
# locks down: no secret in the -vvv output of deploy, backup and restore or on a command line, file modes,
# PocketBase's users collection, the bash library's lifecycle in guarded mode, rate and body limits.
set -euxo pipefail

export ANSIBLE_ROLES_PATH=..
out=${OUTPUT_DIR:?}
python=$(command -v python)
port=$("$python" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
home=$out/telemetry-server
vars=(-e "out=$out" -e "server_home=$home" -e "server_port=$port")
hardened_home=$out/hardened
stop_servers() {
  local server_home
  for server_home in "$home" "$hardened_home"; do kill -TERM "$(cat "$server_home/server.pid")" 2>/dev/null || true; done
}
trap stop_servers EXIT

play() {  # a playbook on this machine alone
  ansible-playbook -i localhost, -c local -e "ansible_python_interpreter=$python" "${vars[@]}" "$@"
}
recap_changed() {  # recap_changed LOG: the changed= count of the run
  sed -n 's/^localhost .*changed=\([0-9]*\).*/\1/p' "$1" | tail -1
}

play argument_validation.yml

play deploy.yml -e access=guarded | tee "$out/deploy-1.log"
test "$(recap_changed "$out/deploy-1.log")" -gt 0
play deploy.yml -e access=guarded | tee "$out/deploy-2.log"
test "$(recap_changed "$out/deploy-2.log")" -eq 0   # a second run changes nothing

play guarded.yml
play backup_restore.yml
play deploy.yml -e access=guarded -e "migrations_dir=$out/migrations-next" -e schema_change=true
play schema_changed.yml

play deploy.yml -e access=open | tee "$out/deploy-open.log"
test "$(recap_changed "$out/deploy-open.log")" -gt 0
play open.yml

# A second server, deployed by the role through a wrapper that writes down every command line PocketBase runs with.
hardened_port=$("$python" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
real_pocketbase=$(command -v pocketbase || echo "$(dirname "$python")/pocketbase")
printf '#!/bin/sh\nprintf "%%s\\n" "$*" >> %q\nexec %q "$@"\n' "$out/pocketbase-argv.log" "$real_pocketbase" > "$out/pocketbase-wrapper"
chmod +x "$out/pocketbase-wrapper"
hardened=(-e "server_home=$hardened_home" -e "server_port=$hardened_port" -e "binary=$out/pocketbase-wrapper")

play deploy.yml -e access=guarded "${hardened[@]}" -e telemetry_server_stale_after=2h -vvv > "$out/hardened-deploy.log" 2>&1 \
  || { tail -40 "$out/hardened-deploy.log"; exit 1; }
play hooks.yml -e "server_home=$hardened_home" -e "server_port=$hardened_port"
play backup_restore_role.yml "${hardened[@]}" -vvv > "$out/hardened-backup-restore.log" 2>&1 \
  || { tail -40 "$out/hardened-backup-restore.log"; exit 1; }
set +x  # the checks below must not print what they look for
token=$("$python" "$(pwd)/files/sign_in.py" "http://127.0.0.1:$hardened_port" admin@example.com Test-Only-Pass-123)
for log in "$out/hardened-deploy.log" "$out/hardened-backup-restore.log"; do
  grep -q "telemetry_server : Sign in as the superuser" "$log"  # a -vvv run of the role's tasks
  # no superuser token (this one, or any other: the header part all of them share) and no password
  if grep -n -F -e "$token" -e "${token%%.*}" -e Test-Only-Pass-123 "$log"; then
    echo "FAILED: a secret in $log"; exit 1
  fi
done
grep -q "^serve " "$out/pocketbase-argv.log"  # the wrapper ran PocketBase
grep -q "^telemetry-superuser " "$out/pocketbase-argv.log"  # and created the superuser with it
if grep -n -F Test-Only-Pass-123 "$out/pocketbase-argv.log"; then
  echo "FAILED: the password on a PocketBase command line"; exit 1
fi
set -x
play hardened.yml -e "server_home=$hardened_home" -e "server_port=$hardened_port"
