# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The two steps of an attempt's record, each idempotent by random_id:
create it (``ensure_created``) and finish it (``ensure_finished``).
PRIVATE to this collection. The report, update and flush modules all go
through here, so a spooled event is delivered exactly as a live one.

The two steps are also the two kinds of event the spool keeps (EVENT_CREATE,
EVENT_FINISH): what each carries (``check_event``), when two are the same
delivery (``event_identity``) and how each is delivered (``deliver_event``)
are written here, once; the spool only stores them.
"""

from __future__ import annotations

from ansible_collections.community_scripts.telemetry.plugins.module_utils._checks import check_random_id, check_record_id
from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import RecordNotFound, TelemetryError
from ansible_collections.community_scripts.telemetry.plugins.module_utils._payloads import (
    check_create_body,
    check_finish_body,
    error_detail_tail,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._records import (
    FINAL_STATUSES,
    FINISH_FIELDS,
    STATUS_UNKNOWN,
)

EVENT_CREATE = "create"
EVENT_FINISH = "finish"


def is_already_final(current_status: str, wanted_status: str) -> bool:
    """True when a record's status must not be overwritten without force.

    ``sucess`` and ``failed`` are final. ``unknown`` is final too, except that
    a real final status may supersede it.
    """
    if current_status in FINAL_STATUSES:
        return True
    return current_status == STATUS_UNKNOWN and wanted_status not in FINAL_STATUSES


def ensure_created(client, payload: dict, check_mode: bool = False) -> tuple[str | None, bool]:
    """Make sure the attempt's record exists. Returns (record_id, changed); record_id is None in check mode."""
    random_id = payload["random_id"]
    existing = client.find(random_id)
    if existing:
        return existing["id"], False
    if check_mode:
        return None, True
    try:
        return client.create(payload)["id"], True
    except TelemetryError as error:
        # A concurrent run created it first (the unique random_id refuses a second one), or the backend
        # wrote it and then failed to answer: either way the record may be there now.
        created_elsewhere = error.is_not_unique("random_id")
        if error.status in (400, 403) and not created_elsewhere:
            raise
        written = _find_if_time_left(client, random_id)
        if not written:
            raise
        return written["id"], not created_elsewhere


def ensure_finished(client, random_id: str, record_id: str | None, wanted: dict, force: bool = False,
                    check_mode: bool = False) -> dict:
    """Give the attempt's record the final ``wanted`` status, exit code and error, once.

    Returns ``record_id``, ``changed``, ``before`` (the record's finish fields) and ``after`` (what it
    carries now, or would carry in check mode). A record that is already final is left alone unless
    ``force``. Raises RecordNotFound when the attempt has no record.
    """
    record = _find_record(client, random_id, record_id)
    before = {field: record.get(field) for field in FINISH_FIELDS}
    outcome = dict(record_id=record["id"], before=before, after=before, changed=False)
    if before == wanted or (is_already_final(before["status"], wanted["status"]) and not force):
        return outcome
    outcome.update(after=wanted, changed=True)
    if not check_mode:
        _patch(client, random_id, record["id"], wanted)
    return outcome


def check_event(event: dict) -> None:
    """Raise ValueError unless ``event`` carries a step the report or update module could have kept: its kind,
    a UUID random_id, the body that module sends for it, and for a finish a record id and force flag it accepts."""
    kind = event.get("event")
    random_id = check_random_id(event["random_id"])
    if kind == EVENT_CREATE:
        if check_create_body(event["body"])["random_id"] != random_id:
            raise ValueError("not this attempt's create body")
    elif kind == EVENT_FINISH:
        check_finish_body(event["body"])
        if event.get("record_id") is not None:
            check_record_id(event["record_id"])
        if not isinstance(event.get("force", False), bool):
            raise ValueError("force is not a boolean")
    else:
        raise ValueError("not an event")


def event_identity(event: dict) -> list:
    """What makes two events of one attempt the same delivery. Any create of an attempt is the same as another
    (the first one makes the record, the next ones find it); a finish only with the same body, id and force."""
    if event["event"] == EVENT_CREATE:
        return [EVENT_CREATE, event["random_id"]]
    return [event["event"], event["random_id"], event["body"], event.get("record_id"), bool(event.get("force", False))]


def deliver_event(client, event: dict) -> None:
    """Deliver one spooled event as the module that spooled it would have."""
    if event["event"] == EVENT_CREATE:
        ensure_created(client, event["body"])
        return
    body = event["body"]
    if body.get("error_detail"):
        # Scrubbed again: a line kept by an older version has only its addresses masked (scrubbing is idempotent).
        body = dict(body, error_detail=error_detail_tail(body["error_detail"]))
    ensure_finished(client, event["random_id"], event.get("record_id"), body, event.get("force", False))


def _find_record(client, random_id: str, record_id: str | None) -> dict:
    """The attempt's record: by id when given and it is this attempt's, else by random_id."""
    if record_id:
        record = client.get(record_id, random_id)
        if record and record.get("random_id") == random_id:
            return record
    record = client.find(random_id)
    if record is None:
        raise RecordNotFound(f"no record with random_id {random_id} in {client.records_url}: nothing to finish")
    return record


def _patch(client, random_id: str, record_id: str, body: dict) -> None:
    try:
        client.patch(record_id, random_id, body)
    except TelemetryError as error:
        if error.status != 404:
            raise
        # The id is unknown to the backend, or its rules hide the record from this caller: look it up once.
        record = client.find(random_id)
        if record is None:
            raise RecordNotFound(f"no record with random_id {random_id} in {client.records_url}: nothing to finish") from None
        client.patch(record["id"], random_id, body)


def _find_if_time_left(client, random_id: str) -> dict | None:
    if client.remaining() <= 0:
        return None
    try:
        return client.find(random_id)
    except TelemetryError:
        return None
