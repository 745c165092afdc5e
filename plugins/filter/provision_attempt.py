# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: provision_attempt
short_description: What the provision role keeps and tells of one provisioning attempt
version_added: 0.4.0
author:
  - Community Scripts telemetry maintainers (@community-scripts)
description:
  - Reads an attempt's outcome (the backend's result, as P(community_scripts.telemetry.install_outcome#filter) reads
    it) with the results of its M(community_scripts.telemetry.pve_telemetry_report) and
    M(community_scripts.telemetry.pve_telemetry_update) tasks, and returns the C(provision_telemetry) fact of the
    C(community_scripts.telemetry.provision) role, the attempt's entry in C(provision_telemetry_attempts), and what
    the role tells at the attempt's end.
  - The finish fields are those the update gave (the status the record keeps when a script finished it already),
    else those it would have sent (P(community_scripts.telemetry.finish_fields#filter)).
  - Its inputs are the registered results of the role's own tasks; it is meant for the role and for playbooks that
    wrap an attempt the same way, and follows the role's fact when the role changes.
options:
  _input:
    description: The backend's result, or a mapping with C(rc) and C(msg).
    type: raw
    required: true
  report:
    description: The registered result of the attempt's report.
    type: dict
    required: true
  update:
    description: The registered result of the attempt's update, a skipped one when it did not run.
    type: dict
    required: true
  consent:
    description: Whether the operator consented (the report neither skipped for want of it nor failed).
    type: bool
    required: true
  host:
    description: The host of the attempt.
    type: str
    required: true
  app:
    description: The application provisioned.
    type: str
    required: true
  backend:
    description: The role's backend, named in the message of a backend that broke its contract.
    type: str
    required: true
  continue_on_failure:
    description: Whether a failed attempt lets the play go on.
    type: bool
    default: false
seealso:
  - plugin: community_scripts.telemetry.install_outcome
    plugin_type: filter
  - plugin: community_scripts.telemetry.finish_fields
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Keep what was reported
  ansible.builtin.set_fact:
    provision_telemetry: "{{ attempt.fact }}"
  vars:
    attempt: >-
      {{ install | community_scripts.telemetry.provision_attempt(report=report, update=update, consent=true,
         host=inventory_hostname, app='debian', backend='command') }}
"""

RETURN = r"""
_value:
  description: The attempt.
  type: dict
  contains:
    fact:
      description: >-
        The C(provision_telemetry) fact: C(random_id), C(record_id), C(status), C(exit_code), C(error), C(reported),
        C(spooled), C(consent), and C(message), the update's (else the report's) message, or without consent why.
      type: dict
    attempt:
      description: The fact with the C(host), the C(app) and the C(outcome) (V(done) or V(failed)).
      type: dict
    told:
      description: >-
        What the role tells: C(failed), whether the attempt failed; C(fatal), whether that fails the host (always for
        a broken backend contract, else unless O(continue_on_failure)); C(msg), what it says when it failed (set
        for a success too, where it is not meant to be shown).
      type: dict
"""

from ansible_collections.community_scripts.telemetry.plugins.filter.explain_exit_code import explain_exit_code
from ansible_collections.community_scripts.telemetry.plugins.filter.install_outcome import install_outcome
from ansible_collections.community_scripts.telemetry.plugins.module_utils._payloads import build_finish_body


def fact(outcome: dict, report: dict, update: dict, consent: bool) -> dict:
    """The provision_telemetry fact."""
    finish = update if "status" in update else build_finish_body(outcome["status"], outcome["rc"])
    if consent:
        message = update.get("msg", report.get("msg", ""))
    else:
        message = report.get("skip_reason", report.get("msg", "no consent"))
    return {"random_id": report.get("random_id"), "record_id": update.get("record_id", report.get("record_id")),
            "status": finish["status"], "exit_code": finish["exit_code"], "error": finish["error"],
            "reported": update.get("reported", False), "spooled": bool(report.get("spooled") or update.get("spooled")),
            "consent": consent, "message": message}


def told(outcome: dict, update: dict, app: str, backend: str, continue_on_failure: bool) -> dict:
    """What the role tells at the attempt's end."""
    failed = outcome["rc"] != 0
    if outcome["problem"]:
        msg = f"backend_{backend}.yml broke the backend contract (vars/main.yml): __provision_outcome: {outcome['problem']}"
    else:
        code = update.get("exit_code", outcome["rc"])
        msg = f"Provisioning {app} failed with exit code {code} ({update.get('error', explain_exit_code(code))})"
        msg += "; the play goes on (provision_continue_on_failure)" if continue_on_failure else f": {outcome['msg']}"
    return {"failed": failed, "fatal": bool(outcome["problem"]) or (failed and not continue_on_failure), "msg": msg}


def provision_attempt(result, report, update, consent, host, app, backend, continue_on_failure=False) -> dict:
    outcome = install_outcome(result)
    kept = fact(outcome, report, update, bool(consent))
    return {"fact": kept, "attempt": dict({"host": host, "app": app, "outcome": outcome["status"]}, **kept),
            "told": told(outcome, update, app, backend, bool(continue_on_failure))}


class FilterModule:
    def filters(self):
        return {"provision_attempt": provision_attempt}
