#!/usr/bin/env bash
# The telemetry_server role on this machine (background-process mode) on a free loopback port:
# argument validation of each entry point,
# deploy, re-deploy unchanged, the guarded mode with the modules, fleet insight, the report,
# backup / wipe / restore, a schema change, then the open mode.
set -euxo pipefail

export ANSIBLE_ROLES_PATH=..
out=${OUTPUT_DIR:?}
python=$(command -v python)
port=$("$python" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
home=$out/telemetry-server
vars=(-e "out=$out" -e "server_home=$home" -e "server_port=$port")
trap 'kill -TERM "$(cat "$home/server.pid")" 2>/dev/null || true' EXIT

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
