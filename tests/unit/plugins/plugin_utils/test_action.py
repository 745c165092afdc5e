# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""on_failure=warn on the controller: a failed result becomes a warning that keeps what says why; the report starts
an attempt (its random_id, drawn when not given, and its start time, in every result)."""

from __future__ import annotations

import time
import uuid
from types import SimpleNamespace

import pytest

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.community_scripts.telemetry.plugins.action.pve_telemetry_report import ActionModule as ReportAction
from ansible_collections.community_scripts.telemetry.plugins.action.pve_telemetry_update import ActionModule as UpdateAction
from ansible_collections.community_scripts.telemetry.plugins.plugin_utils._action import failure_as_warning


def test_a_failure_becomes_a_warning_and_keeps_why():
    failed = dict(failed=True, msg="url: must be an http:// or https:// URL with a host", option="url",
                  error_kind="bad_input", reported=False, warnings=["an earlier warning"])
    result = failure_as_warning(failed, "on pve-01")
    assert "failed" not in result
    assert result["error_kind"] == "bad_input" and result["option"] == "url" and result["msg"] == failed["msg"]
    assert result["warnings"] == ["an earlier warning",
                                  f"Telemetry failed on pve-01, and the play goes on (on_failure=warn): {failed['msg']}"]
    assert failed["failed"] is True  # the result given is left as it was


def test_a_module_crash_without_msg_still_warns():
    result = failure_as_warning(dict(failed=True, module_stderr="Traceback ...", exception="Traceback ..."), "on pve-01")
    assert result["warnings"] == ["Telemetry failed on pve-01, and the play goes on (on_failure=warn): the task failed"]
    assert "exception" not in result and result["module_stderr"] == "Traceback ..."


def test_a_result_that_did_not_fail_is_left_alone():
    ok = dict(changed=True, reported=True, msg="record created")
    assert failure_as_warning(ok, "on pve-01") is ok
    skipped = dict(skipped=True, skip_reason="diagnostics=no: the operator did not opt in")
    assert failure_as_warning(skipped, "on pve-01") is skipped


# --- the report starts an attempt: its random_id and start time are in every result ------------------------------

def report_action(args: dict):
    """The report's action plugin, with only what run() reads of its task (no connection, no loader)."""
    action = object.__new__(ReportAction)
    action._task = SimpleNamespace(args=dict(args), resolved_action="community_scripts.telemetry.pve_telemetry_report")
    return action


@pytest.fixture
def no_base_run(monkeypatch):
    monkeypatch.setattr(ActionBase, "run", lambda self, tmp=None, task_vars=None: {})


def test_an_omitted_random_id_is_drawn_once_and_sent(no_base_run, monkeypatch):
    seen = []
    monkeypatch.setattr(ReportAction, "_run_task", lambda self, task_vars: seen.append(dict(self._task.args)) or
                        dict(changed=True, random_id=self._task.args["random_id"]))
    before = time.time()
    result = report_action({"nsapp": "debian", "on_failure": "warn"}).run(task_vars={"inventory_hostname": "pve-01"})
    assert uuid.UUID(result["random_id"]).version == 4
    assert seen[0]["random_id"] == result["random_id"]  # the task runs with the id it returns
    assert before <= result["started_at"] <= time.time() + 0.001


def test_a_given_random_id_is_kept():
    action = report_action({"random_id": "3f0c0d9e-5c8a-4c1e-9d5b-2b7f4f0a1c2d", "nsapp": "debian"})
    assert action._start_attempt()["random_id"] == "3f0c0d9e-5c8a-4c1e-9d5b-2b7f4f0a1c2d"
    assert action._task.args["random_id"] == "3f0c0d9e-5c8a-4c1e-9d5b-2b7f4f0a1c2d"


def test_a_report_that_fails_before_it_runs_still_names_its_attempt(no_base_run, monkeypatch):
    def bad_options(self, task_vars):
        raise AnsibleActionFail("community_scripts.telemetry.pve_telemetry_report: missing required arguments: nsapp")
    monkeypatch.setattr(ReportAction, "_run_task", bad_options)
    result = report_action({"on_failure": "warn"}).run(task_vars={"inventory_hostname": "pve-01"})
    assert "failed" not in result and "nsapp" in result["msg"]
    assert uuid.UUID(result["random_id"]) and result["started_at"] > 0
    assert result["warnings"] == [f"Telemetry failed on pve-01 for the attempt {result['random_id']}, and the play goes on "
                                  f"(on_failure=warn): {result['msg']}"]


def test_the_other_tasks_draw_nothing(no_base_run, monkeypatch):
    monkeypatch.setattr(UpdateAction, "_run_task", lambda self, task_vars: dict(changed=False))
    action = object.__new__(UpdateAction)
    action._task = SimpleNamespace(args={"status": "done"}, resolved_action="community_scripts.telemetry.pve_telemetry_update")
    assert action.run(task_vars={}) == dict(changed=False)
    assert "random_id" not in action._task.args
