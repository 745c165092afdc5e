# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Retries, time bounds and idempotent recovery, through the fault-injecting proxy (written for
the tests, tests/utils/fault_proxy.py) in front of the real PocketBase of tests/unit/conftest.py."""

from __future__ import annotations

import time
import uuid

import pytest
import requests

from ansible_collections.community_scripts.telemetry.plugins.module_utils._client import TelemetryClient
from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import RecordNotFound, TelemetryError
from ansible_collections.community_scripts.telemetry.plugins.module_utils._lifecycle import ensure_created, ensure_finished
from ansible_collections.community_scripts.telemetry.plugins.module_utils._payloads import build_create_body, build_finish_body
from ansible_collections.community_scripts.telemetry.tests.utils.fault_proxy import FaultProxy

COLLECTION = "_dev_telemetry_data"
# What a slow scheduler may add to a bound; the bounds themselves are seconds.
SLACK = 1.5


@pytest.fixture
def proxy(pocketbase_url):
    running = FaultProxy(pocketbase_url).start()
    yield running
    running.stop()


def client_for(proxy, **kwargs):
    return TelemetryClient(proxy.url, COLLECTION, **kwargs)


def new_payload():
    return build_create_body(dict(random_id=str(uuid.uuid4()), type="lxc", ct_type=None, nsapp="debian",
                                  disk_size=8, core_count=2, ram_size=2048, os_type="debian", os_version="12",
                                  method="default"), "8.2.4")


def records_of(pocketbase_url, random_id):
    answer = requests.get(f"{pocketbase_url}/api/collections/{COLLECTION}/records",
                          params={"filter": f"(random_id='{random_id}')"}, timeout=5).json()
    return answer["items"]


def outcomes(proxy):
    return [entry["outcome"] for entry in proxy.log]


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_retried_until_success(proxy, pocketbase_url, status):
    proxy.queue([{"action": "status", "status": status, "times": 2}])
    payload = new_payload()
    record_id, changed = ensure_created(client_for(proxy, retries=2), payload)
    assert changed
    assert outcomes(proxy) == [f"status {status}", f"status {status}", "forward", "forward"]
    assert [record["id"] for record in records_of(pocketbase_url, payload["random_id"])] == [record_id]


def test_retries_end_when_they_are_used_up(proxy):
    proxy.queue([{"action": "status", "status": 503, "times": 5}])
    with pytest.raises(TelemetryError) as caught:
        client_for(proxy, retries=2).find(str(uuid.uuid4()))
    assert caught.value.status == 503
    assert outcomes(proxy) == ["status 503"] * 3


def test_429_waits_for_retry_after(proxy):
    proxy.queue([{"action": "status", "status": 429, "headers": {"Retry-After": "1"}}])
    started = time.monotonic()
    assert client_for(proxy).find(str(uuid.uuid4())) is None
    assert time.monotonic() - started >= 1
    assert outcomes(proxy) == ["status 429", "forward"]


def test_429_whose_retry_after_exceeds_the_budget_gives_up_at_once(proxy):
    proxy.queue([{"action": "status", "status": 429, "headers": {"Retry-After": "3600"}}])
    with pytest.raises(TelemetryError) as caught:
        client_for(proxy, timeout=1, retries=2).find(str(uuid.uuid4()))
    assert caught.value.status == 429
    assert outcomes(proxy) == ["status 429"]


@pytest.mark.parametrize("status", [400, 403, 500])
def test_other_errors_are_not_retried(proxy, status):
    proxy.queue([{"action": "status", "status": status, "times": 3}])
    with pytest.raises(TelemetryError) as caught:
        client_for(proxy).find(str(uuid.uuid4()))
    assert caught.value.status == status
    assert outcomes(proxy) == [f"status {status}"]


def test_validation_errors_are_reported_field_by_field_and_not_retried(proxy):
    payload = dict(new_payload(), type="container")  # not a value of the schema's select
    with pytest.raises(TelemetryError) as caught:
        ensure_created(client_for(proxy), payload)
    assert caught.value.status == 400
    assert caught.value.field_errors["type"]["code"] == "validation_invalid_value"
    assert "type: Invalid value container" in str(caught.value)
    assert outcomes(proxy) == ["forward", "forward"]  # the lookup, then the one create


def test_a_malformed_answer_is_an_error_and_not_retried(proxy):
    proxy.queue([{"action": "malformed"}])
    with pytest.raises(TelemetryError) as caught:
        client_for(proxy).find(str(uuid.uuid4()))
    assert "malformed" in str(caught.value)
    assert outcomes(proxy) == ["malformed"]


def test_a_hung_backend_costs_at_most_the_budget(proxy):
    proxy.queue([{"action": "hang", "times": 10}])
    client = client_for(proxy, timeout=0.5, retries=2)
    started = time.monotonic()
    with pytest.raises(TelemetryError) as caught:
        client.find(str(uuid.uuid4()))
    elapsed = time.monotonic() - started
    assert "no answer within" in str(caught.value)
    assert elapsed <= client.budget + SLACK
    assert 2 <= len(proxy.log) <= 3  # the backoff may not leave room for the last attempt


def test_an_answer_trickling_one_byte_at_a_time_is_cut_off(proxy):
    proxy.queue([{"action": "trickle", "interval": 0.2}])
    client = client_for(proxy, timeout=1, retries=0)
    started = time.monotonic()
    with pytest.raises(TelemetryError):
        client.find(str(uuid.uuid4()))  # the answer is ~200 bytes: 40 s at this pace
    assert time.monotonic() - started <= client.budget + SLACK


def test_the_budget_starts_at_the_first_request(proxy):
    """What the caller does before its first request (the host's consent and version, the spool) is not network time."""
    client = client_for(proxy, timeout=0.3, retries=0)
    time.sleep(client.budget + 0.3)  # the caller's own work, longer than the whole budget
    assert client.remaining() == client.budget
    assert client.find(str(uuid.uuid4())) is None
    assert outcomes(proxy) == ["forward"]


def test_once_started_the_budget_covers_every_later_request(proxy):
    proxy.queue([{"action": "hang"}])
    client = client_for(proxy, timeout=0.5, retries=0)
    with pytest.raises(TelemetryError):
        client.find(str(uuid.uuid4()))  # spends the whole budget
    started = time.monotonic()
    with pytest.raises(TelemetryError) as caught:
        client.find(str(uuid.uuid4()))
    assert "no time left" in str(caught.value)
    assert time.monotonic() - started < 0.1
    assert outcomes(proxy) == ["hang"]  # the second request never left


def test_renew_budget_gives_the_next_request_a_whole_budget(proxy):
    proxy.queue([{"action": "hang"}])
    client = client_for(proxy, timeout=0.5, retries=0)
    with pytest.raises(TelemetryError):
        client.find(str(uuid.uuid4()))
    client.renew_budget()
    assert client.remaining() == client.budget
    assert client.find(str(uuid.uuid4())) is None
    assert outcomes(proxy) == ["hang", "forward"]


def test_a_create_that_was_written_but_answered_500_is_found_not_duplicated(proxy, pocketbase_url):
    proxy.queue([{"action": "after", "status": 500, "method": "POST"}])
    payload = new_payload()
    record_id, changed = ensure_created(client_for(proxy), payload)
    assert changed
    assert [record["id"] for record in records_of(pocketbase_url, payload["random_id"])] == [record_id]


def test_a_create_whose_answer_timed_out_is_retried_without_duplicate(proxy, pocketbase_url):
    proxy.queue([{"action": "trickle", "interval": 5, "method": "POST"}])
    payload = new_payload()
    record_id, dummy = ensure_created(client_for(proxy, timeout=1, retries=2), payload)
    assert [record["id"] for record in records_of(pocketbase_url, payload["random_id"])] == [record_id]


def test_a_patch_answered_404_falls_back_to_the_lookup_once(proxy, pocketbase_url):
    client = client_for(proxy)
    payload = new_payload()
    record_id, dummy = ensure_created(client, payload)
    proxy.queue([{"action": "status", "status": 404, "method": "PATCH"}])
    outcome = ensure_finished(client, payload["random_id"], record_id, build_finish_body("failed", 214))
    assert outcome["changed"]
    assert [entry["method"] for entry in proxy.log[-4:]] == ["GET", "PATCH", "GET", "PATCH"]
    assert records_of(pocketbase_url, payload["random_id"])[0]["exit_code"] == 214


def test_finishing_an_attempt_without_record_raises_record_not_found(proxy):
    with pytest.raises(RecordNotFound):
        ensure_finished(client_for(proxy), str(uuid.uuid4()), None, build_finish_body("done"))


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
