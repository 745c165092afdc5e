# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The client (plugins/module_utils/_client.py) without a server: its checks, its budget, its quoting, and a
backend where nothing listens. Against a real PocketBase: tests/integration/targets/module_utils_pocketbase."""

from __future__ import annotations

import socket
import uuid

import pytest

from ansible_collections.community_scripts.telemetry.plugins.module_utils._client import TelemetryClient, pb_quote
from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import TelemetryError, TelemetryValueError

COLLECTION = "_dev_telemetry_data"
CLIENT = TelemetryClient("http://127.0.0.1:8090", COLLECTION)
UUID = "3f0c0d9e-5c8a-4c1e-9d5b-2b7f4f0a1c2d"


def new_client(url, **kwargs):
    return TelemetryClient(url, COLLECTION, **kwargs)


def test_unreachable_backend_is_a_telemetry_error_without_status():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again when the with block ends: nothing listens
    with pytest.raises(TelemetryError) as caught:
        new_client(f"http://127.0.0.1:{port}", retries=0).find(str(uuid.uuid4()))
    assert caught.value.status is None
    assert caught.value.retryable
    assert "Connection refused" in str(caught.value)


@pytest.mark.parametrize("collection", ["../x", "a/b", "", "a b", "x?y"])
def test_collection_names_that_would_change_the_path_are_refused(collection):
    with pytest.raises(TelemetryValueError) as caught:
        TelemetryClient("http://127.0.0.1:1", collection)
    assert caught.value.option == "collection"


@pytest.mark.parametrize("option, kwargs", [("timeout", {"timeout": 0}), ("timeout", {"timeout": -1}), ("retries", {"retries": -1})])
def test_time_options_are_checked(option, kwargs):
    with pytest.raises(TelemetryValueError) as caught:
        new_client("http://127.0.0.1:1", **kwargs)
    assert caught.value.option == option


def test_the_budget_is_timeout_times_attempts():
    assert new_client("http://127.0.0.1:1", timeout=4, retries=2).budget == 12


# --- filter quoting (checked against a real PocketBase in the module_utils_pocketbase target) ---

@pytest.mark.parametrize("value, quoted", [
    ("abc", "'abc'"),
    ("a'b", "'a\\'b'"),
    ("a\\b", "'a\\\\b'"),
    ("ab\\", "'ab\\\\'"),
    ("a\\'b", "'a\\\\\\'b'"),
    ("x' || random_id!='", "'x\\' || random_id!=\\''"),
])
def test_pb_quote_escapes_backslash_then_quote(value, quoted):
    assert pb_quote(value) == quoted


# --- the record id is checked before it reaches the path -------------------------------------

def test_the_client_checks_the_record_id_before_it_reaches_the_path():
    with pytest.raises(TelemetryValueError) as caught:
        CLIENT.patch("../../../../admin/anything", UUID, {})
    assert caught.value.option == "record_id"


# --- the hard time limit of an attempt -------------------------------------------------------

def test_an_alarm_set_before_an_attempt_keeps_what_is_left_of_it():
    """On the controller the task's own timeout is a SIGALRM too: an attempt's hard limit must not cancel it."""
    import signal
    import threading

    from ansible_collections.community_scripts.telemetry.plugins.module_utils._client import _hard_time_limit

    assert threading.current_thread() is threading.main_thread()  # else the hard limit would not be armed at all
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: None)
    signal.setitimer(signal.ITIMER_REAL, 30)
    try:
        with _hard_time_limit(1):
            inner, dummy = signal.getitimer(signal.ITIMER_REAL)
        outer, dummy = signal.getitimer(signal.ITIMER_REAL)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert 0 < inner <= 1
    assert 29 < outer <= 30


def test_a_refused_connection_is_said_in_plain_words():
    """Nothing listens on a loopback port just closed: the message names the URL once and the reason, not urllib3's
    connection object ("HTTPConnection(host=..., port=...): Failed to establish a new connection: ...")."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = new_client(f"http://127.0.0.1:{port}", retries=0)
    with pytest.raises(TelemetryError) as caught:
        client.sign_in("admin@example.com", "not-sent-anywhere")
    message = str(caught.value)
    assert message.startswith(f"POST http://127.0.0.1:{port}/api/collections/_superusers/auth-with-password: cannot connect: ")
    assert "Connection refused" in message and "HTTPConnection" not in message and "Failed to establish" not in message
