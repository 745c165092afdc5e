# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The tasks (plugins/module_utils/_tasks.py) without a server. The warning of a spooled event says on which machine
it was kept: in an execution environment (AWX) the controller's spool under HOME ends with the job, a managed host's
stays on the host. The tasks' time budget against a real PocketBase: tests/integration/targets/module_utils_pocketbase."""

from __future__ import annotations

import socket
import uuid

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.community_scripts.telemetry.plugins.module_utils._argspec import report_argument_spec
from ansible_collections.community_scripts.telemetry.plugins.module_utils._spool import Spool
from ansible_collections.community_scripts.telemetry.plugins.module_utils._tasks import TaskContext, run_report


class RecordingContext(TaskContext):
    """A context that consents and keeps the warnings."""

    def __init__(self):
        self.warnings = []

    def warn(self, message):
        self.warnings.append(message)

    def consent_refusal(self):
        return None

    def pve_version(self):
        return "8.2.4"


def closed_loopback_url():
    """A loopback port nothing listens on: the connection is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


@pytest.mark.parametrize("delivery, machine", [("controller", "on the controller"), ("host", "on the managed host")])
def test_the_warning_names_the_machine_that_keeps_the_spool(tmp_path, delivery, machine):
    spool_dir = tmp_path / "spool"
    args = dict(url=closed_loopback_url(), random_id=str(uuid.uuid4()), nsapp="debian", diagnostics="yes",
                delivery=delivery, spool_dir=str(spool_dir), timeout=2, retries=0)
    validation = ArgumentSpecValidator(report_argument_spec()).validate(args)
    assert not validation.error_messages
    ctx = RecordingContext()

    result = run_report(validation.validated_parameters, ctx)

    assert result["spooled"] is True and result["reported"] is False
    where = f"kept in the spool {spool_dir} {machine}"
    assert result["msg"].endswith(where), result["msg"]
    assert len(ctx.warnings) == 1 and ctx.warnings[0].endswith(where), ctx.warnings
    assert [event["random_id"] for event in Spool(str(spool_dir)).pending()] == [args["random_id"]]


class RefusingContext(RecordingContext):
    """A host whose operator did not opt in."""

    def consent_refusal(self):
        return "diagnostics=no"


def report_with_flush(url, spool_dir, **args):
    validation = ArgumentSpecValidator(report_argument_spec()).validate(
        dict(dict(url=url, random_id=str(uuid.uuid4()), nsapp="debian", diagnostics="yes", spool_dir=str(spool_dir),
                  flush_spool=True, timeout=2, retries=0), **args))
    assert not validation.error_messages
    return validation.validated_parameters


def keep_an_earlier_attempt(spool_dir, url):
    """An earlier run's report, kept in the spool because the backend was down."""
    earlier = report_with_flush(url, spool_dir)
    assert run_report(dict(earlier, flush_spool=False), RecordingContext())["spooled"] is True
    return earlier["random_id"]


def test_a_report_that_was_not_delivered_does_not_flush(tmp_path):
    url = closed_loopback_url()
    earlier = keep_an_earlier_attempt(tmp_path, url)
    ctx = RecordingContext()

    result = run_report(report_with_flush(url, tmp_path), ctx)

    assert result["spooled"] is True
    assert result["flush"] == dict(skipped=True, msg="no flush: the report itself was not delivered")
    assert [event["random_id"] for event in Spool(str(tmp_path)).pending()] == [earlier, result["random_id"]]
    assert len(ctx.warnings) == 1, ctx.warnings  # the report's own delivery problem, once


def test_without_consent_the_report_flush_drops_the_host_events_unsent(tmp_path):
    url = closed_loopback_url()
    keep_an_earlier_attempt(tmp_path, url)
    ctx = RefusingContext()

    result = run_report(report_with_flush(url, tmp_path, diagnostics="no"), ctx)

    # still skipped: the provision role reads a skipped report as no consent, and nothing was sent
    assert result["skipped"] is True and result["changed"] is True
    assert (result["flush"]["dropped_no_consent"], result["flush"]["consent"]) == (1, False)
    assert result["msg"] == "nothing sent: diagnostics=no; spool: nothing sent: diagnostics=no; 1 events of this host dropped unsent"
    assert list(Spool(str(tmp_path)).pending()) == []
    assert any("dropped unsent" in warning for warning in ctx.warnings), ctx.warnings


def test_without_consent_and_nothing_waiting_the_report_is_skipped(tmp_path):
    result = run_report(report_with_flush(closed_loopback_url(), tmp_path, diagnostics="no"), RefusingContext())

    assert result["skipped"] is True and result["changed"] is False
    assert result["flush"]["skipped"] is True


def test_without_flush_spool_the_report_leaves_the_spool_alone(tmp_path):
    url = closed_loopback_url()
    earlier = keep_an_earlier_attempt(tmp_path, url)

    result = run_report(dict(report_with_flush(url, tmp_path, diagnostics="no"), flush_spool=False), RefusingContext())

    assert "flush" not in result and result["skipped"] is True
    assert [event["random_id"] for event in Spool(str(tmp_path)).pending()] == [earlier]
