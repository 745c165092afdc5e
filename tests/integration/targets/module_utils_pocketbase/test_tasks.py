# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The time budget of a task (plugins/module_utils/_tasks.py): the host's part before the first request is
not the network's time, and the network's time stays bounded. Through the fault proxy of tests/utils in front
of a real PocketBase. Hermetic tests of the tasks: tests/unit/plugins/module_utils/test_tasks.py."""

from __future__ import annotations

import time
import uuid

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.community_scripts.telemetry.plugins.module_utils._argspec import (
    flush_argument_spec,
    report_argument_spec,
    update_argument_spec,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._client import TelemetryClient
from ansible_collections.community_scripts.telemetry.plugins.module_utils._payloads import build_create_body
from ansible_collections.community_scripts.telemetry.plugins.module_utils._spool import EVENT_CREATE, Spool, make_event
from ansible_collections.community_scripts.telemetry.plugins.module_utils._tasks import (
    TaskContext,
    run_flush,
    run_report,
    run_update,
)

COLLECTION = "_dev_telemetry_data"
# The budget of every task here: timeout 0.5 s, no retry.
TIMEOUT = 0.5
# A host step longer than that budget.
HOST_STEP = 1.0
# What a slow scheduler may add to a bound.
SLACK = 1.5


class SlowHost(TaskContext):
    """A host whose consent takes HOST_STEP seconds to read (a slow disk, a far host): it opted in."""

    def __init__(self):
        self.warnings = []

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def consent_refusal(self) -> str | None:
        time.sleep(HOST_STEP)
        return None

    def pve_version(self) -> str:
        return "8.2.4"


def options(spec, **args) -> dict:
    validation = ArgumentSpecValidator(spec).validate(dict(args, collection=COLLECTION, timeout=TIMEOUT, retries=0))
    assert not validation.error_messages
    return validation.validated_parameters


def report_options(url, random_id, **args):
    return options(report_argument_spec(), url=url, diagnostics="auto", random_id=random_id, nsapp="debian", **args)


def test_report_and_update_after_a_host_step_longer_than_the_budget_are_delivered(proxy):
    random_id = str(uuid.uuid4())
    reported = run_report(report_options(proxy.url, random_id), SlowHost())
    assert (reported.get("failed"), reported["reported"], reported["msg"]) == (None, True, "record created")

    ctx = SlowHost()
    finished = run_update(options(update_argument_spec(), url=proxy.url, diagnostics="auto", random_id=random_id,
                                  record_id=reported["record_id"], status="done", exit_code=0), ctx)
    assert (finished["reported"], finished["status"], finished["msg"]) == (True, "sucess", "record finished")
    assert ctx.warnings == []


def test_flush_after_a_host_step_longer_than_the_budget_delivers(proxy, tmp_path):
    random_id = str(uuid.uuid4())
    payload = build_create_body(dict(random_id=random_id, type="lxc", ct_type=None, nsapp="debian", disk_size=8,
                                     core_count=2, ram_size=2048, os_type="debian", os_version="12", method="default"), "8.2.4")
    Spool(str(tmp_path)).append(make_event(EVENT_CREATE, TelemetryClient(proxy.url, COLLECTION), random_id, payload))
    flushed = run_flush(options(flush_argument_spec(), url=proxy.url, diagnostics="auto", spool_dir=str(tmp_path)), SlowHost())
    assert (flushed.get("failed"), flushed["delivered"], flushed["remaining"]) == (None, 1, 0)


def test_a_hung_backend_costs_the_task_at_most_the_budget_after_the_host_step(proxy, tmp_path):
    proxy.queue([{"action": "hang", "times": 10}])
    ctx = SlowHost()
    started = time.monotonic()
    result = run_report(report_options(proxy.url, str(uuid.uuid4()), spool_dir=str(tmp_path)), ctx)
    elapsed = time.monotonic() - started
    assert (result["reported"], result["spooled"]) == (False, True)
    assert "no answer within" in result["msg"]
    assert HOST_STEP + TIMEOUT <= elapsed + 0.05
    assert elapsed <= HOST_STEP + TIMEOUT + SLACK
    assert ctx.warnings and ctx.warnings[0].startswith("Telemetry not delivered")


def test_a_delivered_report_with_flush_spool_delivers_the_earlier_attempts(proxy, tmp_path, records_of, pocketbase_url):
    earlier = str(uuid.uuid4())
    payload = build_create_body(dict(random_id=earlier, type="lxc", ct_type=None, nsapp="debian", disk_size=8,
                                     core_count=2, ram_size=2048, os_type="debian", os_version="12", method="default"), "8.2.4")
    Spool(str(tmp_path)).append(make_event(EVENT_CREATE, TelemetryClient(proxy.url, COLLECTION), earlier, payload))
    random_id = str(uuid.uuid4())

    result = run_report(report_options(proxy.url, random_id, spool_dir=str(tmp_path), flush_spool=True), SlowHost())

    assert (result.get("failed"), result["reported"], result["changed"]) == (None, True, True)
    assert (result["flush"]["delivered"], result["flush"]["remaining"], result["flush"]["consent"]) == (1, 0, True)
    assert result["msg"] == "record created; spool: 1 events delivered, 0 remaining"
    assert [record["random_id"] for record in records_of(pocketbase_url, earlier)] == [earlier]
    assert list(Spool(str(tmp_path)).pending()) == []
