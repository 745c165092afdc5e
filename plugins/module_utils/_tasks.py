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

from collections import Counter

from ansible_collections.community_scripts.telemetry.plugins.module_utils._argspec import ON_FAILURE_FAIL
from ansible_collections.community_scripts.telemetry.plugins.module_utils._checks import check_random_id, check_record_id, shown
from ansible_collections.community_scripts.telemetry.plugins.module_utils._client import TelemetryClient, check_url
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
    FAILURE_WORDS,
    SUCCESS_WORDS,
    build_create_body,
    build_finish_body,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._records import AGGREGATE_FIELDS, QUERY_FIELDS, RECORD_KEYS, STATUS_UNKNOWN
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
    """Bad input always fails the task, naming the option; the bad value is not echoed back whole."""
    result = {key: value for key, value in (result or {}).items() if key != error.option}
    return dict(result, failed=True, msg=str(error), option=error.option, error_kind="bad_input")


def delivery_problem(ctx: TaskContext, params: dict, error: TelemetryError, result: dict,
                     spool: Spool | None = None, event: dict | None = None) -> dict:
    """Keep the event in the spool when there is one, then warn, or fail with O(on_failure=fail)."""
    result["msg"] = str(error)
    if spool and event and not ctx.check_mode:
        try:
            result["changed"] = spool.append(event)
        except TelemetryValueError as spool_error:
            return bad_input(spool_error, dict(result, msg=str(error)))
        result["spooled"] = True
        result["msg"] = f"{error}; kept in the spool {spool.path}"
    if params.get("on_failure") == ON_FAILURE_FAIL or (params.get("on_failure") is None and params["fail_on_error"]):
        return dict(result, failed=True, http_status=error.status, field_errors=error.field_errors, error_kind="delivery")
    ctx.warn(f"Telemetry not delivered: {result['msg']}")
    return result


def _client(params: dict) -> TelemetryClient:
    """The client of this task; its time budget starts now."""
    return TelemetryClient(url=params["url"], collection=params["collection"], timeout=params["timeout"],
                           retries=params["retries"], validate_certs=params["validate_certs"],
                           ca_path=params["ca_path"], token=params.get("token"))


def _spool(params: dict) -> Spool | None:
    """The task's spool; none when O(spool_dir) is not given (an empty one is bad input, not "no spool")."""
    return None if params.get("spool_dir") is None else Spool(params["spool_dir"])


def _without_consent(ctx: TaskContext, result: dict) -> dict | None:
    """The result of a task that sends nothing because the operator did not opt in (skipped); None when they did."""
    refusal = ctx.consent_refusal()
    if not refusal:
        return None
    return dict(result, skipped=True, skip_reason=refusal, msg=f"nothing sent: {refusal}")


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

    client.renew_budget()  # the host step for consent and version, if any, is not the network's time
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
        if wanted["status"] == STATUS_UNKNOWN and params["status"] != STATUS_UNKNOWN:
            ctx.warn(f"status {shown(params['status'])} is sent as unknown: only {', '.join(SUCCESS_WORDS)} (success) "
                     f"and {', '.join(FAILURE_WORDS)} (failure) are outcomes the contract knows")
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
    try:
        create_waiting = spool is not None and spool.has_waiting(EVENT_CREATE, client, params["random_id"])
    except TelemetryValueError as error:
        return bad_input(error, result)
    if create_waiting:
        # The record is not created yet: the finish waits behind its create, so a flush keeps their order.
        return delivery_problem(ctx, params, TelemetryError("the create of this attempt is still in the spool"), result, spool, event)
    client.renew_budget()  # the host step for consent, if any, is not the network's time
    try:
        outcome = ensure_finished(client, params["random_id"], params["record_id"], wanted, params["force"], ctx.check_mode)
    except RecordNotFound as error:
        if ctx.check_mode:  # the report before this finish was only checked, so its record cannot exist yet
            return dict(result, msg=f"{error} (check mode: the record would exist after a real run)")
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
        kept_for = check_url(params["from_url"], "from_url") if params.get("from_url") else None
        pending = spool.pending()
        result = dict(changed=False, delivered=0, dropped=0, invalid=0, remaining=len(pending))
        refused = _without_consent(ctx, result)
    except TelemetryValueError as error:
        return bad_input(error)
    if refused:
        return refused
    waiting = [event for event in pending if spool.is_for(event, client, kept_for)]
    if ctx.check_mode:
        return dict(result, changed=bool(waiting), delivered=len(waiting), msg=f"{len(waiting)} events would be delivered")

    client.renew_budget()  # the host step for consent, if any, is not the network's time
    try:
        outcome = spool.flush(client, deliver_event, kept_for)
    except TelemetryValueError as error:
        return bad_input(error, result)
    error = outcome.pop("error")
    result.update(outcome, changed=outcome["delivered"] + outcome["dropped"] > 0,
                  msg=f"{outcome['delivered']} events delivered, {outcome['remaining']} remaining")
    if outcome["invalid"]:
        ctx.warn(f"{outcome['invalid']} lines of {spool.path} were not valid telemetry events and were dropped")
    if error:
        return delivery_problem(ctx, params, error, result)
    if outcome["remaining"]:
        result["msg"] += f": {_why_left(spool, client, kept_for)}"
    return result


def _why_left(spool: Spool, client: TelemetryClient, kept_for: str | None) -> str:
    """Which backends the events left in the spool wait for, and how to send them where they belong."""
    others = Counter((event["url"], event["collection"]) for event in spool.pending()
                     if not spool.is_for(event, client, kept_for))
    waiting = "; ".join(f"{count} events for {url} (collection {collection})" for (url, collection), count in sorted(others.items()))
    return (f"{waiting}, not this url; flush with that url to deliver them there, or with from_url set to it "
            "to deliver them to this url instead") if waiting else "arrived during the flush"


def run_info(params: dict, ctx: TaskContext) -> dict:
    """pve_telemetry_info: the records that answer a fleet question, and their aggregates.

    The aggregates come from the server's route where the backend has it (``source: server``); elsewhere
    from the records themselves, read page by page and counted as they stream (``source: records``).
    Either way only the first ``limit`` records are kept.
    """
    limit, top = max(params["limit"], 0), max(params["top"], 0)
    # A record's ids are the keys to change it (guarded mode lets an unfinished record be finished by its id):
    # a log of a fleet question must not hand them out unless the user asks for them.
    hidden = () if params.get("include_ids") else RECORD_KEYS
    result = dict(changed=False, count=0, records=[], aggregates=aggregate([]), source=None)
    query = dict(app=params["app"], status=params["status"], type=params["type"], since=params["since"], before=params["before"])
    try:
        client = _client(params)
        result["filter"] = build_filter(query["app"], query["status"], query["type"], query["since"], query["before"])
        query.update(since=check_time(query["since"], "since"), before=check_time(query["before"], "before"))
        refused = _without_consent(ctx, result)
    except TelemetryValueError as error:
        return bad_input(error, result)
    if refused:
        return refused
    try:
        if params.get("token"):
            client.check_superuser_token()
        parts = client.aggregates(query)
        records = []
        if parts is not None:
            source = "server"
            if limit:
                for record in client.iter_records(result["filter"], QUERY_FIELDS):
                    records.append(_without(record, hidden))
                    if len(records) >= limit:
                        break
        else:
            source = "records"
            aggregator, last = Aggregator(), None
            if limit:  # the records to return, whole
                for record in client.iter_records(result["filter"], QUERY_FIELDS):
                    aggregator.add(record)
                    records.append(_without(record, hidden))
                    last = record
                    if len(records) >= limit:
                        break
            if last is None or len(records) >= limit:  # the rest, only what counting needs
                for record in client.iter_records(result["filter"], AGGREGATE_FIELDS, after=last):
                    aggregator.add(record)
            parts = aggregator.parts()
    except TelemetryError as error:
        if error.status in (401, 403):
            return unauthorized(error, result, bool(params.get("token")))
        return delivery_problem(ctx, params, error, result)
    if source == "records" and not parts["total"] and not params.get("token"):
        ctx.warn("no records answered this anonymous fleet question: on a guarded collection anonymous callers see "
                 "none, so give a superuser token if the collection is guarded")
    return dict(result, count=parts["total"], records=records, aggregates=finish(parts, top), source=source)


def unauthorized(error: TelemetryError, result: dict, with_token: bool) -> dict:
    """A fleet question the backend refused to answer always fails: its empty answer is not an empty fleet."""
    if with_token:
        why = ("the token is not a live superuser token (missing, garbage, expired or revoked: a new superuser password "
               "or upsert revokes every earlier token)" if error.status == 401
               else "the token is not a superuser's, and only superusers may read a guarded collection")
    else:
        why = "the collection is guarded and only superusers may read it; give a superuser token (option token)"
    return dict(result, failed=True, http_status=error.status, error_kind="unauthorized",
                msg=f"unauthorized, refusing to report an empty fleet: {why} ({error})")


def _without(record: dict, keys: tuple) -> dict:
    return {key: value for key, value in record.items() if key not in keys}


def run_consent(params: dict, ctx: TaskContext) -> dict:
    """pve_telemetry_consent: whether the operator opted in; sends nothing."""
    try:
        refusal = ctx.consent_refusal()
    except TelemetryValueError as error:
        return bad_input(error, dict(changed=False))
    if refusal:
        return dict(changed=False, consent=False, reason=refusal)
    return dict(changed=False, consent=True)
