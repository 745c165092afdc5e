# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import TelemetryValueError
from ansible_collections.community_scripts.telemetry.plugins.module_utils._payloads import (
    build_create_body,
    build_finish_body,
    error_detail_tail,
    map_status,
    normalise_exit_code,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._records import CREATE_FIELDS, FINISH_FIELDS
from ansible_collections.community_scripts.telemetry.plugins.module_utils._scrub import mask_addresses

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


# --- the extended fields: error_detail's tail and address masking, node and install_duration ---

@pytest.mark.parametrize("given, masked", [
    ("connect to 192.168.1.10 failed", "connect to <IPv4> failed"),
    ("https://10.0.0.1:8006/api2/json", "https://<IPv4>:8006/api2/json"),
    ("net0: ip=172.16.5.20/24,gw=172.16.5.1", "net0: ip=<IPv4>/24,gw=<IPv4>"),
    ("host 8.8.8.8.", "host <IPv4>."),
    ("ip10.0.0.1,", "ip<IPv4>,"),
    ("0.0.0.0 and 255.255.255.255", "<IPv4> and <IPv4>"),
    ("v6 2001:db8::1 up", "v6 <IPv6> up"),
    ("[2001:db8:85a3::8a2e:370:7334]:8006", "[<IPv6>]:8006"),
    ("2001:0db8:0000:0000:0000:ff00:0042:8329", "<IPv6>"),
    ("lo ::1 and any ::", "lo <IPv6> and any <IPv6>"),
    ("link fe80::1ff:fe23:4567:890a%vmbr0 ok", "link <IPv6> ok"),
    ("mapped ::ffff:192.0.2.128 here", "mapped <IPv6> here"),
    ("FE80::ABCD", "<IPv6>"),
    # Not addresses: left as they are.
    ("pve-manager/8.2.4/faa83925c9641325", "pve-manager/8.2.4/faa83925c9641325"),
    ("version 1.2.3.4.5", "version 1.2.3.4.5"),
    ("999.1.1.1 is not an address", "999.1.1.1 is not an address"),
    ("at 12:34:56 the step ended", "at 12:34:56 the step ended"),
    ("mac bc:24:11:aa:bb:cc", "mac bc:24:11:aa:bb:cc"),
    ("std::vector<int>", "std::vector<int>"),
    ("ratio 3:2 and 10:30", "ratio 3:2 and 10:30"),
    ("", ""),
])
def test_addresses_are_masked_and_nothing_else(given, masked):
    assert mask_addresses(given) == masked


def test_the_tail_keeps_the_last_twenty_lines():
    output = "\n".join(f"line {number}" for number in range(1, 101)) + "\n\n\n"
    assert error_detail_tail(output) == "\n".join(f"line {number}" for number in range(81, 101))


def test_crlf_and_cr_are_lines_too():
    assert error_detail_tail("a\r\nb\rc\r\n", max_lines=2) == "b\nc"


def test_the_tail_is_at_most_4096_bytes_cut_at_a_character():
    line = "é" * 3000  # 6000 bytes in one line
    tail = error_detail_tail(line)
    assert len(tail.encode("utf-8")) <= 4096
    assert tail == "é" * 2048
    odd = "x" + "€" * 2000  # 3 bytes each: the cut falls inside a character, which is dropped
    tail = error_detail_tail(odd)
    assert len(tail.encode("utf-8")) <= 4096 and set(tail) == {"€"}


def test_masking_comes_before_the_byte_cut():
    # The cut cannot leave part of an address behind: the address is masked first.
    output = "x" * 5000 + " 192.168.100.200"
    tail = error_detail_tail(output, max_bytes=12)
    assert "192" not in tail and "200" not in tail


def test_invalid_text_is_replaced_not_refused():
    assert error_detail_tail("bad \udcff byte") == "bad ? byte"
    assert error_detail_tail(None) == ""


def test_without_the_extended_options_the_bodies_are_the_contracts():
    params = dict(random_id=UUID, type="lxc", nsapp="debian")
    assert tuple(build_create_body(params, "8.2.4")) == CREATE_FIELDS
    assert tuple(build_create_body(dict(params, node=None), "8.2.4")) == CREATE_FIELDS
    assert tuple(build_finish_body("failed", 214)) == FINISH_FIELDS
    assert tuple(build_finish_body("done", None, None, None)) == FINISH_FIELDS


def test_the_extended_options_are_sent_when_given():
    body = build_create_body(dict(random_id=UUID, type="lxc", nsapp="debian", node=" pve1 "), "8.2.4")
    assert body["node"] == "pve1" and tuple(body)[:-1] == CREATE_FIELDS
    finish = build_finish_body("failed", 214, "95.5", "apt failed on 10.1.2.3\n")
    assert finish == {"status": "failed", "exit_code": 214, "error": "Proxmox: Not enough storage space",
                      "install_duration": 95.5, "error_detail": "apt failed on <IPv4>"}
    assert build_finish_body("done", 0, 120.0)["install_duration"] == 120


@pytest.mark.parametrize("node", ["", "   ", "x" * 256, 5])
def test_bad_nodes_name_the_option(node):
    with pytest.raises(TelemetryValueError) as caught:
        build_create_body(dict(random_id=UUID, type="lxc", nsapp="debian", node=node), "8.2.4")
    assert caught.value.option == "node"


@pytest.mark.parametrize("duration", [-1, "soon", True, float("nan"), float("inf"), [1]])
def test_bad_durations_name_the_option(duration):
    with pytest.raises(TelemetryValueError) as caught:
        build_finish_body("done", 0, duration)
    assert caught.value.option == "install_duration"
