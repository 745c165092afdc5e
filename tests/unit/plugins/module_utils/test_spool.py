# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The spool: queues per host and backend, order, idempotency, one flush at a time, resuming, the cap,
consent at flush time, and the directory it refuses. Speed and memory are measured in bench/spool.py."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import stat
import threading
import uuid

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.community_scripts.telemetry.plugins.module_utils import _spool
from ansible_collections.community_scripts.telemetry.plugins.module_utils._argspec import (
    flush_argument_spec,
    report_argument_spec,
    update_argument_spec,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._client import TelemetryClient
from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import (
    RecordNotFound,
    TelemetryError,
    TelemetryValueError,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._lifecycle import EVENT_CREATE, EVENT_FINISH
from ansible_collections.community_scripts.telemetry.plugins.module_utils._payloads import build_create_body, build_finish_body
from ansible_collections.community_scripts.telemetry.plugins.module_utils._spool import (
    LEGACY_FILE,
    Spool,
    SpoolFull,
    make_event,
    parse_event,
    queue_name,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._tasks import (
    TaskContext,
    run_flush,
    run_report,
    run_update,
)

CLIENT = TelemetryClient("http://127.0.0.1:8090", "_dev_telemetry_data")
OTHER_BACKEND = TelemetryClient("http://127.0.0.1:8091", "_dev_telemetry_data")
UUID = "3f0c0d9e-5c8a-4c1e-9d5b-2b7f4f0a1c2d"
DOWN = "http://127.0.0.1:9"  # the discard port: nothing listens there, a connection is refused at once


def create_body(random_id, nsapp="debian"):
    return build_create_body(dict(random_id=random_id, type="lxc", nsapp=nsapp), "8.2.4")


def event(kind=EVENT_CREATE, client=CLIENT, random_id=None, body=None, owner=None):
    random_id = random_id or str(uuid.uuid4())
    if body is None:
        body = create_body(random_id) if kind == EVENT_CREATE else build_finish_body("failed", 214)
    extra = dict(record_id=None, force=False) if kind == EVENT_FINISH else {}
    return make_event(kind, client, random_id, body, owner=owner, **extra)


def events_file(directory, owner=None, client=CLIENT):
    return os.path.join(str(directory), queue_name(owner, client.url, client.collection) + ".events")


class Context(TaskContext):
    """A task's context as the controller gives it: a host (owner) and that host's consent."""

    def __init__(self, owner=None, refusal=None, check_mode=False):
        self.owner, self.refusal, self.check_mode = owner, refusal, check_mode
        self.warnings = []

    def warn(self, message):
        self.warnings.append(message)

    def consent_refusal(self):
        return self.refusal

    def pve_version(self):
        return "8.2.4"


def params(spec, **options):
    validation = ArgumentSpecValidator(spec).validate(options)
    assert not validation.error_messages
    return validation.validated_parameters


# --- where events are kept ---------------------------------------------------------------

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
    assert not spool.append(dict(first, body=create_body(first["random_id"], "other")))  # any create of the attempt
    with open(events_file(tmp_path / "spool"), encoding="utf-8") as handle:
        assert [json.loads(line) for line in handle] == [first, second]
    assert spool.pending() == [first, second]
    assert spool.has_waiting(EVENT_CREATE, CLIENT, first["random_id"])
    assert not spool.has_waiting(EVENT_CREATE, OTHER_BACKEND, first["random_id"])
    assert not spool.has_waiting(EVENT_CREATE, CLIENT, second["random_id"])


def test_each_host_has_its_queue_and_a_create_waits_for_its_host_or_for_none(tmp_path):
    spool = Spool(str(tmp_path))
    mine, ownerless = event(owner="pve-1"), event()
    spool.append(mine)
    spool.append(ownerless)
    spool.append(dict(mine, owner="pve-2"))  # another host's event of the same attempt is its own
    assert os.path.getsize(events_file(tmp_path, "pve-1")) > 0
    assert os.path.getsize(events_file(tmp_path, "pve-2")) > 0
    assert spool.has_waiting(EVENT_CREATE, CLIENT, mine["random_id"], "pve-1")
    assert spool.has_waiting(EVENT_CREATE, CLIENT, ownerless["random_id"], "pve-1")  # kept without a host
    assert not spool.has_waiting(EVENT_CREATE, CLIENT, mine["random_id"], "pve-3")
    assert not spool.has_waiting(EVENT_CREATE, CLIENT, mine["random_id"])  # the module on the host sees none of them
    assert len(spool.pending()) == 3


def _append_many(directory, writer, count):
    spool = Spool(directory)
    for index in range(count):
        random_id = str(uuid.uuid4())
        spool.append(make_event(EVENT_CREATE, CLIENT, random_id, create_body(random_id, f"w{writer}-{index}"),
                                owner=f"host-{writer % 3}" if writer % 2 else None))


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
    summary = Spool(directory).summary("host-1", CLIENT)  # the counts in the headers agree with the lines
    assert summary["selected"] == 25 * len([w for w in range(12) if w % 2 == 0 or w % 3 == 1])
    assert summary["other_hosts"] == 25 * len([w for w in range(12) if w % 2 and w % 3 != 1])


def test_processes_appending_while_flushes_run_lose_and_repeat_nothing(tmp_path):
    directory = str(tmp_path / "spool")
    context = multiprocessing.get_context("fork")
    delivered = context.Queue()

    def flush_until_done():
        spool = Spool(directory)
        for dummy in range(400):
            spool.flush(CLIENT, lambda client, item: delivered.put(item["random_id"]))

    writers = [context.Process(target=_append_many, args=(directory, writer * 2, 25)) for writer in range(6)]
    flushes = [context.Process(target=flush_until_done) for dummy in range(2)]
    for process in writers + flushes:
        process.start()
    for process in writers:
        process.join(60)
        assert process.exitcode == 0
    for process in flushes:
        process.join(120)
        assert process.exitcode == 0
    Spool(directory).flush(CLIENT, lambda client, item: delivered.put(item["random_id"]))
    ids = [delivered.get(timeout=10) for dummy in range(6 * 25)]
    assert delivered.empty()
    assert len(set(ids)) == 6 * 25
    assert Spool(directory).pending() == []


# --- flushing -------------------------------------------------------------------------------

def test_flush_delivers_in_order_stops_at_the_first_failure_and_the_next_resumes_there(tmp_path):
    spool = Spool(str(tmp_path))
    events = [event() for dummy in range(5)]
    for item in events:
        spool.append(item)
    delivered = []

    def deliver(client, item):
        if len(delivered) == 3:
            raise TelemetryError("no time left of the 12 s budget")
        delivered.append(item["random_id"])

    result = spool.flush(CLIENT, deliver)
    assert delivered == [item["random_id"] for item in events[:3]]
    assert (result["delivered"], result["dropped"]) == (3, 0)
    assert str(result["error"]) == "no time left of the 12 s budget"
    assert spool.pending() == events[3:]
    assert spool.summary(None, CLIENT)["selected"] == 2

    again = spool.flush(CLIENT, lambda client, item: delivered.append(item["random_id"]))
    assert again["delivered"] == 2
    assert delivered == [item["random_id"] for item in events]  # none twice, none overtaken
    assert os.path.getsize(events_file(tmp_path)) == 0  # all delivered: the queue is emptied


def _flush_and_die(directory, record):
    count = []

    def deliver(client, item):
        with open(record, "a", encoding="utf-8") as handle:
            handle.write(item["random_id"] + "\n")
        count.append(1)
        if len(count) == 5:
            os.kill(os.getpid(), signal.SIGKILL)  # killed in the middle of a delivery

    Spool(directory).flush(CLIENT, deliver)


def test_a_killed_flush_is_resumed_by_the_next_repeating_at_most_the_event_it_was_delivering(tmp_path):
    directory, record = str(tmp_path / "spool"), str(tmp_path / "delivered")
    events = [event() for dummy in range(12)]
    for item in events:
        Spool(directory).append(item)
    process = multiprocessing.get_context("fork").Process(target=_flush_and_die, args=(directory, record))
    process.start()
    process.join(60)
    assert process.exitcode == -signal.SIGKILL
    result = Spool(directory).flush(CLIENT, lambda client, item: open(record, "a", encoding="utf-8").write(item["random_id"] + "\n"))
    with open(record, encoding="utf-8") as handle:
        ids = handle.read().split()
    assert result["delivered"] == 8  # the fifth again, then the rest
    assert ids == [item["random_id"] for item in events[:5]] + [item["random_id"] for item in events[4:]]


def test_a_flush_cuts_the_delivered_lines_off_and_still_resumes_right(tmp_path, monkeypatch):
    monkeypatch.setattr(_spool, "COMPACT_AFTER", 2000)
    spool = Spool(str(tmp_path))
    events = [event() for dummy in range(20)]
    for item in events:
        spool.append(item)
    size = os.path.getsize(events_file(tmp_path))
    delivered = []

    def deliver(client, item):
        if len(delivered) == 15:
            raise TelemetryError("backend down")
        delivered.append(item["random_id"])

    spool.flush(CLIENT, deliver)
    assert os.path.getsize(events_file(tmp_path)) < size / 3  # only the 5 undelivered lines are left
    assert spool.pending() == events[15:]
    spool.append(late := event())
    delivered.clear()
    assert spool.flush(CLIENT, lambda client, item: delivered.append(item["random_id"]))["delivered"] == 6
    assert delivered == [item["random_id"] for item in events[15:] + [late]]


def test_flush_keeps_other_backends_events_and_drops_what_can_never_be_delivered(tmp_path):
    spool = Spool(str(tmp_path))
    mine, theirs, orphan = event(), event(client=OTHER_BACKEND), event(EVENT_FINISH)
    for item in (mine, theirs, orphan):
        spool.append(item)
    with open(events_file(tmp_path), "a", encoding="utf-8") as handle:
        handle.write("not json\n")

    def deliver(client, item):
        if item["event"] == EVENT_FINISH:
            raise RecordNotFound("no record")

    result = spool.flush(CLIENT, deliver)
    assert (result["delivered"], result["dropped"], result["invalid"]) == (1, 2, 1)
    assert spool.pending() == [theirs]
    assert spool.summary(None, CLIENT)["elsewhere"] == {(OTHER_BACKEND.url, OTHER_BACKEND.collection): 1}


def test_a_flush_for_a_host_delivers_its_events_and_those_without_a_host_first_and_leaves_the_others(tmp_path):
    spool = Spool(str(tmp_path))
    older = event()  # kept by an older version, or by the module on the host itself
    random_id = str(uuid.uuid4())
    create, finish = event(random_id=random_id), event(EVENT_FINISH, random_id=random_id, owner="pve-1")
    theirs = event(owner="pve-2")
    for item in (finish, theirs, create, older):  # the finish was kept by its host, behind a create kept without one
        spool.append(item)
    delivered = []
    result = spool.flush(CLIENT, lambda client, item: delivered.append(item), owner="pve-1")
    assert delivered == [create, older, finish]
    assert result["delivered"] == 3
    assert spool.pending() == [theirs]
    summary = spool.summary("pve-1", CLIENT)
    assert (summary["selected"], summary["other_hosts"], summary["other_host_names"]) == (0, 1, {"pve-2"})


def test_events_appended_during_a_flush_are_kept(tmp_path):
    spool = Spool(str(tmp_path))
    spool.append(event())
    late = event()

    def deliver(client, item):
        Spool(str(tmp_path)).append(late)  # another fork writes while the flush delivers

    result = spool.flush(CLIENT, deliver)
    assert result["delivered"] == 1
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


def test_a_line_cut_short_and_a_line_too_long_are_dropped_and_the_events_around_them_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(_spool, "MAX_LINE", 4096)
    spool = Spool(str(tmp_path))
    first, second, third = event(), event(), event()
    spool.append(first)
    with open(events_file(tmp_path), "a", encoding="utf-8") as handle:
        handle.write('["' + "x" * 20000 + '"]\n')
        handle.write(json.dumps(event())[:40])  # a writer killed mid-line
    spool.append(second)
    spool.append(third)
    delivered = []
    result = spool.flush(CLIENT, lambda client, item: delivered.append(item))
    assert delivered == [first, second, third]
    assert result["invalid"] == 2


def test_a_damaged_header_costs_repeated_deliveries_never_lost_events(tmp_path):
    spool = Spool(str(tmp_path))
    events = [event() for dummy in range(3)]
    for item in events:
        spool.append(item)
    with open(events_file(tmp_path)[:-len(".events")] + ".state", "r+b") as handle:
        handle.write(b"garbage")
    delivered = []
    assert spool.flush(CLIENT, lambda client, item: delivered.append(item))["delivered"] == 3
    assert delivered == events


def test_events_an_older_version_kept_are_found_moved_and_delivered(tmp_path):
    random_id = str(uuid.uuid4())
    create, finish = event(random_id=random_id), event(EVENT_FINISH, random_id=random_id)
    theirs = event(client=OTHER_BACKEND)
    legacy = tmp_path / LEGACY_FILE
    legacy.write_text("".join(json.dumps(item) + "\n" for item in (create, theirs)) + "not json\n" + json.dumps(finish) + "\n")
    legacy.chmod(0o600)
    spool = Spool(str(tmp_path))
    assert spool.has_waiting(EVENT_CREATE, CLIENT, random_id, "pve-1")  # so a new finish waits behind it
    assert spool.summary("pve-1", CLIENT)["selected"] == 2
    delivered = []
    result = spool.flush(CLIENT, lambda client, item: delivered.append(item), owner="pve-1")
    assert delivered == [create, finish]
    assert (result["delivered"], result["invalid"]) == (2, 1)
    assert not legacy.exists()
    assert spool.pending() == [theirs]


# --- the cap ----------------------------------------------------------------------------------

def test_a_full_queue_takes_no_new_event_and_keeps_the_old_ones(tmp_path):
    spool = Spool(str(tmp_path), max_events=3)
    kept = [event(owner="pve-1") for dummy in range(3)]
    for item in kept:
        assert spool.append(item)
    assert not spool.append(kept[0])  # a duplicate is not refused as "full": it is waiting already
    with pytest.raises(SpoolFull) as caught:
        spool.append(event(owner="pve-1"))
    assert "spool_max_events=3" in str(caught.value) and "'pve-1'" in str(caught.value)
    assert spool.append(event(owner="pve-2"))  # another host's queue is not full
    assert spool.append(event(owner="pve-1", client=OTHER_BACKEND))  # nor the host's queue for another backend
    assert [item for item in spool.pending() if item.get("owner") == "pve-1" and item["url"] == CLIENT.url] == kept
    spool.flush(CLIENT, lambda client, item: None, owner="pve-1")
    assert spool.append(event(owner="pve-1"))  # a flush made room


@pytest.mark.parametrize("value", [0, -1, True, "10"])
def test_the_cap_must_be_a_whole_number_of_at_least_one(tmp_path, value):
    with pytest.raises(TelemetryValueError) as caught:
        Spool(str(tmp_path), max_events=value)
    assert caught.value.option == "spool_max_events"


def test_a_report_that_finds_the_spool_full_says_the_event_is_lost(tmp_path):
    options = dict(url=DOWN, retries=0, timeout=1, diagnostics="yes", spool_dir=str(tmp_path), spool_max_events=1)
    ctx = Context(owner="pve-1")
    first = run_report(params(report_argument_spec(), random_id=str(uuid.uuid4()), nsapp="debian", **options), ctx)
    assert first["spooled"] and first["changed"] and "spool_full" not in first
    second = run_report(params(report_argument_spec(), random_id=str(uuid.uuid4()), nsapp="debian", **options), ctx)
    assert second["spool_full"] is True and second["spooled"] is False and second["changed"] is False
    assert "spool_max_events=1" in second["msg"] and "lost" in second["msg"]
    assert "spool_max_events=1" in ctx.warnings[-1]
    assert len(Spool(str(tmp_path)).pending()) == 1


# --- the tasks: owners and consent at flush time ----------------------------------------------

def test_a_task_keeps_its_events_as_its_hosts_and_a_finish_waits_behind_its_create(tmp_path):
    options = dict(url=DOWN, retries=0, timeout=1, diagnostics="yes", spool_dir=str(tmp_path))
    random_id = str(uuid.uuid4())
    ctx = Context(owner="pve-1")
    report = run_report(params(report_argument_spec(), random_id=random_id, nsapp="debian", **options), ctx)
    update = run_update(params(update_argument_spec(), random_id=random_id, status="failed", exit_code=214, **options), ctx)
    assert report["spooled"] and update["spooled"]
    assert "still in the spool" in update["msg"]
    kept = Spool(str(tmp_path)).pending()
    assert [(item["event"], item["owner"]) for item in kept] == [(EVENT_CREATE, "pve-1"), (EVENT_FINISH, "pve-1")]

    other = run_flush(params(flush_argument_spec(), url=DOWN, diagnostics="yes", spool_dir=str(tmp_path)),
                      Context(owner="pve-2", check_mode=True))
    assert (other["delivered"], other["remaining"], other["other_hosts"]) == (0, 0, 2)
    assert other["changed"] is False
    assert "2 events of 1 other hosts ('pve-1')" in other["msg"] and "a flush for those hosts delivers them" in other["msg"]


def _spool_for_two_hosts(directory):
    spool = Spool(str(directory))
    mine = [event(owner="pve-1"), event(owner="pve-1"), event()]
    theirs = event(owner="pve-2")
    for item in mine + [theirs]:
        spool.append(item)
    return spool, mine, theirs


def test_a_host_that_no_longer_consents_has_its_events_dropped_unsent_and_counted(tmp_path):
    spool, dummy, theirs = _spool_for_two_hosts(tmp_path)
    flush = params(flush_argument_spec(), url=CLIENT.url, spool_dir=str(tmp_path))
    refusal = "/usr/local/community-scripts/diagnostics does not say DIAGNOSTICS=yes: the operator did not opt in"

    checked = run_flush(flush, Context(owner="pve-1", refusal=refusal, check_mode=True))
    assert (checked["changed"], checked["dropped_no_consent"], checked["delivered"]) == (True, 3, 0)
    assert len(spool.pending()) == 4  # check mode only counts

    ctx = Context(owner="pve-1", refusal=refusal)
    result = run_flush(flush, ctx)  # the backend (CLIENT) is not even listening: nothing is sent
    assert (result["changed"], result["dropped_no_consent"], result["delivered"], result["remaining"]) == (True, 3, 0, 0)
    assert result["other_hosts"] == 1
    assert "nothing sent" in result["msg"] and "3 events of this host dropped unsent" in result["msg"]
    assert refusal in ctx.warnings[0] and "dropped unsent" in ctx.warnings[0]
    assert spool.pending() == [theirs]

    again = run_flush(flush, Context(owner="pve-1", refusal=refusal))
    assert again["skipped"] and again["skip_reason"] == refusal and again["dropped_no_consent"] == 0


def test_a_consenting_host_without_events_of_its_own_leaves_the_others_events(tmp_path):
    spool, mine, theirs = _spool_for_two_hosts(tmp_path)
    result = run_flush(params(flush_argument_spec(), url=CLIENT.url, spool_dir=str(tmp_path)), Context(owner="pve-3", check_mode=True))
    assert (result["delivered"], result["other_hosts"]) == (1, 3)  # only the event without a host
    assert "'pve-1', 'pve-2'" in result["msg"]


# --- the directory it refuses ---------------------------------------------------------------

def test_a_missing_spool_dir_is_created_private(tmp_path):
    directory = tmp_path / "deep" / "spool"
    Spool(str(directory)).append(event())
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE((directory / "waiting").stat().st_mode) == 0o700
    for name in os.listdir(directory):
        if name != "waiting":
            assert stat.S_IMODE((directory / name).stat().st_mode) == 0o600, name


@pytest.mark.parametrize("mode, who", [(0o777, "other users"), (0o1777, "other users"), (0o770, "its group"), (0o775, "its group")])
def test_a_spool_dir_others_can_write_is_refused_naming_spool_dir(tmp_path, mode, who):
    directory = tmp_path / "spool"
    directory.mkdir()
    directory.chmod(mode)
    with pytest.raises(TelemetryValueError) as caught:
        Spool(str(directory))
    assert caught.value.option == "spool_dir"
    assert f"can be written by {who}" in str(caught.value) and "chmod go-w" in str(caught.value)


def test_a_private_marks_dir_is_required_too(tmp_path):
    spool = Spool(str(tmp_path / "spool"))
    spool.append(event())
    (tmp_path / "spool" / "waiting").chmod(0o777)
    with pytest.raises(TelemetryValueError) as caught:
        spool.append(event())
    assert caught.value.option == "spool_dir"


def test_a_spool_dir_that_only_its_owner_can_write_is_accepted(tmp_path):
    directory = tmp_path / "spool"
    directory.mkdir()
    directory.chmod(0o755)
    assert Spool(str(directory)).append(event())


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="only root can make a file that belongs to another user")


@needs_root
def test_a_spool_dir_of_another_user_is_refused(tmp_path):
    directory = tmp_path / "spool"
    directory.mkdir(mode=0o700)
    os.chown(directory, 65534, 65534)
    with pytest.raises(TelemetryValueError) as caught:
        Spool(str(directory))
    assert caught.value.option == "spool_dir" and "belongs to uid 65534" in str(caught.value)


@needs_root
@pytest.mark.parametrize("suffix", [".events", ".state"])
def test_a_spool_file_of_another_user_is_refused_not_an_errno(tmp_path, suffix):
    spool = Spool(str(tmp_path / "spool"))
    spool.append(event())
    path = events_file(tmp_path / "spool")[:-len(".events")] + suffix
    os.chown(path, 65534, 65534)  # planted by another user (or left by a task run as another one)
    with pytest.raises(TelemetryValueError) as caught:
        spool.append(event())
    assert caught.value.option == "spool_dir"
    assert "belongs to uid 65534" in str(caught.value) and "Errno" not in str(caught.value)
    assert os.stat(path).st_uid == 65534


def test_a_spool_dir_others_can_write_fails_the_task_as_bad_input(tmp_path):
    directory = tmp_path / "spool"
    directory.mkdir()
    directory.chmod(0o777)
    result = run_report(params(report_argument_spec(), random_id=str(uuid.uuid4()), nsapp="debian", url=DOWN, retries=0,
                               timeout=1, diagnostics="yes", spool_dir=str(directory)), Context(owner="pve-1"))
    assert result["failed"] and result["option"] == "spool_dir" and result["error_kind"] == "bad_input"


# --- the spool refuses symlinks and directories that are not its own -------------------------

def create_event(random_id=None):
    random_id = random_id or str(uuid.uuid4())
    return make_event(EVENT_CREATE, CLIENT, random_id, build_create_body(dict(random_id=random_id, type="lxc", nsapp="debian"), "8.2.4"))


def finish_event(random_id=None, **extra):
    return make_event(EVENT_FINISH, CLIENT, random_id or str(uuid.uuid4()), build_finish_body("failed", 214),
                      **dict(dict(record_id=None, force=False), **extra))


QUEUE = queue_name(None, CLIENT.url, CLIENT.collection)


@pytest.mark.parametrize("name", [QUEUE + ".events", QUEUE + ".state", "events.jsonl"])
def test_a_symlinked_spool_file_is_refused_and_its_target_untouched(tmp_path, name):
    spool_dir, victim = tmp_path / "spool", tmp_path / "victim"
    spool_dir.mkdir(mode=0o700)
    victim.write_text("precious\n")
    victim.chmod(0o644)
    (spool_dir / name).symlink_to(victim)
    with pytest.raises(TelemetryValueError) as caught:
        spool = Spool(str(spool_dir))
        spool.append(create_event())
        spool.flush(CLIENT, lambda client, event: None)  # the older versions' file is read by a flush
    assert caught.value.option == "spool_dir"
    assert "symlink" in str(caught.value)
    assert victim.read_text() == "precious\n"
    assert (victim.stat().st_mode & 0o777) == 0o644


def test_a_symlinked_flush_lock_is_refused_and_its_target_never_created(tmp_path):
    spool_dir, target = tmp_path / "spool", tmp_path / "created-by-the-flush"
    spool = Spool(str(spool_dir))
    spool.append(create_event())
    (spool_dir / (QUEUE + ".flush")).symlink_to(target)
    with pytest.raises(TelemetryValueError):
        spool.flush(CLIENT, lambda client, event: None)
    assert not target.exists()


@pytest.mark.parametrize("make", ["symlink", "file"])
def test_a_spool_dir_that_is_not_a_directory_is_refused(tmp_path, make):
    path = tmp_path / "spool"
    if make == "symlink":
        (tmp_path / "elsewhere").mkdir()
        path.symlink_to(tmp_path / "elsewhere")
    else:
        path.write_text("")
    with pytest.raises(TelemetryValueError) as caught:
        Spool(str(path))
    assert caught.value.option == "spool_dir"


def test_an_empty_spool_dir_is_refused():
    with pytest.raises(TelemetryValueError) as caught:
        Spool("")
    assert caught.value.option == "spool_dir"


# --- one bad line does not stop the spool ----------------------------------------------------

BAD_LINES = [
    "not json",
    json.dumps({"event": "create", "url": CLIENT.url, "collection": CLIENT.collection, "random_id": UUID}),  # no body
    json.dumps(dict(create_event(UUID), body="a string")),
    json.dumps(dict(finish_event(), random_id="not-a-uuid")),
    json.dumps(dict(finish_event(), random_id=UUID + "\n")),
    json.dumps(dict(finish_event(), record_id="../../../../admin/anything")),
    json.dumps(dict(finish_event(), record_id="abc\n")),
    json.dumps(dict(finish_event(), body={"status": "sucess", "exit_code": -3, "error": ""})),
    json.dumps(dict(create_event(UUID), body=dict(create_event(UUID)["body"], ct_type=2))),
    "[" * 200000,
]


@pytest.mark.parametrize("line", BAD_LINES, ids=range(len(BAD_LINES)))
def test_each_bad_line_is_not_an_event(line):
    assert parse_event(line) is None


def test_bad_lines_are_dropped_counted_and_the_events_after_them_delivered(tmp_path):
    spool = Spool(str(tmp_path / "spool"))
    before, after = create_event(), create_event()
    spool.append(before)
    with open(os.path.join(spool.path, QUEUE + ".events"), "a", encoding="utf-8") as handle:
        handle.write("\n".join(BAD_LINES) + "\n")
    spool.append(after)
    delivered = []
    result = spool.flush(CLIENT, lambda client, event: delivered.append(event["random_id"]))
    assert delivered == [before["random_id"], after["random_id"]]
    assert (result["delivered"], result["invalid"], spool.pending()) == (2, len(BAD_LINES), [])


def test_events_kept_for_a_wrong_url_can_be_sent_to_the_right_one(tmp_path):
    wrong = TelemetryClient("http://127.0.0.1:1", "_dev_telemetry_data")
    spool = Spool(str(tmp_path / "spool"))
    kept = make_event(EVENT_CREATE, wrong, UUID, build_create_body(dict(random_id=UUID, type="lxc", nsapp="x"), "8"))
    spool.append(kept)
    delivered = []
    assert spool.flush(CLIENT, lambda client, event: delivered.append(event))["delivered"] == 0
    assert spool.pending() == [kept]
    assert spool.flush(CLIENT, lambda client, event: delivered.append(event), kept_for=wrong.url)["delivered"] == 1
    assert spool.pending() == []
    assert delivered == [kept]
