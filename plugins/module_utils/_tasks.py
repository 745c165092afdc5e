# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What each telemetry task does, wherever it runs. PRIVATE to this collection.

A task runs as a module on the managed host (O(delivery=host)) or as an action
plugin on the controller (O(delivery=controller)). Both call the same function
here with their validated options and a ``TaskContext``, which says how to
warn, whether this is check mode, and how to read what belongs to the host
(the consent file, ``pveversion``). So the wire, the spool and every result
are the same in both deliveries. Each function returns the task's result; a
result with ``failed`` ends the task as failed.
"""

from __future__ import annotations

from ansible_collections.community_scripts.telemetry.plugins.module_utils._checks import check_random_id, check_record_id
from ansible_collections.community_scripts.telemetry.plugins.module_utils._client import TelemetryClient
from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import (
    RecordNotFound,
    TelemetryError,
    TelemetryValueError,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._fleet_query import (
    Aggregator,
    aggregate,
    build_filter,
    check_time,
    finish,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._lifecycle import (
    deliver_event,
    ensure_created,
    ensure_finished,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._payloads import (
    build_create_body,
    build_finish_body,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._records import AGGREGATE_FIELDS, QUERY_FIELDS
from ansible_collections.community_scripts.telemetry.plugins.module_utils._spool import (
    EVENT_CREATE,
    EVENT_FINISH,
    Spool,
    make_event,
)


class TaskContext:
    """Where a task runs. The module and the action plugin each provide one."""

    check_mode = False
    diff = False

    def warn(self, message: str) -> None:
        raise NotImplementedError

    def consent_refusal(self) -> str | None:
        """None when the operator opted in, else why not. Raises TelemetryValueError when that cannot be read."""
        raise NotImplementedError

    def pve_version(self) -> str:
        """The host's Proxmox VE version, ``not found`` off a Proxmox VE host."""
        raise NotImplementedError


def bad_input(error: TelemetryValueError, result: dict | None = None) -> dict:
    """Bad input always fails the task, naming the option."""
    return dict(result or {}, failed=True, msg=str(error), option=error.option)


def delivery_problem(ctx: TaskContext, params: dict, error: TelemetryError, result: dict,
                     spool: Spool | None = None, event: dict | None = None) -> dict:
    """Keep the event in the spool when there is one, then warn, or fail with O(fail_on_error=true)."""
    result["msg"] = str(error)
    if spool and event and not ctx.check_mode:
        result["spooled"] = True
        result["changed"] = spool.append(event)
        result["msg"] = f"{error}; kept in the spool {spool.path}"
    if params["fail_on_error"]:
        return dict(result, failed=True, http_status=error.status, field_errors=error.field_errors)
    ctx.warn(f"Telemetry not delivered: {result['msg']}")
    return result


def _client(params: dict) -> TelemetryClient:
    """The client of this task; its time budget starts now."""
    return TelemetryClient(url=params["url"], collection=params["collection"], timeout=params["timeout"],
                           retries=params["retries"], validate_certs=params["validate_certs"],
                           ca_path=params["ca_path"], token=params.get("token"))


def _spool(params: dict) -> Spool | None:
    return Spool(params["spool_dir"]) if params.get("spool_dir") else None


def _without_consent(ctx: TaskContext, result: dict) -> dict | None:
    """The result of a task that sends nothing because the operator did not opt in; None when they did."""
    refusal = ctx.consent_refusal()
    if not refusal:
        return None
    return dict(result, skip_reason=refusal, msg=f"nothing sent: {refusal}")


def run_report(params: dict, ctx: TaskContext) -> dict:
    """pve_telemetry_report: create the attempt's record, once."""
    result = dict(changed=False, reported=False, spooled=False, random_id=params["random_id"])
    try:
        client, spool = _client(params), _spool(params)
        result["payload"] = payload = build_create_body(params, params["pve_version"] or ctx.pve_version())
        refused = _without_consent(ctx, result)
    except TelemetryValueError as error:
        return bad_input(error, result)
    if refused:
        return refused

    try:
        record_id, changed = ensure_created(client, payload, ctx.check_mode)
    except TelemetryError as error:
        return delivery_problem(ctx, params, error, result, spool, make_event(EVENT_CREATE, client, payload["random_id"], payload))
    if record_id:
        result.update(record_id=record_id, reported=True)
    if not changed:
        result["msg"] = "record exists already"
    else:
        result.update(changed=True, msg="record would be created" if ctx.check_mode else "record created")
    return result


def run_update(params: dict, ctx: TaskContext) -> dict:
    """pve_telemetry_update: give the attempt's record its final status, once."""
    result = dict(changed=False, reported=False, spooled=False, random_id=params["random_id"])
    try:
        wanted = build_finish_body(params["status"], params["exit_code"], params.get("install_duration"), params.get("error_detail"))
        result.update(wanted)
        client, spool = _client(params), _spool(params)
        check_random_id(params["random_id"])
        if params["record_id"]:
            check_record_id(params["record_id"])
        refused = _without_consent(ctx, result)
    except TelemetryValueError as error:
        return bad_input(error, result)
    if refused:
        return refused

    event = make_event(EVENT_FINISH, client, params["random_id"], wanted, record_id=params["record_id"], force=params["force"])
    if spool and spool.has_waiting(EVENT_CREATE, client, params["random_id"]):
        # The record is not created yet: the finish waits behind its create, so a flush keeps their order.
        return delivery_problem(ctx, params, TelemetryError("the create of this attempt is still in the spool"), result, spool, event)
    try:
        outcome = ensure_finished(client, params["random_id"], params["record_id"], wanted, params["force"], ctx.check_mode)
    except RecordNotFound as error:
        return delivery_problem(ctx, params, error, result)  # nothing to spool: no delivery can find the record later
    except TelemetryError as error:
        return delivery_problem(ctx, params, error, result, spool, event)

    result.update(outcome["after"], record_id=outcome["record_id"], changed=outcome["changed"])
    result["reported"] = not (outcome["changed"] and ctx.check_mode)
    if ctx.diff and outcome["changed"]:
        result["diff"] = dict(before=outcome["before"], after=outcome["after"])
    if not outcome["changed"]:
        result["msg"] = "record already finished"
    else:
        result["msg"] = "record would be finished" if ctx.check_mode else "record finished"
    return result


def run_flush(params: dict, ctx: TaskContext) -> dict:
    """pve_telemetry_flush: deliver the spool's waiting events for this backend, oldest first."""
    try:
        client, spool = _client(params), _spool(params)
        pending = spool.pending()
        result = dict(changed=False, delivered=0, dropped=0, remaining=len(pending))
        refused = _without_consent(ctx, result)
    except TelemetryValueError as error:
        return bad_input(error)
    if refused:
        return refused
    waiting = [event for event in pending if spool.is_for(event, client)]
    if ctx.check_mode:
        return dict(result, changed=bool(waiting), delivered=len(waiting), msg=f"{len(waiting)} events would be delivered")

    outcome = spool.flush(client, deliver_event)
    error = outcome.pop("error")
    result.update(outcome, changed=outcome["delivered"] + outcome["dropped"] > 0,
                  msg=f"{outcome['delivered']} events delivered, {outcome['remaining']} remaining")
    if error:
        return delivery_problem(ctx, params, error, result)
    return result


def run_info(params: dict, ctx: TaskContext) -> dict:
    """pve_telemetry_info: the records that answer a fleet question, and their aggregates.

    The aggregates come from the server's route where the backend has it (``source: server``); elsewhere
    from the records themselves, read page by page and counted as they stream (``source: records``).
    Either way only the first ``limit`` records are kept.
    """
    limit, top = max(params["limit"], 0), max(params["top"], 0)
    result = dict(changed=False, count=0, records=[], aggregates=aggregate([]), source=None)
    query = dict(app=params["app"], status=params["status"], type=params["type"], since=params["since"], before=params["before"])
    try:
        client = _client(params)
        result["filter"] = build_filter(query["app"], query["status"], query["type"], query["since"], query["before"])
        query.update(since=check_time(query["since"], "since"), before=check_time(query["before"], "before"))
    except TelemetryValueError as error:
        return bad_input(error, result)
    try:
        parts = client.aggregates(query)
        records = []
        if parts is not None:
            source = "server"
            if limit:
                for record in client.iter_records(result["filter"], QUERY_FIELDS):
                    records.append(record)
                    if len(records) >= limit:
                        break
        else:
            source = "records"
            aggregator, last = Aggregator(), None
            if limit:  # the records to return, whole
                for record in client.iter_records(result["filter"], QUERY_FIELDS):
                    aggregator.add(record)
                    records.append(record)
                    last = record
                    if len(records) >= limit:
                        break
            if last is None or len(records) >= limit:  # the rest, only what counting needs
                for record in client.iter_records(result["filter"], AGGREGATE_FIELDS, after=last):
                    aggregator.add(record)
            parts = aggregator.parts()
    except TelemetryError as error:
        return delivery_problem(ctx, params, error, result)
    return dict(result, count=parts["total"], records=records, aggregates=finish(parts, top), source=source)


def run_consent(params: dict, ctx: TaskContext) -> dict:
    """pve_telemetry_consent: whether the operator opted in; sends nothing."""
    try:
        refusal = ctx.consent_refusal()
    except TelemetryValueError as error:
        return bad_input(error, dict(changed=False))
    if refusal:
        return dict(changed=False, consent=False, reason=refusal)
    return dict(changed=False, consent=True)
