#!/usr/bin/env bash
# The main job, locally: starts an embedded PocketBase with the collection's schema on a free
# loopback port, provisions a small fleet of local hosts with the provision role
# (examples/provision_fleet.yml), prints the records with their explanations, and stops it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"

workdir=$(mktemp -d)
server=("$VENV/bin/python" "$COLLECTION_DIR/tests/utils/pocketbase_server.py")  # the tests' way to start PocketBase
trap '"${server[@]}" stop --dir "$workdir" >/dev/null; rm -rf "$workdir"' EXIT
url=$("${server[@]}" start --dir "$workdir" --hooks --collection-root "$COLLECTION_DIR")
echo "PocketBase is listening on $url (data in $workdir)"

ANSIBLE_COLLECTIONS_PATH=$COLLECTIONS_ROOT \
  ansible-playbook -i "$COLLECTION_DIR/examples/fleet_inventory.yml" -f 6 \
  -e ansible_python_interpreter="$VENV/bin/python" -e telemetry_url="$url" \
  "$COLLECTION_DIR/examples/provision_fleet.yml"
