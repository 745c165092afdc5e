#!/usr/bin/env bash
# The release: the tarball that `ansible-galaxy collection build` makes, installed with no Galaxy server reachable,
# then used from where it was installed:
#   1. the tarball declares no dependency, and installs both as a user would (a Galaxy server that refuses every
#      connection, no --offline) and with --offline;
#   2. the provision role's proxmox backend, whose dependencies are optional, fails the attempt before any Proxmox VE
#      API call, naming what is missing: community.proxmox (hidden from the controller), or proxmoxer (a host Python
#      without it); the record is finished as failed.
set -euxo pipefail

export ANSIBLE_ROLES_PATH=..
out=${OUTPUT_DIR:?}
python=$(command -v python)
root=$(echo "$ANSIBLE_COLLECTIONS_PATH" | cut -d: -f1)/ansible_collections/community_scripts/telemetry

local_play() {  # a playbook on this machine alone
  ansible-playbook -i localhost, -c local -e "ansible_python_interpreter=$python" "$@"
}

# 1. Build, and install with the only Galaxy server a loopback port nothing listens on.
rm -rf "$out/dist" "$out/installed" "$out/installed-offline"
ansible-galaxy collection build --output-path "$out/dist" "$root"
tarball=$(ls "$out"/dist/community_scripts-telemetry-*.tar.gz)
version=$("$python" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["version"])' "$root/galaxy.yml")
[ "$tarball" = "$out/dist/community_scripts-telemetry-$version.tar.gz" ]
tar -xzOf "$tarball" MANIFEST.json | "$python" -c '
import json, sys
info = json.load(sys.stdin)["collection_info"]
assert info["dependencies"] == {}, info["dependencies"]'
closed_port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$out/no-galaxy.cfg" <<CFG
[galaxy]
server_list = unreachable
[galaxy_server.unreachable]
url = http://127.0.0.1:$closed_port/api/
CFG
"$python" -c 'import socket, sys; s = socket.socket(); sys.exit(s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0)' "$closed_port"
galaxy() {  # galaxy COLLECTIONS_PATH ARGS: ansible-galaxy with that collections path alone (not the one under test)
  local collections=$1
  shift
  ANSIBLE_CONFIG=$out/no-galaxy.cfg ANSIBLE_COLLECTIONS_PATH=$collections ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false \
    ansible-galaxy "$@"
}
galaxy "$out/installed" collection install "$tarball" -p "$out/installed" 2>&1 | tee "$out/installed.log"
galaxy "$out/installed-offline" collection install "$tarball" -p "$out/installed-offline" --offline 2>&1 | tee "$out/installed-offline.log"
for installed in "$out/installed" "$out/installed-offline"; do
  grep -F "community_scripts.telemetry:$version was installed successfully" "$installed.log"
  galaxy "$installed" collection list community_scripts.telemetry -p "$installed" --format json > "$installed.json"
  "$python" - "$installed.json" "$installed" "$version" <<'PY'
import json, sys
listing, installed, version = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
assert listing == {f"{installed}/ansible_collections": {"community_scripts.telemetry": {"version": version}}}, listing
PY
  test -f "$installed/ansible_collections/community_scripts/telemetry/plugins/test/module_available.py"
done
if grep -i "error\|galaxy.ansible.com" "$out/installed.log" "$out/installed-offline.log"; then echo "FAILED: see above"; exit 1; fi

# 2. The proxmox backend from the installed release, without community.proxmox, then without proxmoxer.
local_play ../setup_pocketbase/playbooks/backend.yml -e "backend_state=prepare out=$out"
trap 'local_play standin.yml -e "standin_state=stopped out=$out"; local_play ../setup_pocketbase/playbooks/backend.yml -e "@$out/backend.json" -e "backend_state=stopped out=$out"' EXIT
local_play ../setup_pocketbase/playbooks/backend.yml -e "@$out/backend.json" -e "backend_state=started out=$out"
local_play standin.yml -e "standin_state=started out=$out"

# Only the installed release, and nothing from Python's sys.path (where the ansible package keeps community.proxmox).
ANSIBLE_COLLECTIONS_PATH=$out/installed ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false \
  local_play missing_dependency.yml -e "@$out/backend.json" -e "@$out/standin.json" -e "out=$out case=collection"

# community.proxmox found (the ansible package's), but the host's Python is a venv without proxmoxer.
"$python" -m venv --without-pip "$out/no-proxmoxer"
if "$out/no-proxmoxer/bin/python" -c "import proxmoxer" 2>/dev/null; then echo "the venv has proxmoxer"; exit 1; fi
ANSIBLE_COLLECTIONS_PATH=$out/installed \
  ansible-playbook -i localhost, -c local -e "ansible_python_interpreter=$out/no-proxmoxer/bin/python" \
  missing_dependency.yml -e "@$out/backend.json" -e "@$out/standin.json" -e "out=$out case=proxmoxer"
