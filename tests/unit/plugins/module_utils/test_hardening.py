# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Inputs an attacker or a careless user gives: the spool, the checks and the consent file hold (issue 11)."""

from __future__ import annotations

import json
import os
import signal
import uuid

import pytest

from ansible_collections.community_scripts.telemetry.plugins.module_utils._checks import (
    check_collection,
    check_random_id,
    check_record_id,
    check_timeout,
    check_url,
    redact_url,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._client import TelemetryClient
from ansible_collections.community_scripts.telemetry.plugins.module_utils._consent import consent_refusal
from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import TelemetryValueError
from ansible_collections.community_scripts.telemetry.plugins.module_utils._payloads import build_create_body, build_finish_body
from ansible_collections.community_scripts.telemetry.plugins.module_utils._lifecycle import EVENT_CREATE, EVENT_FINISH
from ansible_collections.community_scripts.telemetry.plugins.module_utils._spool import (
    Spool,
    make_event,
    parse_event,
    queue_name,
)

CLIENT = TelemetryClient("http://127.0.0.1:8090", "_dev_telemetry_data")
UUID = "3f0c0d9e-5c8a-4c1e-9d5b-2b7f4f0a1c2d"


def create(random_id=None):
    random_id = random_id or str(uuid.uuid4())
    return make_event(EVENT_CREATE, CLIENT, random_id, build_create_body(dict(random_id=random_id, type="lxc", nsapp="debian"), "8.2.4"))


def finish(random_id=None, **extra):
    return make_event(EVENT_FINISH, CLIENT, random_id or str(uuid.uuid4()), build_finish_body("failed", 214),
                      **dict(dict(record_id=None, force=False), **extra))


# --- the spool refuses symlinks and directories that are not its own ----------------------

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
        spool.append(create())
        spool.flush(CLIENT, lambda client, event: None)  # the older versions' file is read by a flush
    assert caught.value.option == "spool_dir"
    assert "symlink" in str(caught.value)
    assert victim.read_text() == "precious\n"
    assert (victim.stat().st_mode & 0o777) == 0o644


def test_a_symlinked_flush_lock_is_refused_and_its_target_never_created(tmp_path):
    spool_dir, target = tmp_path / "spool", tmp_path / "created-by-the-flush"
    spool = Spool(str(spool_dir))
    spool.append(create())
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


# --- one bad line does not stop the spool ------------------------------------------------------

BAD_LINES = [
    "not json",
    json.dumps({"event": "create", "url": CLIENT.url, "collection": CLIENT.collection, "random_id": UUID}),  # no body
    json.dumps(dict(create(UUID), body="a string")),
    json.dumps(dict(finish(), random_id="not-a-uuid")),
    json.dumps(dict(finish(), random_id=UUID + "\n")),
    json.dumps(dict(finish(), record_id="../../../../admin/anything")),
    json.dumps(dict(finish(), record_id="abc\n")),
    json.dumps(dict(finish(), body={"status": "sucess", "exit_code": -3, "error": ""})),
    json.dumps(dict(create(UUID), body=dict(create(UUID)["body"], ct_type=2))),
    "[" * 200000,
]


@pytest.mark.parametrize("line", BAD_LINES, ids=range(len(BAD_LINES)))
def test_each_bad_line_is_not_an_event(line):
    assert parse_event(line) is None


def test_bad_lines_are_dropped_counted_and_the_events_after_them_delivered(tmp_path):
    spool = Spool(str(tmp_path / "spool"))
    before, after = create(), create()
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


# --- checks anchor at the real end, and error messages stay short ------------------------------

def test_a_trailing_newline_is_not_a_uuid_nor_a_record_id():
    with pytest.raises(TelemetryValueError):
        check_random_id(UUID + "\n")
    with pytest.raises(TelemetryValueError):
        check_record_id("abc123\n")


def test_a_huge_value_is_not_repeated_in_the_error():
    with pytest.raises(TelemetryValueError) as caught:
        check_random_id("x" * 1_000_000)
    assert len(str(caught.value)) < 300 and "1000000 characters" in str(caught.value)


def test_the_client_checks_the_record_id_before_it_reaches_the_path():
    with pytest.raises(TelemetryValueError) as caught:
        CLIENT.patch("../../../../admin/anything", UUID, {})
    assert caught.value.option == "record_id"


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


# --- the consent file --------------------------------------------------------------------------

def test_a_consent_fifo_is_refused_at_once(tmp_path):
    fifo = tmp_path / "diagnostics"
    os.mkfifo(fifo)

    def hung(signum, frame):
        raise AssertionError("reading a FIFO as the consent file hangs")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(5)  # without the fix the open() blocks for ever: fail instead of hanging the test run
    try:
        with pytest.raises(TelemetryValueError) as caught:
            consent_refusal("auto", str(fifo))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert caught.value.option == "diagnostics_file"
