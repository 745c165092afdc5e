# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import TelemetryValueError
from ansible_collections.community_scripts.telemetry.plugins.module_utils._payloads import (
    build_create_body,
    build_finish_body,
    map_status,
    normalise_exit_code,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._checks import parse_size

UUID = "3f0c0d9e-5c8a-4c1e-9d5b-2b7f4f0a1c2d"


# --- status mapping and exit codes ---------------------------------------------------

@pytest.mark.parametrize("given, sent", [
    ("done", "sucess"), ("success", "sucess"), ("sucess", "sucess"),
    ("failed", "failed"),
    ("Done", "unknown"), ("fail", "unknown"), ("", "unknown"), ("installing", "unknown"),
])
def test_map_status_follows_the_contract(given, sent):
    assert map_status(given) == sent


@pytest.mark.parametrize("given, sent", [
    (0, 0), (214, 214), ("214", 214), (" 7 ", 7), (1000, 1000), (3.0, 3),
    (None, 1), ("", 1), ("abc", 1), ("-5", 1), (-5, 1), ("2.5", 1), (2.5, 1), (True, 1), ("0x10", 1),
])
def test_normalise_exit_code_keeps_whole_numbers_and_makes_the_rest_1(given, sent):
    assert normalise_exit_code(given) == sent


def test_success_is_sent_with_exit_code_0_and_no_error_whatever_the_code():
    assert build_finish_body("done", 214) == {"status": "sucess", "exit_code": 0, "error": ""}


def test_failure_carries_the_code_and_its_explanation():
    assert build_finish_body("failed", "214") == {
        "status": "failed", "exit_code": 214, "error": "Proxmox: Not enough storage space"}


def test_failure_without_a_code_is_1():
    assert build_finish_body("failed") == {
        "status": "failed", "exit_code": 1, "error": "General error / Operation not permitted"}


def test_unknown_status_carries_the_code_as_for_failed():
    assert build_finish_body("aborted", 999) == {"status": "unknown", "exit_code": 999, "error": "Unknown error"}


# --- create body --------------------------------------------------------------------

def report_params(**overrides):
    params = dict(random_id=UUID, type="lxc", ct_type=None, nsapp="debian", disk_size=8, core_count=2,
                  ram_size=2048, os_type="debian", os_version="12", method="default")
    params.update(overrides)
    return params


def test_create_body_has_exactly_the_contract_fields():
    assert build_create_body(report_params(), "8.2.4") == {
        "ct_type": 1, "type": "lxc", "disk_size": 8, "core_count": 2, "ram_size": 2048,
        "os_type": "debian", "os_version": "12", "nsapp": "debian", "method": "default",
        "pve_version": "8.2.4", "status": "installing", "random_id": UUID,
    }


def test_vm_body_has_ct_type_2_and_the_disk_size_without_g():
    body = build_create_body(report_params(type="vm", disk_size="20G"), "not found")
    assert (body["type"], body["ct_type"], body["disk_size"], body["pve_version"]) == ("vm", 2, 20, "not found")


@pytest.mark.parametrize("size, number", [
    (None, 0), (0, 0), (20, 20), ("20", 20), ("20G", 20), ("20g", 20), (" 32G ", 32), ("12.5G", 12.5), (7.0, 7),
])
def test_parse_size(size, number):
    assert parse_size(size) == number


@pytest.mark.parametrize("size", ["20GB", "twenty", "", "-5", -5, "1e3", "0x10", True, float("nan"), float("inf"), "20 G"])
def test_parse_size_refuses_what_pocketbase_would_store_as_0(size):
    with pytest.raises(TelemetryValueError) as caught:
        parse_size(size)
    assert caught.value.option == "disk_size"


@pytest.mark.parametrize("overrides, option", [
    ({"random_id": "not-a-uuid"}, "random_id"),
    ({"random_id": UUID + "'"}, "random_id"),
    ({"nsapp": ""}, "nsapp"),
    ({"nsapp": "   "}, "nsapp"),
    ({"core_count": -1}, "core_count"),
    ({"ram_size": True}, "ram_size"),
    ({"disk_size": "big"}, "disk_size"),
    ({"type": "vm", "ct_type": 1}, "ct_type"),
    ({"type": "lxc", "ct_type": 2}, "ct_type"),
    ({"os_type": "x" * 5001}, "os_type"),
    ({"os_version": "bad \udcff surrogate"}, "os_version"),
    ({"method": ["a"]}, "method"),
])
def test_bad_values_raise_naming_the_option(overrides, option):
    with pytest.raises(TelemetryValueError) as caught:
        build_create_body(report_params(**overrides), "8.2.4")
    assert caught.value.option == option
    assert str(caught.value).startswith(option + ":")


def test_strings_are_sent_unchanged():
    nasty = "it's \"quoted\" \\ 日本語 🚀\n\t"
    body = build_create_body(report_params(nsapp=nasty, os_type=nasty), "8.2.4")
    assert body["nsapp"] == nasty and body["os_type"] == nasty
