# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The checks of the options (plugins/module_utils/_checks.py), with the inputs an attacker or a careless user gives."""

from __future__ import annotations

import pytest

from ansible_collections.community_scripts.telemetry.plugins.module_utils._checks import (
    check_collection,
    check_random_id,
    check_record_id,
    check_retries,
    check_timeout,
    check_url,
    parse_size,
    redact_url,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import TelemetryValueError

UUID = "3f0c0d9e-5c8a-4c1e-9d5b-2b7f4f0a1c2d"


@pytest.mark.parametrize("url", ["ftp://127.0.0.1", "http://", "127.0.0.1:8090", "", "file:///etc/passwd"])
def test_check_url_accepts_only_http_urls_with_a_host(url):
    with pytest.raises(TelemetryValueError) as caught:
        check_url(url)
    assert caught.value.option == "url"


def test_check_url_names_the_option_it_checks():
    with pytest.raises(TelemetryValueError) as caught:
        check_url("ftp://127.0.0.1", "from_url")
    assert caught.value.option == "from_url"


def test_good_connection_options_pass_unchanged_but_for_a_trailing_slash():
    assert check_url("https://127.0.0.1:8090/") == "https://127.0.0.1:8090"
    assert check_collection("_dev_telemetry_data") == "_dev_telemetry_data"
    assert (check_timeout(0.5), check_retries(0)) == (0.5, 0)


@pytest.mark.parametrize("value", [None, -1])
def test_retries_must_be_a_whole_number_of_at_least_zero(value):
    with pytest.raises(TelemetryValueError) as caught:
        check_retries(value)
    assert caught.value.option == "retries"


# --- checks anchor at the real end, and error messages stay short ----------------------------

def test_a_trailing_newline_is_not_a_uuid_nor_a_record_id():
    with pytest.raises(TelemetryValueError):
        check_random_id(UUID + "\n")
    with pytest.raises(TelemetryValueError):
        check_record_id("abc123\n")


def test_a_huge_value_is_not_repeated_in_the_error():
    with pytest.raises(TelemetryValueError) as caught:
        check_random_id("x" * 1_000_000)
    assert len(str(caught.value)) < 300 and "1000000 characters" in str(caught.value)


@pytest.mark.parametrize("url", [
    "http://[::1", "http://127.0.0.1:8090/#fragment", "http://127.0.0.1:8090/?query=1", "http://127.0.0.1:notaport",
    "http://user:s3cret@127.0.0.1:8090",
])
def test_urls_that_cannot_be_a_backend_are_bad_input(url):
    with pytest.raises(TelemetryValueError) as caught:
        check_url(url)
    assert caught.value.option == "url"
    assert "s3cret" not in str(caught.value)


def test_a_password_in_a_url_is_redacted():
    assert redact_url("https://admin:s3cret@db.example:8090/x") == "https://admin:***@db.example:8090/x"
    assert "s3cret" not in redact_url("http://a:s3cret@[::1")


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 0, -1])
def test_timeout_must_be_finite_and_positive(value):
    with pytest.raises(TelemetryValueError) as caught:
        check_timeout(value)
    assert caught.value.option == "timeout"


@pytest.mark.parametrize("name", ["_superusers", "_SUPERUSERS", "_mfas", "_otps", "_externalAuths", "_authOrigins", "a/b", "x\n"])
def test_pocketbases_own_collections_and_odd_names_are_refused(name):
    with pytest.raises(TelemetryValueError) as caught:
        check_collection(name)
    assert caught.value.option == "collection"


# --- sizes ----------------------------------------------------------------------------------

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
