# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The unit tests are hermetic: they start no server. A test that listens on a socket fails and says where it
belongs: the tests against a real PocketBase, or through the fault proxy, are in
tests/integration/targets/module_utils_pocketbase. (A connection to a loopback port where nothing listens,
refused at once, needs no server and is allowed.)"""

from __future__ import annotations

import socket

import pytest


@pytest.fixture(autouse=True)
def no_server(monkeypatch):
    def refuse(self, *args):
        raise AssertionError("a unit test starts no server: a test that needs one belongs in "
                             "tests/integration/targets/module_utils_pocketbase")

    monkeypatch.setattr(socket.socket, "listen", refuse)
