# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The client (plugins/module_utils/_client.py) against a real PocketBase with the collection's schema, directly and
through the fault-injecting proxy written for the tests (tests/utils/fault_proxy.py): what it sends and reads,
retries, time bounds. Hermetic tests of the client: tests/unit/plugins/module_utils/test_client.py."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests

from ansible_collections.community_scripts.telemetry.plugins.module_utils._client import TelemetryClient, pb_quote
from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import TelemetryError
from ansible_collections.community_scripts.telemetry.plugins.module_utils._lifecycle import ensure_created
from ansible_collections.community_scripts.telemetry.plugins.module_utils._payloads import build_create_body

COLLECTION = "_dev_telemetry_data"
# What a slow scheduler may add to a bound; the bounds themselves are seconds.
SLACK = 1.5


def new_client(url, **kwargs):
    return TelemetryClient(url, COLLECTION, **kwargs)


def body_for(**overrides):
    params = dict(random_id=str(uuid.uuid4()), type="lxc", ct_type=None, nsapp="debian", disk_size=8,
                  core_count=2, ram_size=2048, os_type="debian", os_version="12", method="default")
    params.update(overrides)
    return build_create_body(params, "8.2.4")


def client_for(proxy, **kwargs):
    return TelemetryClient(proxy.url, COLLECTION, **kwargs)


def new_payload():
    return build_create_body(dict(random_id=str(uuid.uuid4()), type="lxc", ct_type=None, nsapp="debian",
                                  disk_size=8, core_count=2, ram_size=2048, os_type="debian", os_version="12",
                                  method="default"), "8.2.4")


def outcomes(proxy):
    return [entry["outcome"] for entry in proxy.log]


# --- the client and PocketBase -------------------------------------------------------------

def test_create_find_get_patch_round_trip(pocketbase_url):
    client = new_client(pocketbase_url)
    body = body_for()
    random_id = body["random_id"]
    assert client.find(random_id) is None

    created = client.create(body)
    assert len(created["id"]) == 15
    assert created["status"] == "installing"

    found = client.find(random_id)
    assert found == {"id": created["id"], "random_id": random_id, "status": "installing", "exit_code": 0, "error": ""}
    assert client.get(created["id"], random_id) == found

    patched = client.patch(created["id"], random_id, {"status": "failed", "exit_code": 214, "error": "Proxmox: Not enough storage space"})
    assert (patched["status"], patched["exit_code"]) == ("failed", 214)
    assert client.find(random_id)["status"] == "failed"


def test_get_of_an_unknown_id_is_none(pocketbase_url):
    assert new_client(pocketbase_url).get("abcdefghij12345", str(uuid.uuid4())) is None


def test_validation_errors_carry_status_and_field_errors(pocketbase_url):
    client = new_client(pocketbase_url)
    body = dict(body_for(), status="success")  # not a value of the schema's select
    with pytest.raises(TelemetryError) as caught:
        client.create(body)
    assert caught.value.status == 400
    assert caught.value.field_errors["status"]["code"] == "validation_invalid_value"
    assert "status:" in str(caught.value)


def test_a_second_create_of_the_same_random_id_is_refused_as_not_unique(pocketbase_url):
    client = new_client(pocketbase_url)
    body = body_for()
    client.create(body)
    with pytest.raises(TelemetryError) as caught:
        client.create(body)
    assert caught.value.is_not_unique("random_id")
    assert not caught.value.is_not_unique("nsapp")


# 20 values that break naive quoting; each must match its own record and nothing else.
NASTY = ["a'b", 'a"b', "a\\b", "a\\\\b", "ab\\", "\\", "'", "a\\'b", "a\\nb", "a\nb", "a\tb", "a\\tb",
         "x' || random_id!='", "50%_x", "()&&||~!=", "日本語🚀", "a\\x41b", "a\\u0041b", "\r", "a\\rb"]


def test_pb_quote_round_trips_through_the_real_filter_parser(pocketbase_url):
    records_url = f"{pocketbase_url}/api/collections/{COLLECTION}/records"
    tag = str(uuid.uuid4())
    ids = {}
    client = new_client(pocketbase_url)
    for value in NASTY:
        ids[value] = client.create(body_for(os_version=value, os_type=tag))["id"]
    for value in NASTY:
        answer = requests.get(records_url, params={
            "filter": f"(os_version={pb_quote(value)} && os_type={pb_quote(tag)})", "fields": "id,os_version", "perPage": 100,
        }, timeout=5).json()
        assert answer["items"] == [{"id": ids[value], "os_version": value}], value


def test_a_backend_that_accepts_and_never_answers_times_out():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        client = new_client(f"http://127.0.0.1:{listener.getsockname()[1]}", timeout=0.5, retries=0)
        with pytest.raises(TelemetryError) as caught:
            client.find(str(uuid.uuid4()))
    assert "no answer within 0.5 s" in str(caught.value)


class _NotJSON(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<html>proxy error page</html>")

    def log_message(self, *args):
        pass


def test_a_malformed_answer_is_a_telemetry_error():
    server = HTTPServer(("127.0.0.1", 0), _NotJSON)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(TelemetryError) as caught:
            new_client(f"http://127.0.0.1:{server.server_port}").find(str(uuid.uuid4()))
        assert caught.value.status == 200
        assert "malformed" in str(caught.value)
    finally:
        server.shutdown()
        server.server_close()


def test_keyset_paging_reads_every_record_once_in_order(pocketbase_url, monkeypatch):
    from ansible_collections.community_scripts.telemetry.plugins.module_utils import _client
    monkeypatch.setattr(_client, "PAGE_SIZE", 3)
    client = new_client(pocketbase_url)
    app = f"keyset-{uuid.uuid4().hex[:8]}"
    created = [client.create(body_for(nsapp=app))["id"] for dummy in range(10)]
    seen = list(client.iter_records(f"(nsapp={pb_quote(app)})", ("nsapp",)))
    assert sorted(record["id"] for record in seen) == sorted(created)
    assert [(record["created"], record["id"]) for record in seen] == sorted((record["created"], record["id"]) for record in seen)
    # Resumed after the fourth record: the other six, in the same order.
    assert list(client.iter_records(f"(nsapp={pb_quote(app)})", ("nsapp",), after=seen[3])) == seen[4:]


def test_a_backend_without_the_aggregates_route_says_so(pocketbase_url):
    assert new_client(pocketbase_url).aggregates({"app": "debian"}) is None


# --- retries and time bounds, through the fault proxy ----------------------------------------

@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_retried_until_success(proxy, pocketbase_url, records_of, status):
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
