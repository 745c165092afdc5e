#!/usr/bin/env bash
# Where the request leaves from (delivery), against a real PocketBase:
#   - a host whose Python lacks requests gets its records with the default delivery (controller),
#     and the module itself, delivery=host, says requests is missing there;
#   - diagnostics=yes with a pve_version never touches the host (a host with no Python at all reports);
#   - diagnostics=auto reads the consent file on the host once and keeps it as the host fact;
#   - a host that cannot be reached for its consent sends nothing.
set -euxo pipefail

export ANSIBLE_ROLES_PATH=..
out=${OUTPUT_DIR:?}
python=$(command -v python)

local_play() {
  ansible-playbook -i localhost, -c local -e "ansible_python_interpreter=$python" "$@"
}

# A Python without requests (nor anything else beyond its standard library).
"$python" -m venv --without-pip "$out/bare"
if "$out/bare/bin/python" -c "import requests" 2>/dev/null; then
  echo "the bare venv can import requests: the test would prove nothing"; exit 1
fi
free_port=$("$python" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")

cat > "$out/inventory.yml" <<YAML
all:
  hosts:
    bare:
      ansible_connection: local
      ansible_python_interpreter: $out/bare/bin/python
    nopython:
      ansible_connection: local
      ansible_python_interpreter: /nonexistent/python3
    unreachable:
      ansible_connection: ssh
      ansible_host: 127.0.0.1
      ansible_port: $free_port
      ansible_ssh_common_args: -o ConnectTimeout=2 -o BatchMode=yes
YAML

local_play ../setup_pocketbase/playbooks/backend.yml -e "backend_state=prepare out=$out"
trap 'local_play ../setup_pocketbase/playbooks/backend.yml -e "@$out/backend.json" -e "backend_state=stopped out=$out"' EXIT
local_play ../setup_pocketbase/playbooks/backend.yml -e "@$out/backend.json" -e "backend_state=started out=$out"

ansible-playbook -i "$out/inventory.yml" deliveries.yml -e "@$out/backend.json" -e "out=$out"
