# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The provision_attempt filter: the provision role's fact, attempt entry and last words for one attempt."""

from __future__ import annotations

import pytest

from ansible_collections.community_scripts.telemetry.plugins.filter.provision_attempt import FilterModule

RANDOM_ID = "7f1e2d3c-0000-4000-8000-000000000001"
REPORT = {"random_id": RANDOM_ID, "record_id": "r1", "reported": True, "spooled": False, "msg": "reported"}
SKIPPED = {"changed": False, "skipped": True, "skip_reason": "Conditional result was False"}


@pytest.fixture
def attempt():
    filter_ = FilterModule().filters()["provision_attempt"]

    def call(result, report=None, update=None, consent=True, continue_on_failure=False):
        return filter_(result, report=REPORT if report is None else report, update=SKIPPED if update is None else update,
                       consent=consent, host="pve1", app="debian", backend="command",
                       continue_on_failure=continue_on_failure)
    return call


def test_a_finished_success_keeps_the_update_s_fields(attempt):
    update = {"status": "sucess", "exit_code": 0, "error": "", "record_id": "r1", "reported": True, "msg": "finished"}
    got = attempt({"rc": 0, "stderr": ""}, update=update)
    assert got["fact"] == {"random_id": RANDOM_ID, "record_id": "r1", "status": "sucess", "exit_code": 0, "error": "",
                           "reported": True, "spooled": False, "consent": True, "message": "finished"}
    assert got["attempt"] == dict(got["fact"], host="pve1", app="debian", outcome="done")
    assert (got["told"]["failed"], got["told"]["fatal"]) == (False, False)


def test_the_update_s_status_wins_when_a_script_finished_the_record_already(attempt):
    update = {"status": "failed", "exit_code": 214, "error": "Proxmox: Not enough storage space", "reported": False}
    got = attempt({"rc": 0, "stderr": ""}, update=update)
    assert (got["fact"]["status"], got["fact"]["exit_code"], got["attempt"]["outcome"]) == ("failed", 214, "done")


def test_without_consent_the_fact_says_why_and_what_would_have_been_sent(attempt):
    report = {"random_id": RANDOM_ID, "skipped": True, "skip_reason": "diagnostics=no"}
    got = attempt({"rc": 214, "stderr": "no space"}, report=report, consent=False)
    assert got["fact"] == {"random_id": RANDOM_ID, "record_id": None, "status": "failed", "exit_code": 214,
                           "error": "Proxmox: Not enough storage space", "reported": False, "spooled": False,
                           "consent": False, "message": "diagnostics=no"}
    assert got["told"] == {"failed": True, "fatal": True,
                           "msg": "Provisioning debian failed with exit code 214 (Proxmox: Not enough storage space): no space"}


def test_a_failure_the_play_goes_on_after_is_told_but_not_fatal(attempt):
    update = {"status": "failed", "exit_code": 5, "error": "Unknown error", "reported": True}
    got = attempt({"rc": 5, "stderr": "boom"}, update=update, continue_on_failure=True)
    assert got["told"] == {"failed": True, "fatal": False, "msg": "Provisioning debian failed with exit code 5"
                           " (Unknown error); the play goes on (provision_continue_on_failure)"}


@pytest.mark.parametrize("continue_on_failure", [False, True])
def test_a_broken_backend_contract_always_fails_the_host(attempt, continue_on_failure):
    got = attempt({"stdout": "no rc"}, continue_on_failure=continue_on_failure)
    assert got["told"]["fatal"] is True and got["told"]["failed"] is True
    assert got["told"]["msg"].startswith("backend_command.yml broke the backend contract (vars/main.yml): __provision_outcome: ")
    assert (got["fact"]["status"], got["fact"]["exit_code"]) == ("failed", 1)


def test_a_spooled_report_or_update_counts_as_spooled(attempt):
    assert attempt({"rc": 0, "stderr": ""}, report=dict(REPORT, spooled=True))["fact"]["spooled"] is True
    update = {"status": "sucess", "exit_code": 0, "error": "", "spooled": True}
    assert attempt({"rc": 0, "stderr": ""}, update=update)["fact"]["spooled"] is True
