# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One real PocketBase for the session (tests/utils/pocketbase_server.py, the collection's migrations, no hooks: the
public backend has none), the fault proxy in front of it for a test that asks, and a run that fails when a test
is skipped: every test here needs only what this target starts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests

from ansible_collections.community_scripts.telemetry.tests.utils.fault_proxy import FaultProxy
from ansible_collections.community_scripts.telemetry.tests.utils.pocketbase_server import PocketBaseServer

COLLECTION = "_dev_telemetry_data"
_SKIPPED: list = []


@pytest.fixture(scope="session")
def pocketbase_url(tmp_path_factory):
    # Under ansible-test, the server's data and log stay in the target's output directory.
    directory = Path(os.environ["OUTPUT_DIR"]) / "pocketbase" if os.environ.get("OUTPUT_DIR") else tmp_path_factory.mktemp("pocketbase")
    server = PocketBaseServer(directory).start()
    yield server.url
    server.stop()


@pytest.fixture
def proxy(pocketbase_url):
    running = FaultProxy(pocketbase_url).start()
    yield running
    running.stop()


@pytest.fixture
def records_of():
    """The records of a random_id, read straight from PocketBase (not through the proxy)."""

    def read(pocketbase_url, random_id):
        answer = requests.get(f"{pocketbase_url}/api/collections/{COLLECTION}/records",
                              params={"filter": f"(random_id='{random_id}')"}, timeout=5).json()
        return answer["items"]

    return read


def pytest_runtest_logreport(report):
    if report.skipped:
        _SKIPPED.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if _SKIPPED and exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    if _SKIPPED:
        terminalreporter.write_line(f"FAILED: {len(_SKIPPED)} skipped, and a skipped test fails this target: {', '.join(_SKIPPED)}")
