# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The client against a real PocketBase with the collection's schema (see tests/unit/conftest.py)."""

from __future__ import annotations

import socket
import threading
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests

from ansible_collections.community_scripts.telemetry.plugins.module_utils._client import TelemetryClient, pb_quote
from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import TelemetryError, TelemetryValueError
from ansible_collections.community_scripts.telemetry.plugins.module_utils._payloads import build_create_body

COLLECTION = "_dev_telemetry_data"


def new_client(url, **kwargs):
    return TelemetryClient(url, COLLECTION, **kwargs)


def body_for(**overrides):
    params = dict(random_id=str(uuid.uuid4()), type="lxc", ct_type=None, nsapp="debian", disk_size=8,
                  core_count=2, ram_size=2048, os_type="debian", os_version="12", method="default")
    params.update(overrides)
    return build_create_body(params, "8.2.4")


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


def test_unreachable_backend_is_a_telemetry_error_without_status():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again when the with block ends: nothing listens
    with pytest.raises(TelemetryError) as caught:
        new_client(f"http://127.0.0.1:{port}", retries=0).find(str(uuid.uuid4()))
    assert caught.value.status is None
    assert caught.value.retryable
    assert "Connection refused" in str(caught.value)


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


# --- filter quoting (checked against a real PocketBase in test_client.py) ---------------

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
