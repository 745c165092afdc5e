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

from ansible_collections.community_scripts.telemetry.plugins.module_utils._argspec import DELIVERY_HOST, ON_FAILURE_FAIL
from ansible_collections.community_scripts.telemetry.plugins.module_utils._checks import check_random_id, check_record_id, check_url, shown
from ansible_collections.community_scripts.telemetry.plugins.module_utils._client import TelemetryClient
from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import (
    RecordNotFound,
    TelemetryError,
    TelemetryValueError,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._fleet_query import (
    Aggregator,
    aggregate,
    check_top_apps,
    build_filter,
    finish,
    fleet_query,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._lifecycle import (
    EVENT_CREATE,
    EVENT_FINISH,
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
    Spool,
    SpoolFull,
    make_event,
)


class TaskContext:
    """Where a task runs. The module and the action plugin each provide one."""

    check_mode = False
    diff = False
    owner = None  # the host whose consent this task decides (its events in the spool are that host's); None on the host itself

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
        except SpoolFull as full:
            result.update(spool_full=True, msg=f"{error}; lost: {full}")
        else:
            result["spooled"] = True
            # Which machine's disk: in an execution environment (AWX) the controller's spool under HOME ends with the job.
            machine = "the managed host" if params.get("delivery") == DELIVERY_HOST else "the controller"
            result["msg"] = f"{error}; kept in the spool {spool.path} on {machine}"
    if params.get("on_failure") == ON_FAILURE_FAIL or (params.get("on_failure") is None and params["fail_on_error"]):
        return dict(result, failed=True, http_status=error.status, field_errors=error.field_errors, error_kind="delivery")
    ctx.warn(f"Telemetry not delivered: {result['msg']}")
    return result


def _client(params: dict) -> TelemetryClient:
    """The client of this task; its time budget starts at its first request, after the host's part."""
    return TelemetryClient(url=params["url"], collection=params["collection"], timeout=params["timeout"],
                           retries=params["retries"], validate_certs=params["validate_certs"],
                           ca_path=params["ca_path"], token=params.get("token"))


def _spool(params: dict) -> Spool | None:
    """The task's spool; none when O(spool_dir) is not given (an empty one is bad input, not "no spool")."""
    return None if params.get("spool_dir") is None else Spool(params["spool_dir"], params.get("spool_max_events"))


def _skipped(result: dict, refusal: str, more: str = "") -> dict:
    """The result of a task that sends nothing because the operator did not opt in: skipped, with the reason."""
    return dict(result, skipped=True, skip_reason=refusal, msg=f"nothing sent: {refusal}{more}")


def _without_consent(ctx: TaskContext, result: dict) -> dict | None:
    """The result of a task that sends nothing because the operator did not opt in (skipped); None when they did."""
    refusal = ctx.consent_refusal()
    return _skipped(result, refusal) if refusal else None


def run_report(params: dict, ctx: TaskContext) -> dict:
    """pve_telemetry_report: create the attempt's record, once; with O(flush_spool), then flush the host's spool."""
    result = dict(changed=False, reported=False, spooled=False, random_id=params["random_id"])
    try:
        client, spool = _client(params), _spool(params)
        result["payload"] = payload = build_create_body(params, params["pve_version"] or ctx.pve_version())
        refusal = ctx.consent_refusal()
    except TelemetryValueError as error:
        return bad_input(error, result)
    if refusal:
        result = _skipped(result, refusal)
    else:
        result = _create(ctx, params, client, spool, payload, result)
    if not params["flush_spool"] or spool is None:
        return result
    if result.get("failed") or result["spooled"] or result.get("spool_full"):
        # The backend did not answer the report: a flush now would only wait for it again.
        result["flush"] = dict(skipped=True, msg="no flush: the report itself was not delivered")
        return result
    result["flush"] = flush = _flush(ctx, params, client, spool, None, refusal)
    if flush.get("failed"):  # bad input in the spool (its path, its files): the report's task fails with it
        return dict(result, failed=True, msg=f"{result['msg']}; the flush failed: {flush['msg']}",
                    **{key: flush[key] for key in ("error_kind", "option") if key in flush})
    if flush.get("changed"):  # events delivered, or dropped unsent; without consent the task stays skipped: nothing was sent
        result.update(changed=True, msg=f"{result['msg']}; spool: {flush['msg']}")
    return result


def _create(ctx: TaskContext, params: dict, client: TelemetryClient, spool: Spool | None, payload: dict, result: dict) -> dict:
    """Create the record of the report, or keep the create in the spool when the backend cannot take it."""
    try:
        record_id, changed = ensure_created(client, payload, ctx.check_mode)
    except TelemetryError as error:
        event = make_event(EVENT_CREATE, client, payload["random_id"], payload, owner=ctx.owner)
        return delivery_problem(ctx, params, error, result, spool, event)
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
        if "error_detail" in wanted:
            # The module's invocation (shown at -vvv, kept by register) echoes the options: it shows what was sent.
            params["error_detail"] = wanted["error_detail"]
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

    event = make_event(EVENT_FINISH, client, params["random_id"], wanted, owner=ctx.owner, record_id=params["record_id"],
                       force=params["force"])
    try:
        create_waiting = spool is not None and spool.has_waiting(EVENT_CREATE, client, params["random_id"], ctx.owner)
    except TelemetryValueError as error:
        return bad_input(error, result)
    if create_waiting:
        # The record is not created yet: the finish waits behind its create, so a flush keeps their order.
        return delivery_problem(ctx, params, TelemetryError("the create of this attempt is still in the spool"), result, spool, event)
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
    """pve_telemetry_flush: deliver this host's waiting events for this backend, oldest first, while it consents."""
    try:
        client, spool = _client(params), _spool(params)
        kept_for = check_url(params["from_url"], "from_url") if params.get("from_url") else None
        refusal = ctx.consent_refusal()
    except TelemetryValueError as error:
        return bad_input(error)
    return _flush(ctx, params, client, spool, kept_for, refusal)


def _flush(ctx: TaskContext, params: dict, client: TelemetryClient, spool: Spool, kept_for: str | None, refusal: str | None) -> dict:
    """Deliver one host's waiting events (pve_telemetry_flush, and pve_telemetry_report with O(flush_spool)).

    A flush runs for one host (``ctx.owner``): it reads that host's events and those without an owner (kept by
    older versions, or by the module on the host itself), and leaves other hosts' events to their own flush.
    When the host does not consent (``refusal``), its events are dropped unsent, counted in ``dropped_no_consent``.
    """
    try:
        waiting = spool.summary(ctx.owner, client, kept_for)
    except TelemetryValueError as error:
        return bad_input(error)
    result = dict(changed=False, delivered=0, dropped=0, invalid=0, dropped_no_consent=0,
                  remaining=waiting["selected"] + sum(waiting["elsewhere"].values()), other_hosts=waiting["other_hosts"],
                  consent=refusal is None)  # what the flush decided, for the tasks after it
    if refusal:
        return _flush_without_consent(ctx, spool, client, kept_for, refusal, waiting, result)
    if ctx.check_mode:
        count = waiting["selected"]
        return dict(result, changed=bool(count), delivered=count,
                    msg=f"{count} events would be delivered{_other_hosts(waiting)}")

    try:
        outcome = spool.flush(client, deliver_event, ctx.owner, kept_for)
        after = spool.summary(ctx.owner, client, kept_for)
    except TelemetryValueError as error:
        return bad_input(error, result)
    error = outcome.pop("error")
    result.update(outcome, changed=outcome["delivered"] + outcome["dropped"] > 0, other_hosts=after["other_hosts"],
                  remaining=after["selected"] + sum(after["elsewhere"].values()))
    result["msg"] = f"{outcome['delivered']} events delivered, {result['remaining']} remaining"
    if outcome["invalid"]:
        ctx.warn(f"{outcome['invalid']} lines of the spool {spool.path} were not valid telemetry events and were dropped")
    if error:
        result = delivery_problem(ctx, params, error, result)
        result["msg"] += f" ({outcome['delivered']} delivered before; the next flush resumes there)"
        return result
    if result["remaining"]:
        result["msg"] += f": {_why_left(after, client, kept_for)}"
    result["msg"] += _other_hosts(after)
    return result


def _flush_without_consent(ctx: TaskContext, spool: Spool, client: TelemetryClient, kept_for: str | None, refusal: str,
                           waiting: dict, result: dict) -> dict:
    """The host no longer consents: the events its flush would deliver are dropped, never sent."""
    count = waiting["selected"]
    if not count:
        return _skipped(result, refusal, _other_hosts(waiting))
    if ctx.check_mode:
        return dict(result, changed=True, dropped_no_consent=count,
                    msg=f"nothing sent: {refusal}; {count} events of this host would be dropped unsent{_other_hosts(waiting)}")
    try:
        outcome = spool.drop(client, ctx.owner, kept_for)
        after = spool.summary(ctx.owner, client, kept_for)
    except TelemetryValueError as error:
        return bad_input(error, result)
    dropped = outcome["dropped_no_consent"]
    result.update(changed=dropped + outcome["invalid"] > 0, dropped_no_consent=dropped, invalid=outcome["invalid"],
                  dropped=outcome["dropped"], other_hosts=after["other_hosts"],
                  remaining=after["selected"] + sum(after["elsewhere"].values()))
    if not result["changed"]:  # another flush of this host dropped them meanwhile
        return _skipped(result, refusal, _other_hosts(after))
    result["msg"] = f"nothing sent: {refusal}; {dropped} events of this host dropped unsent{_other_hosts(after)}"
    if outcome["invalid"]:
        ctx.warn(f"{outcome['invalid']} lines of the spool {spool.path} were not valid telemetry events and were dropped")
    ctx.warn(f"{dropped} telemetry events kept in the spool {spool.path} were dropped unsent: {refusal}")
    return result


def _other_hosts(waiting: dict) -> str:
    """What a flush leaves to the flushes of other hosts."""
    if not waiting["other_hosts"]:
        return ""
    names = sorted(waiting["other_host_names"])
    shown_names = ", ".join(shown(name) for name in names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return (f"; {waiting['other_hosts']} events of {len(names)} other hosts ({shown_names}) wait in the spool: "
            "a flush for those hosts delivers them")


def _why_left(waiting: dict, client: TelemetryClient, kept_for: str | None) -> str:
    """Which backends this host's events left in the spool wait for, and how to send them where they belong."""
    others = waiting["elsewhere"]
    listed = "; ".join(f"{count} events for {url} (collection {collection})" for (url, collection), count in sorted(others.items()))
    if not listed:
        return "arrived during the flush"
    return (f"{listed}, not this url; flush with that url to deliver them there, or with from_url set to it "
            "to deliver them to this url instead")


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
    signs_in = bool(params.get("email") or params.get("password"))
    try:
        client = _client(params)
        query = fleet_query(params["app"], params["status"], params["type"], params["since"], params["before"],
                            node=params.get("node"))
        top_apps = check_top_apps(params["top_apps"])
        result["filter"] = build_filter(query)
        _check_credentials(params)
        refused = _without_consent(ctx, result)
    except TelemetryValueError as error:
        return bad_input(error, result)
    if refused:
        return refused
    try:
        if signs_in:
            client.sign_in(params["email"], params["password"])
        elif params.get("token"):
            client.check_superuser_token()
        parts = client.aggregates(query, top_apps)
        if parts is not None and query["node"] and "apps_total" not in parts:
            # A route older than the node filter ignores it: its answer would be the whole fleet's.
            ctx.warn("the server's aggregates route does not know the node filter (hooks older than this collection); "
                     "the aggregates are counted from the records instead, which takes longer")
            parts = None
        records = []
        if parts is not None:
            source = "server"
            _add_missing_details(client, result["filter"], parts["recent_failures"])
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
            missing = aggregator.missing_details()
            if missing:  # the error_detail of the few failures shown, read only for them
                aggregator.fill_details(client.error_details(missing))
            parts = aggregator.parts()
    except TelemetryError as error:
        if signs_in and error.status in (400, 401, 403, 429):
            return dict(result, failed=True, http_status=error.status, error_kind="unauthorized",
                        msg=f"sign-in as {params['email']} refused: "
                            f"{'wrong email or password' if error.status == 400 else error}")
        if error.status in (401, 403):
            return unauthorized(error, result, bool(params.get("token")))
        return unanswered(error, result)
    if source == "records" and not parts["total"] and not (params.get("token") or signs_in):
        ctx.warn("no records answered this anonymous fleet question: on a guarded collection anonymous callers see "
                 "none, so give a superuser token if the collection is guarded")
    return dict(result, count=parts["total"], records=records, aggregates=finish(parts, top, top_apps), source=source)


def _add_missing_details(client, filter_expression: str, failures: list) -> None:
    """A route older than error_detail in its recent failures leaves it out: read it for the failures it lists,
    in one request for the same newest failures. A row that is not the same record gets "" (as for none)."""
    if not failures or all("error_detail" in failure for failure in failures):
        return
    newest = client.newest_failures(filter_expression, len(failures))
    for index, failure in enumerate(failures):
        record = newest[index] if index < len(newest) else {}
        same = (record.get("created"), record.get("nsapp")) == (failure.get("created"), failure.get("nsapp"))
        failure.setdefault("error_detail", (record.get("error_detail") or "") if same else "")


def _check_credentials(params: dict) -> None:
    """A sign-in needs both email and password, and is one way to be a superuser: the token is the other."""
    if bool(params.get("email")) != bool(params.get("password")):
        missing = "password" if params.get("email") else "email"
        raise TelemetryValueError(missing, "is needed too: email and password sign in together")
    if params.get("email") and params.get("token"):
        raise TelemetryValueError("token", "give either token or email and password, not both")


def unanswered(error: TelemetryError, result: dict) -> dict:
    """A fleet question the backend did not answer (unreachable, too slow, an HTTP error) always fails: an
    empty answer would read as an empty fleet. fail_on_error and the spool are for writes, not reads."""
    kind = "timeout" if "no answer within" in str(error) or "no time left" in str(error) else (
        "http_status" if error.status else "unreachable")
    return dict(result, failed=True, http_status=error.status, error_kind=kind,
                msg=f"the fleet question could not be answered, refusing to report an empty fleet: {error}")


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
