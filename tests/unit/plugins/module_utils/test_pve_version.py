# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import TelemetryValueError
from ansible_collections.community_scripts.telemetry.plugins.module_utils._payloads import check_pve_version
from ansible_collections.community_scripts.telemetry.plugins.module_utils._pve_version import parse_pveversion, usable_pve_version


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


@pytest.mark.parametrize("answer", [
    "8.2\x1b[31m", "8.2.4\x07", "8.2.4\r\nX-Injected: 1", "<script>alert(1)</script>", "8.2 4", "", None, 8.2, ["8.2.4"],
    "9" * 40,
])
def test_a_version_that_is_no_version_is_not_found(answer):
    assert usable_pve_version(answer) == "not found"


@pytest.mark.parametrize("output", ["pve-manager/8.2\x1b[31m/abc", "pve-manager/<script>/abc", "pve-manager/8.2.4\x07/abc"])
def test_pveversion_output_that_is_no_version_is_not_found(output):
    assert parse_pveversion(output) == "not found"


@pytest.mark.parametrize("version", ["8.2.4", "7.4-3", "9.0.0~beta1", "not found"])
def test_a_version_is_kept(version):
    assert usable_pve_version(version) == version


@pytest.mark.parametrize("value", ["8.2\x1b[31m", "<b>8</b>", "8.2.4\n", "latest"])
def test_a_given_pve_version_that_is_no_version_is_bad_input(value):
    with pytest.raises(TelemetryValueError) as error:
        check_pve_version(value)
    assert error.value.option == "pve_version"
