# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.community_scripts.telemetry.plugins.filter.explain_exit_code import FilterModule


@pytest.fixture
def explain():
    return FilterModule().filters()["explain_exit_code"]


@pytest.mark.parametrize("code, expected", [
    (214, "Proxmox: Not enough storage space"),
    ("214", "Proxmox: Not enough storage space"),
    (" 137 ", "Killed (SIGKILL / Out of memory?)"),
    (206.0, "Proxmox: CTID already in use"),
    (9999, "Unknown error"),
    (0, "Unknown error"),
    ("oops", "General error / Operation not permitted"),
    (-1, "General error / Operation not permitted"),
    (None, "General error / Operation not permitted"),
])
def test_filter_explains_the_code_the_modules_would_send(explain, code, expected):
    assert explain(code) == expected
