# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
import multiprocessing
import threading
import uuid

import pytest

from ansible_collections.community_scripts.telemetry.plugins.module_utils._client import TelemetryClient
from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import (
    RecordNotFound,
    TelemetryError,
    TelemetryValueError,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._lifecycle import deliver_event
from ansible_collections.community_scripts.telemetry.plugins.module_utils._payloads import build_create_body, build_finish_body
from ansible_collections.community_scripts.telemetry.plugins.module_utils._spool import (
    EVENT_CREATE,
    EVENT_FINISH,
    Spool,
    make_event,
)

CLIENT = TelemetryClient("http://127.0.0.1:8090", "_dev_telemetry_data")
OTHER_BACKEND = TelemetryClient("http://127.0.0.1:8091", "_dev_telemetry_data")


def create_body(random_id, nsapp="debian"):
    return build_create_body(dict(random_id=random_id, type="lxc", nsapp=nsapp), "8.2.4")


def event(kind=EVENT_CREATE, client=CLIENT, random_id=None, body=None):
    random_id = random_id or str(uuid.uuid4())
    if body is None:
        body = create_body(random_id) if kind == EVENT_CREATE else build_finish_body("failed", 214)
    return make_event(kind, client, random_id, body)


def test_spool_dir_must_be_absolute():
    with pytest.raises(TelemetryValueError) as caught:
        Spool("relative/dir")
    assert caught.value.option == "spool_dir"


def test_events_are_json_lines_oldest_first_and_not_repeated(tmp_path):
    spool = Spool(str(tmp_path / "spool"))
    first, second = event(), event(EVENT_FINISH)
    assert spool.append(first)
    assert spool.append(second)
    assert not spool.append(dict(first, queued_at="later"))  # the same event, queued again
    lines = (tmp_path / "spool" / "events.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [first, second]
    assert spool.pending() == [first, second]
    assert spool.has_waiting(EVENT_CREATE, CLIENT, first["random_id"])
    assert not spool.has_waiting(EVENT_CREATE, OTHER_BACKEND, first["random_id"])


def _append_many(directory, writer, count):
    spool = Spool(directory)
    for index in range(count):
        random_id = str(uuid.uuid4())
        spool.append(make_event(EVENT_CREATE, CLIENT, random_id, create_body(random_id, f"w{writer}-{index}")))


def test_many_processes_appending_at_once_lose_nothing(tmp_path):
    directory = str(tmp_path / "spool")
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_append_many, args=(directory, writer, 25)) for writer in range(12)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(60)
        assert process.exitcode == 0
    events = Spool(directory).pending()
    assert len(events) == 12 * 25
    for writer in range(12):  # each writer's events are in its own order
        mine = [e["body"]["nsapp"] for e in events if e["body"]["nsapp"].startswith(f"w{writer}-")]
        assert mine == [f"w{writer}-{index}" for index in range(25)]


def test_flush_delivers_in_order_and_stops_at_the_first_failure(tmp_path):
    spool = Spool(str(tmp_path))
    events = [event() for dummy in range(5)]
    for item in events:
        spool.append(item)
    delivered = []

    def deliver(client, item):
        if len(delivered) == 3:
            raise TelemetryError("backend down again")
        delivered.append(item["random_id"])

    result = spool.flush(CLIENT, deliver)
    assert delivered == [item["random_id"] for item in events[:3]]
    assert (result["delivered"], result["remaining"], result["dropped"]) == (3, 2, 0)
    assert str(result["error"]) == "backend down again"
    assert spool.pending() == events[3:]


def test_flush_keeps_other_backends_events_and_drops_what_can_never_be_delivered(tmp_path):
    spool = Spool(str(tmp_path))
    mine, theirs, orphan = event(), event(client=OTHER_BACKEND), event(EVENT_FINISH)
    for item in (mine, theirs, orphan):
        spool.append(item)
    with open(spool.path, "a", encoding="utf-8") as handle:
        handle.write("not json\n")

    def deliver(client, item):
        if item["event"] == EVENT_FINISH:
            raise RecordNotFound("no record")

    result = spool.flush(CLIENT, deliver)
    assert (result["delivered"], result["dropped"], result["remaining"]) == (1, 2, 1)
    assert spool.pending() == [theirs]


def test_events_appended_during_a_flush_are_kept(tmp_path):
    spool = Spool(str(tmp_path))
    spool.append(event())
    late = event()

    def deliver(client, item):
        Spool(str(tmp_path)).append(late)  # another fork writes while the flush delivers

    result = spool.flush(CLIENT, deliver)
    assert (result["delivered"], result["remaining"]) == (1, 1)
    assert spool.pending() == [late]


def test_two_flushes_at_once_deliver_each_event_once(tmp_path):
    spool_dir = str(tmp_path)
    for dummy in range(30):
        Spool(spool_dir).append(event())
    delivered = []
    lock = threading.Lock()

    def deliver(client, item):
        with lock:
            delivered.append(item["random_id"])

    # flock excludes separate open file descriptions, so two threads contend as two processes would
    results = []
    flushes = [threading.Thread(target=lambda: results.append(Spool(spool_dir).flush(CLIENT, deliver))) for dummy in range(2)]
    for thread in flushes:
        thread.start()
    for thread in flushes:
        thread.join(30)
    assert sorted(result["delivered"] for result in results) == [0, 30]
    assert len(delivered) == len(set(delivered)) == 30
    assert Spool(spool_dir).pending() == []


def test_spooled_events_are_delivered_like_live_ones(tmp_path, pocketbase_url):
    client = TelemetryClient(pocketbase_url, "_dev_telemetry_data")
    random_id = str(uuid.uuid4())
    body = {"random_id": random_id, "type": "vm", "ct_type": 2, "nsapp": "spooled", "status": "installing",
            "disk_size": 20, "core_count": 1, "ram_size": 512, "os_type": "", "os_version": "", "method": "default",
            "pve_version": "not found"}
    spool = Spool(str(tmp_path))
    spool.append(make_event(EVENT_CREATE, client, random_id, body))
    spool.append(make_event(EVENT_FINISH, client, random_id, build_finish_body("failed", 137), record_id=None, force=False))

    assert spool.flush(client, deliver_event)["delivered"] == 2
    record = client.find(random_id)
    assert (record["status"], record["exit_code"], record["error"]) == ("failed", 137, "Killed (SIGKILL / Out of memory?)")

    # A second copy of the same events (a repeated or partial flush) changes nothing and duplicates nothing.
    spool.append(make_event(EVENT_CREATE, client, random_id, body))
    spool.append(make_event(EVENT_FINISH, client, random_id, build_finish_body("done"), record_id=None, force=False))
    assert spool.flush(client, deliver_event)["delivered"] == 2
    assert client.find(random_id)["status"] == "failed"
