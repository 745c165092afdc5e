# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.community_scripts.telemetry.plugins.module_utils._pve_version import parse_pveversion


# --- pveversion ------------------------------------------------------------------

@pytest.mark.parametrize("output, version", [
    ("pve-manager/8.2.4/faa83925c9641325 (running kernel: 6.8.12-1-pve)\n", "8.2.4"),
    ("pve-manager/7.4-3/9002ab8a (running kernel: 5.15.102-1-pve)", "7.4-3"),
    ("pve-manager/9.0.0/abc", "9.0.0"),
    ("", "not found"),
    ("command not found", "not found"),
    ("pve-manager/", "not found"),
])
def test_parse_pveversion(output, version):
    assert parse_pveversion(output) == version
