# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The controller's view of a host: this run's sealed reading, and the checks of what a host answers."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ansible.errors import AnsibleConnectionFailure

from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import TelemetryValueError
from ansible_collections.community_scripts.telemetry.plugins.plugin_utils import _controller
from ansible_collections.community_scripts.telemetry.plugins.plugin_utils._controller import (
    ControllerContext,
    checked_answer,
    seal,
    sealed_reading,
)

PATH = "/usr/local/community-scripts/diagnostics"
YES = {"consent": {PATH: {"consent": True, "reason": None}}, "pve_version": "8.2.4"}
GOOD_ANSWER = {"changed": False, "diagnostics_file": PATH, "consent": True, "reason": None, "pve_version": "8.2.4"}


class FakeAction:
    """An action plugin whose host step answers what the test says, counting the calls."""

    def __init__(self, answer=GOOD_ANSWER, delegate_to=None):
        self.answer = answer
        self.calls = 0
        self._task = SimpleNamespace(check_mode=False, diff=False, delegate_to=delegate_to)

    def _execute_module(self, module_name, module_args, task_vars):
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
    # The next task of the run reads the fact, not the host.
    later = FakeAction(answer={"consent": False})
    assert context(later, fact=fact).consent_refusal() is None and later.calls == 0


@pytest.mark.parametrize("fact", [
    {"pve1": dict(YES, seal="0" * 64)},                        # forged
    {"pve1": dict(YES)},                                       # no seal (set_fact, -e)
    {"pve1": dict(YES, seal=seal("pve2", YES))},               # another host's seal
    {"pve1": dict(YES, pve_version="9.0.0", seal=seal("pve1", YES))},  # changed after sealing
    [1, 2], "yes", {"pve1": [1]}, {"pve1": {"seal": 5}}, None,  # corrupt
])
def test_anything_but_this_runs_seal_is_not_consent(fact):
    action = FakeAction(answer=dict(GOOD_ANSWER, consent=False, reason="no file"))
    ctx = context(action, fact=fact)
    assert ctx.consent_refusal() == "no file"
    assert action.calls == 1


def test_an_earlier_runs_seal_is_not_consent(monkeypatch):
    fact = sealed("pve1", YES)
    monkeypatch.setattr(_controller, "_RUN_KEY", b"another run" * 3)
    assert sealed_reading(fact, "pve1") is None


def test_a_delegated_reading_belongs_to_the_delegated_host():
    action = FakeAction(delegate_to="pve_a")
    ctx = context(action, fact=sealed("pve_b", {"consent": {PATH: {"consent": False, "reason": "b says no"}}}), host="pve_b")
    assert ctx.owner == "pve_a"
    assert ctx.consent_refusal() is None  # a's file, read on a
    fact = ctx.facts()["ansible_facts"]["pve_telemetry_host"]
    assert sealed_reading(fact, "pve_a")["consent"][PATH]["consent"] is True
    assert sealed_reading(fact, "pve_b")["consent"][PATH]["consent"] is False  # b's own reading kept as it was
    # On b itself, a's reading is not b's consent.
    assert context(FakeAction(answer=dict(GOOD_ANSWER, consent=False, reason="b says no")), fact=fact,
                   host="pve_b").consent_refusal() == "b says no"


@pytest.mark.parametrize("answer", [
    dict(GOOD_ANSWER, consent="no"), dict(GOOD_ANSWER, consent="yes"), dict(GOOD_ANSWER, consent=[1, 2]),
    dict(GOOD_ANSWER, consent=1), {}, [1, 2], "yes", None, dict(GOOD_ANSWER, diagnostics_file="/elsewhere"),
    dict(GOOD_ANSWER, consent=False, reason=None), dict(GOOD_ANSWER, consent=False, reason=["x"]),
])
def test_a_lying_host_is_no_consent_and_no_crash(answer):
    action = FakeAction(answer=answer)
    ctx = context(action)
    refusal = ctx.consent_refusal()
    assert refusal and "could not be read" in refusal
    assert ctx.facts() == {}
    assert any("unusable answer" in warning for warning in ctx.warnings)


def test_a_host_version_that_is_no_version_is_not_found_and_said():
    ctx = context(FakeAction(answer=dict(GOOD_ANSWER, pve_version="8.2\x1b[31m<script>")))
    assert ctx.consent_refusal() is None
    assert ctx.pve_version() == "not found"
    assert any("not a version" in warning for warning in ctx.warnings)


def test_a_reason_is_cut_and_cleaned():
    consent, dummy = checked_answer(dict(GOOD_ANSWER, consent=False, reason="\x1b[2Jno" + "x" * 1000), PATH)
    assert consent["consent"] is False and "\x1b" not in consent["reason"] and len(consent["reason"]) == 500


def test_an_unreachable_host_is_no_consent_and_asked_once_per_task():
    action = FakeAction(answer=AnsibleConnectionFailure("no route"))
    ctx = context(action)
    assert "cannot be reached" in ctx.consent_refusal()
    assert ctx.pve_version() == "not found"
    assert action.calls == 1


def test_an_unreadable_consent_file_is_bad_input_for_diagnostics_file():
    ctx = context(FakeAction(answer={"failed": True, "option": "diagnostics_file", "msg": "diagnostics_file: cannot read x"}))
    with pytest.raises(TelemetryValueError) as error:
        ctx.consent_refusal()
    assert error.value.option == "diagnostics_file"


@pytest.mark.parametrize("choice, refused", [("yes", False), ("no", True)])
def test_an_explicit_choice_needs_no_host(choice, refused):
    action = FakeAction()
    assert bool(context(action, diagnostics=choice).consent_refusal()) is refused
    assert action.calls == 0
