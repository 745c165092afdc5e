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
