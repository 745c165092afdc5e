#!/usr/bin/env bash
# The main job, locally: starts an embedded PocketBase with the collection's schema on a free
# loopback port, provisions a small fleet of local hosts with the provision role
# (examples/provision_fleet.yml), prints the records with their explanations, and stops it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"

workdir=$(mktemp -d)
port=$(python -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
url=http://127.0.0.1:$port
pocketbase serve --http "127.0.0.1:$port" --dir "$workdir/pb_data" \
  --migrationsDir "$COLLECTION_DIR/pocketbase/pb_migrations" --hooksDir "$COLLECTION_DIR/pocketbase/pb_hooks" --hooksWatch=false --automigrate=false >"$workdir/pocketbase.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$workdir"' EXIT
for _ in $(seq 100); do
  python -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)" "$url/api/health" 2>/dev/null && break
  sleep 0.1
done
echo "PocketBase is listening on $url (data in $workdir)"

ANSIBLE_COLLECTIONS_PATH=$COLLECTIONS_ROOT \
  ansible-playbook -i "$COLLECTION_DIR/examples/fleet_inventory.yml" -f 6 \
  -e ansible_python_interpreter="$VENV/bin/python" -e telemetry_url="$url" \
  "$COLLECTION_DIR/examples/provision_fleet.yml"
