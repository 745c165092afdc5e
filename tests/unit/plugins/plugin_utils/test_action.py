# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The action plugins' core (plugins/plugin_utils/_action.py): where a task runs (the controller or the module on the
host), its options checked as the module checks them, their environment, and on_failure=warn, where a failed
result becomes a warning that keeps what says why; the report starts an attempt (its random_id, drawn when not
given, and its start time, in every result). No server, no connection: the task is a recorder."""

from __future__ import annotations

import sys
import time
import uuid
from types import SimpleNamespace

import pytest
from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.plugins.loader import filter_loader, test_loader

from ansible_collections.community_scripts.telemetry.plugins.action.pve_telemetry_report import ActionModule as ReportAction
from ansible_collections.community_scripts.telemetry.plugins.action.pve_telemetry_update import ActionModule as UpdateAction
from ansible_collections.community_scripts.telemetry.plugins.module_utils._argspec import report_argument_spec
from ansible_collections.community_scripts.telemetry.plugins.plugin_utils import _action
from ansible_collections.community_scripts.telemetry.plugins.plugin_utils._action import TelemetryAction, failure_as_warning
from ansible_collections.community_scripts.telemetry.plugins.plugin_utils._controller import ControllerContext


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


# --- the action plugin: where the task runs, its options, its failures (no server, no connection) -------------------

URL = "http://127.0.0.1:9"  # never asked: the task below is a recording stand-in for _tasks' run_report
REPORT = "community_scripts.telemetry.pve_telemetry_report"


class Recorded(TelemetryAction):
    """pve_telemetry_report's action plugin with its task replaced by a recorder, and the module on the host too."""

    ARGUMENT_SPEC = staticmethod(report_argument_spec)
    calls: list = []
    environment: dict = {}

    @staticmethod
    def RUN(params, ctx):  # pylint: disable=invalid-name
        type(ctx.action).calls.append((params, ctx))
        ctx.warn("a warning of the task")
        return dict(changed=True, reported=True, msg="record created")

    def _execute_module(self, module_name=None, module_args=None, task_vars=None, **kwargs):
        type(self).calls.append(("module on the host", module_name, dict(module_args)))
        return dict(changed=True, msg="the module ran on the host")

    def _compute_environment_string(self, raw_environment_out=None):
        if raw_environment_out is not None:
            raw_environment_out.update(self.environment)
        return " ".join(f"{key}={value}" for key, value in self.environment.items())


def action(args, cls=Recorded, environment=None, check_mode=False):
    cls.calls = []
    task = SimpleNamespace(args=args, action=REPORT, resolved_action=REPORT, async_val=0, check_mode=check_mode,
                           diff=False, delegate_to=None, environment=None)
    plugin = cls(task, SimpleNamespace(_shell=SimpleNamespace(tmpdir="/nonexistent")), None, None, None, None)  # shared_loader_obj: required before 2.19
    plugin.environment = environment or {}
    return plugin


def report_args(**args):
    return dict(dict(url=URL, random_id="3f0c0d9e-5c8a-4c1e-9d5b-2b7f4f0a1c2d", nsapp="debian", diagnostics="yes"), **args)


def test_the_default_delivery_runs_the_task_here_with_the_options_checked_and_defaulted():
    plugin = action(report_args())
    result = plugin.run(task_vars={"inventory_hostname": "pve-01"})
    assert (result["changed"], result["msg"]) == (True, "record created")
    assert result["warnings"] == ["a warning of the task"]
    [(params, ctx)] = Recorded.calls
    spec = report_argument_spec()
    assert params["delivery"] == spec["delivery"]["default"] == "controller"
    assert params["timeout"] == spec["timeout"]["default"] and params["retries"] == spec["retries"]["default"]
    assert isinstance(ctx, ControllerContext) and ctx.owner == "pve-01" and ctx.check_mode is False


def test_delivery_host_hands_the_task_to_the_module_unchecked():
    args = report_args(delivery="host", timeout="not a number")  # the module checks its options on the host
    result = action(args).run(task_vars={"inventory_hostname": "pve-01"})
    assert result["msg"] == "the module ran on the host"
    assert Recorded.calls == [("module on the host", REPORT, args)]


def test_a_task_without_delivery_runs_here_even_when_asked_for_the_host():
    class ControllerOnly(Recorded):
        CONTROLLER_ONLY = True

    result = action(report_args(delivery="host"), cls=ControllerOnly).run(task_vars={})
    assert result["msg"] == "record created"
    assert len(ControllerOnly.calls) == 1 and ControllerOnly.calls[0][0]["delivery"] == "host"


def test_bad_options_fail_naming_the_module_and_the_option():
    with pytest.raises(AnsibleActionFail) as caught:
        action(report_args(timeout="soon")).run(task_vars={})
    assert str(caught.value.message).startswith(f"{REPORT}: ")
    assert "timeout" in caught.value.message
    assert Recorded.calls == []


def test_a_missing_required_option_fails_before_the_task():
    args = report_args()
    del args["nsapp"]
    with pytest.raises(AnsibleActionFail) as caught:
        action(args).run(task_vars={})
    assert "nsapp" in caught.value.message
    assert Recorded.calls == []


def test_the_tasks_environment_gives_an_option_before_the_controllers(monkeypatch):
    monkeypatch.setenv("PVE_TELEMETRY_URL", "http://127.0.0.1:2")
    args = report_args()
    del args["url"]
    action(args, environment={"PVE_TELEMETRY_URL": "http://127.0.0.1:1"}).run(task_vars={})
    assert Recorded.calls[0][0]["url"] == "http://127.0.0.1:1"
    action(args).run(task_vars={})  # no environment on the task: the controller's
    assert Recorded.calls[0][0]["url"] == "http://127.0.0.1:2"
    action(report_args(), environment={"PVE_TELEMETRY_URL": "http://127.0.0.1:1"}).run(task_vars={})
    assert Recorded.calls[0][0]["url"] == URL  # an option given on the task wins over both


def test_without_a_connection_shell_the_task_has_no_environment_of_its_own():
    class NoShell(Recorded):
        def _compute_environment_string(self, raw_environment_out=None):
            raise AttributeError("'NoneType' object has no attribute 'env_prefix'")

    assert action(report_args(), cls=NoShell)._task_environment() == {}  # pylint: disable=protected-access


def test_without_requests_the_controller_delivery_fails_and_says_where_it_is_needed(monkeypatch):
    monkeypatch.setattr(_action, "HAS_REQUESTS", False)
    result = action(report_args()).run(task_vars={})
    assert result["failed"] is True and result["error_kind"] == "missing_library"
    assert "requests" in result["msg"] and "delivery=host needs it on the managed host" in result["msg"]
    assert Recorded.calls == []


def test_a_task_that_sends_nothing_needs_no_requests(monkeypatch):
    class SendsNothing(Recorded):
        NEEDS_REQUESTS = False

    monkeypatch.setattr(_action, "HAS_REQUESTS", False)
    assert action(report_args(), cls=SendsNothing).run(task_vars={})["msg"] == "record created"


def test_a_deprecated_option_is_said_as_the_module_says_it():
    spec = report_argument_spec()
    deprecated = [name for name, option in spec.items() if option.get("removed_in_version") or option.get("deprecated_aliases")]
    assert deprecated, "report_argument_spec has no deprecated option to test with"
    result = action(report_args(**{deprecated[0]: True})).run(task_vars={})
    assert result["deprecations"] and deprecated[0] in str(result["deprecations"])


def test_check_mode_reaches_the_task():
    action(report_args(), check_mode=True).run(task_vars={})
    assert Recorded.calls[0][1].check_mode is True


def test_on_failure_warn_turns_any_failure_into_a_warning_naming_host_and_attempt():
    result = action(report_args(timeout="soon", on_failure="warn")).run(task_vars={"inventory_hostname": "pve-01"})
    assert "failed" not in result
    [warning] = result["warnings"]
    assert warning.startswith("Telemetry failed on pve-01 for the attempt 3f0c0d9e-5c8a-4c1e-9d5b-2b7f4f0a1c2d, "
                              "and the play goes on (on_failure=warn): ")
    assert "timeout" in warning and result["msg"] in warning


def test_on_failure_warn_names_an_unexpected_error_by_its_type():
    class Crashes(Recorded):
        @staticmethod
        def RUN(params, ctx):  # pylint: disable=invalid-name
            raise KeyError("x")

    result = action(report_args(on_failure="warn"), cls=Crashes).run(task_vars={"inventory_hostname": "pve-01"})
    assert result["warnings"][-1].endswith("(on_failure=warn): KeyError: 'x'")
    assert result["msg"] == "KeyError: 'x'"


def test_without_on_failure_warn_an_error_propagates():
    class Crashes(Recorded):
        @staticmethod
        def RUN(params, ctx):  # pylint: disable=invalid-name
            raise KeyError("x")

    with pytest.raises(KeyError):
        action(report_args(), cls=Crashes).run(task_vars={})


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
    assert before - 0.001 <= result["started_at"] <= time.time() + 0.001  # kept to the millisecond, rounded either way


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


def test_a_bad_random_id_is_refused_by_the_check_and_never_echoed(no_base_run, monkeypatch):
    def bad_options(self, task_vars):
        raise AnsibleActionFail("community_scripts.telemetry.pve_telemetry_report: random_id: must be a UUID")
    monkeypatch.setattr(ReportAction, "_run_task", bad_options)
    huge = "f" * 100000
    result = report_action({"random_id": huge, "nsapp": "debian", "on_failure": "warn"}).run(task_vars={"inventory_hostname": "pve-01"})
    assert "random_id" not in result and result["started_at"] > 0
    assert huge not in str(result)
    assert result["warnings"] == [f"Telemetry failed on pve-01, and the play goes on (on_failure=warn): {result['msg']}"]


def _jinja_plugin_modules() -> set:
    return {name for name in sys.modules
            if name.startswith(("ansible.plugins.filter.", "ansible.plugins.test.",
                                "ansible_collections.community_scripts.telemetry.plugins.filter."))}


def test_the_jinja_plugins_are_loaded_before_the_workers_fork(monkeypatch):
    # As in Ansible's main process before anything was templated: no filter or test plugin loaded, no loader cache.
    for name in _jinja_plugin_modules():
        monkeypatch.delitem(sys.modules, name)
    filter_loader._clear_caches()
    test_loader._clear_caches()
    _action.load_jinja_plugins_before_fork()
    loaded = _jinja_plugin_modules()
    # ansible-core names these modules after their paths, differently from one release to the next
    assert any(name.startswith("ansible.plugins.filter.") for name in loaded)
    assert any(name.startswith("ansible.plugins.test.") for name in loaded)
    assert {name for name in loaded if name.startswith("ansible_collections.")} >= {
        f"ansible_collections.community_scripts.telemetry.plugins.filter.{name}"
        for name in ("install_outcome", "finish_fields", "explain_exit_code", "proxmox_exit_code", "provision_ready",
                     "provision_attempt")}


def test_jinja_plugins_that_cannot_be_loaded_before_the_fork_are_left_to_the_tasks(monkeypatch):
    said = []

    def broken_loader(*args, **kwargs):
        raise RuntimeError("a broken plugin directory")

    def import_module(name):
        if name.endswith(".proxmox_exit_code"):
            raise ImportError("a broken filter file")
        return real_import(name)

    real_import = _action.importlib.import_module
    monkeypatch.setattr(_action.filter_loader, "get", broken_loader)
    monkeypatch.setattr(_action.importlib, "import_module", import_module)
    monkeypatch.setattr(_action.Display, "vvv", lambda self, message, *args, **kwargs: said.append(message))
    _action.load_jinja_plugins_before_fork()  # no exception, nothing at default verbosity: the task that uses one says why
    assert said == [
        "community_scripts.telemetry: the Jinja plugins are loaded in each worker instead (a broken plugin directory)",
        "community_scripts.telemetry: ansible_collections.community_scripts.telemetry.plugins.filter.proxmox_exit_code"
        " is loaded in each worker instead (a broken filter file)"]
