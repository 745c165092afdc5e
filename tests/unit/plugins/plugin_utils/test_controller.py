# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The controller delivery's host step: the shell command it runs on the host, run here by a real /bin/sh, and how
its answer is read; this run's sealed reading of a host. No server, no Ansible connection."""

from __future__ import annotations

import os
import subprocess
from types import SimpleNamespace

import pytest

from ansible.errors import AnsibleConnectionFailure

from ansible_collections.community_scripts.telemetry.plugins.module_utils._consent import consent_refusal
from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import TelemetryValueError
from ansible_collections.community_scripts.telemetry.plugins.plugin_utils import _controller
from ansible_collections.community_scripts.telemetry.plugins.plugin_utils._controller import (
    ControllerContext,
    HostStepError,
    host_step_command,
    parse_host_step,
    seal,
    sealed_reading,
)


def run_step(path: str, pve_version: bool = True, bin_dir: str | None = None) -> dict:
    env = dict(os.environ)
    if bin_dir:
        env["PATH"] = f"{bin_dir}:{env['PATH']}"
    done = subprocess.run(["/bin/sh", "-c", host_step_command(str(path), pve_version)], capture_output=True, text=True,
                          env=env, timeout=30, check=False)
    return dict(rc=done.returncode, stdout=done.stdout, stderr=done.stderr)


def read(path, pve_version: bool = True, bin_dir: str | None = None) -> dict:
    return parse_host_step(run_step(path, pve_version, bin_dir), str(path), pve_version)


@pytest.mark.parametrize("text, consent", [
    ("DIAGNOSTICS=yes\n", True),
    ("# opted in\nDIAGNOSTICS='YES'\r\n", True),
    ("DIAGNOSTICS=no\n", False),
    ("DIAGNOSTICS=yes\nDIAGNOSTICS=no\n", False),
    ("", False),
])
def test_the_file_is_judged_as_on_the_host(tmp_path, text, consent):
    path = tmp_path / "diagnostics"
    path.write_text(text)
    answer = read(path)["consent"][str(path)]
    assert answer == {"consent": consent, "reason": consent_refusal("auto", str(path))}


def test_a_missing_file_is_no_consent(tmp_path):
    path = tmp_path / "nothing here"
    answer = read(path)["consent"][str(path)]
    assert answer == {"consent": False, "reason": f"no diagnostics file at {path}: the operator did not opt in"}


@pytest.mark.parametrize("make, why", [
    (lambda path: path.mkdir(), "Is a directory"),
    (os.mkfifo, "not a regular file"),
])
def test_a_file_that_cannot_be_read_is_bad_input(tmp_path, make, why):
    path = tmp_path / "diagnostics"
    make(path)
    with pytest.raises(TelemetryValueError) as raised:
        read(path)  # a FIFO is never opened: this returns at once
    assert raised.value.option == "diagnostics_file"
    assert why in str(raised.value)


def test_a_path_with_shell_characters_is_only_a_path(tmp_path):
    path = tmp_path / "it's $(touch pwned); `x`"
    path.write_text("DIAGNOSTICS=yes\n")
    assert read(path)["consent"][str(path)]["consent"] is True
    assert not (tmp_path / "pwned").exists() and not os.path.exists("pwned")


def test_only_the_head_of_a_big_file_is_read(tmp_path):
    path = tmp_path / "diagnostics"
    path.write_text("#" * (64 * 1024) + "\nDIAGNOSTICS=yes\n")  # past the first 64 KiB, as on the host
    assert read(path)["consent"][str(path)]["consent"] is False


def test_the_version_is_read_only_when_wanted(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    pveversion = bin_dir / "pveversion"
    pveversion.write_text("#!/bin/sh\necho 'pve-manager/8.2.4/faa83925c9641325 (running kernel: 6.8.12-1-pve)'\n")
    pveversion.chmod(0o755)
    path = tmp_path / "diagnostics"
    assert read(path, True, str(bin_dir))["pve_version"] == "8.2.4"
    assert "pve_version" not in read(path, False, str(bin_dir))


def test_no_pveversion_is_not_found(tmp_path):
    path = tmp_path / "diagnostics"  # missing: only the shell's builtins run, so an empty PATH is enough
    done = subprocess.run(["/bin/sh", "-c", host_step_command(str(path), True)], capture_output=True, text=True,
                          env={"PATH": str(tmp_path)}, timeout=30, check=False)
    answer = parse_host_step(dict(rc=done.returncode, stdout=done.stdout, stderr=done.stderr), str(path), True)
    assert answer["pve_version"] == "not found"


@pytest.mark.parametrize("answer", [
    dict(rc=1, stdout="", stderr="sh: permission denied"),
    dict(rc=0, stdout="garbage", stderr=""),
    dict(rc=0, stdout="--pve-telemetry-consent--\nmaybe\n", stderr=""),
    dict(rc=-1, stderr="the host cannot be reached"),
])
def test_an_answer_that_is_not_the_steps_is_no_answer(answer):
    with pytest.raises(HostStepError):
        parse_host_step(answer, "/usr/local/community-scripts/diagnostics", True)


# --- this run's reading: sealed, owned by the host read, never from a cache ----------------------------------

PATH = "/usr/local/community-scripts/diagnostics"
YES = {"consent": {PATH: {"consent": True, "reason": None}}, "pve_version": "8.2.4"}


def step_output(consent_text="DIAGNOSTICS=yes\n", version="pve-manager/8.2.4/abc (running kernel: 6.8)"):
    """What the host step prints for a host with this consent file and pveversion."""
    return {"rc": 0, "stdout": f"--pve-telemetry-version--\n{version}\n--pve-telemetry-consent--\nfile\n{consent_text}",
            "stderr": ""}


class FakeAction:
    """An action plugin whose host step answers what the test says, counting the calls."""

    def __init__(self, answer=None, delegate_to=None):
        self.answer = step_output() if answer is None else answer
        self.calls = 0
        self._task = SimpleNamespace(check_mode=False, diff=False, delegate_to=delegate_to)

    def _low_level_execute_command(self, command, sudoable=True):
        self.calls += 1
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def context(action, fact=None, host="pve1", diagnostics="auto", pve_version=None):
    task_vars = {"inventory_hostname": host}
    if fact is not None:
        task_vars["ansible_facts"] = {"pve_telemetry_host": fact}
    params = dict(diagnostics=diagnostics, diagnostics_file=PATH, pve_version=pve_version)
    return ControllerContext(action, params, task_vars)


def sealed(host, reading):
    return {host: dict(reading, seal=seal(host, reading))}


def test_a_sealed_reading_of_this_run_is_used_without_asking_the_host():
    action = FakeAction()
    ctx = context(action, fact=sealed("pve1", YES))
    assert ctx.consent_refusal() is None
    assert ctx.pve_version() == "8.2.4"
    assert action.calls == 0
    assert ctx.facts() == {}


def test_the_host_is_read_once_and_its_reading_kept_sealed():
    action = FakeAction()
    ctx = context(action)
    assert ctx.consent_refusal() is None
    assert ctx.pve_version() == "8.2.4"
    assert action.calls == 1
    fact = ctx.facts()["ansible_facts"]["pve_telemetry_host"]
    assert sealed_reading(fact, "pve1") == YES
    later = FakeAction(answer=step_output("DIAGNOSTICS=no\n"))
    assert context(later, fact=fact).consent_refusal() is None and later.calls == 0


@pytest.mark.parametrize("fact", [
    {"pve1": dict(YES, seal="0" * 64)},                                 # forged
    {"pve1": dict(YES)},                                                # no seal (set_fact, -e)
    {"pve1": dict(YES, seal=seal("pve2", YES))},                        # another host's seal
    {"pve1": dict(YES, pve_version="9.0.0", seal=seal("pve1", YES))},   # changed after sealing
    [1, 2], "yes", {"pve1": [1]}, {"pve1": {"seal": 5}}, None,          # corrupt
    dict(YES),                                                          # the shape of earlier versions
])
def test_anything_but_this_runs_seal_is_not_consent(fact):
    action = FakeAction(answer=step_output("DIAGNOSTICS=no\n"))
    ctx = context(action, fact=fact)
    assert "does not say DIAGNOSTICS=yes" in ctx.consent_refusal()
    assert action.calls == 1


def test_an_earlier_runs_seal_is_not_consent(monkeypatch):
    fact = sealed("pve1", YES)
    monkeypatch.setattr(_controller, "_RUN_KEY", b"another run" * 3)
    assert sealed_reading(fact, "pve1") is None


def test_a_delegated_reading_belongs_to_the_delegated_host():
    b_says_no = {"consent": {PATH: {"consent": False, "reason": "b says no"}}}
    ctx = context(FakeAction(delegate_to="pve_a"), fact=sealed("pve_b", b_says_no), host="pve_b")
    assert ctx.owner == "pve_a"
    assert ctx.consent_refusal() is None  # a's file, read on a
    fact = ctx.facts()["ansible_facts"]["pve_telemetry_host"]
    assert sealed_reading(fact, "pve_a")["consent"][PATH]["consent"] is True
    assert sealed_reading(fact, "pve_b") == b_says_no  # b's own reading kept as it was
    on_b = context(FakeAction(answer=step_output("DIAGNOSTICS=no\n")), fact=fact, host="pve_b")
    assert on_b.consent_refusal() == "b says no"


@pytest.mark.parametrize("answer", [
    {"rc": 0, "stdout": "consent: yes\n", "stderr": ""},
    {"rc": 0, "stdout": "--pve-telemetry-consent--\nyes\n", "stderr": ""},
    {"rc": 0, "stdout": "", "stderr": ""},
    {"rc": 0, "stdout": "[1, 2]", "stderr": ""},
])
def test_a_lying_host_is_no_consent_and_no_crash(answer):
    ctx = context(FakeAction(answer=answer))
    refusal = ctx.consent_refusal()
    assert refusal and "could not be read" in refusal
    assert ctx.facts() == {}
    assert any("unusable answer" in warning for warning in ctx.warnings)


def test_a_host_version_that_is_no_version_is_not_found_and_said():
    ctx = context(FakeAction(answer=step_output(version="pve-manager/8.2\x1b[31m<script>/abc")))
    assert ctx.consent_refusal() is None
    assert ctx.pve_version() == "not found"
    assert any("not a version" in warning for warning in ctx.warnings)


def test_a_host_error_is_cleaned_of_control_characters():
    ctx = context(FakeAction(answer={"rc": 1, "stdout": "", "stderr": "\x1b[2Jboom"}))
    refusal = ctx.consent_refusal()
    assert "\x1b" not in refusal and "boom" in refusal


def test_an_unreachable_host_is_no_consent_and_asked_once_per_task():
    action = FakeAction(answer=AnsibleConnectionFailure("no route"))
    ctx = context(action)
    assert "cannot be reached" in ctx.consent_refusal()
    assert ctx.pve_version() == "not found"
    assert action.calls == 1


@pytest.mark.parametrize("choice, refused", [("yes", False), ("no", True)])
def test_an_explicit_choice_needs_no_host(choice, refused):
    action = FakeAction()
    assert bool(context(action, diagnostics=choice).consent_refusal()) is refused
    assert action.calls == 0


# --- the task's environment, its modes, and the fact it leaves --------------------------------------------------------

class EnvironmentAction(FakeAction):
    """An action whose task has an C(environment): the host step's command is recorded, then run by a real /bin/sh."""

    def __init__(self, environment: str):
        super().__init__()
        self.environment, self.commands = environment, []

    def _compute_environment_string(self):
        return self.environment

    def _low_level_execute_command(self, command, sudoable=True):
        self.calls += 1
        self.commands.append(command)
        done = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, timeout=30, check=False)
        return dict(rc=done.returncode, stdout=done.stdout, stderr=done.stderr)


def test_the_host_step_runs_in_the_tasks_environment(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "pveversion").write_text("#!/bin/sh\necho 'pve-manager/8.3.1/abc (running kernel: 6.8)'\n")
    (bin_dir / "pveversion").chmod(0o755)
    action = EnvironmentAction(f"PATH={bin_dir}:/usr/bin:/bin")
    ctx = context(action, diagnostics="yes")
    assert ctx.pve_version() == "8.3.1"
    assert action.commands[0].startswith(f"PATH={bin_dir}:/usr/bin:/bin /bin/sh -c ")


def test_without_an_environment_the_host_step_is_the_bare_command():
    action = EnvironmentAction("  ")
    context(action, diagnostics="yes").pve_version()
    assert action.commands == [host_step_command(PATH, True)]


@pytest.mark.parametrize("check_mode, diff", [(False, False), (True, False), (False, True), (True, True)])
def test_check_mode_and_diff_are_the_tasks(check_mode, diff):
    action = FakeAction()
    action._task.check_mode, action._task.diff = check_mode, diff  # pylint: disable=protected-access
    ctx = context(action)
    assert (ctx.check_mode, ctx.diff) == (check_mode, diff)


def test_the_fact_keeps_the_other_hosts_sealed_readings_and_drops_the_rest():
    fact = dict(sealed("pve2", YES), pve3=dict(YES, seal="0" * 64), pve4="corrupt")
    ctx = context(FakeAction(), fact=fact)
    assert ctx.consent_refusal() is None
    kept = ctx.facts()["ansible_facts"]["pve_telemetry_host"]
    assert sorted(kept) == ["pve1", "pve2"]
    assert sealed_reading(kept, "pve2") == YES and sealed_reading(kept, "pve1") == YES
