# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The managed host seen from the controller, for a task delivered from there. PRIVATE to this collection.

What belongs to the host, its consent file and its ``pveversion``, is read on the host by the small
``pve_telemetry_host_facts`` module (Python's standard library only), at most once per host and run.

A reading is kept for the rest of the run as the host fact ``pve_telemetry_host``, one entry per host
read, each sealed with an HMAC under a key that lives only in this ``ansible-playbook`` process (it is
made when the action plugins are loaded, before the workers fork, so every worker of the run shares it).
A fact cache, AWX's fact storage, ``set_fact`` or ``-e`` can hand a task a ``pve_telemetry_host`` too,
but none of them can seal it for this run: an unsealed or foreign entry is never consent, and the host is
read again. The entry is keyed by the host whose file was read, so a delegated task's reading (which
Ansible stores on the inventory host unless ``delegate_facts`` is set) is never taken for another host's.
Whatever the host answers is checked: an answer that is not what the module returns means no consent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re

from ansible.errors import AnsibleConnectionFailure

from ansible_collections.community_scripts.telemetry.plugins.module_utils._consent import HOST_FACT, consent_refusal
from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import TelemetryValueError
from ansible_collections.community_scripts.telemetry.plugins.module_utils._pve_version import PVE_VERSION_NOT_FOUND, usable_pve_version
from ansible_collections.community_scripts.telemetry.plugins.module_utils._tasks import TaskContext

HOST_FACTS_MODULE = "community_scripts.telemetry.pve_telemetry_host_facts"
# This run's sealing key: made once, in the process that loads the action plugins, and inherited by its workers.
_RUN_KEY = os.urandom(32)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MAX_REASON = 500


def seal(host: str, reading: dict) -> str:
    """The seal of one host's reading in this run."""
    message = json.dumps([host, reading], sort_keys=True, separators=(",", ":")).encode("utf-8")
    return hmac.new(_RUN_KEY, message, hashlib.sha256).hexdigest()


def sealed_reading(fact, host: str) -> dict | None:
    """The reading of ``host`` that this run made, from a ``pve_telemetry_host`` fact; None for anything else
    (no fact, a fact of another shape, an entry of an earlier run, of another host, or forged)."""
    entry = fact.get(host) if isinstance(fact, dict) else None
    if not isinstance(entry, dict) or not isinstance(entry.get("seal"), str):
        return None
    reading = {key: value for key, value in entry.items() if key != "seal"}
    return reading if hmac.compare_digest(entry["seal"], seal(host, reading)) else None


def checked_answer(answer, path: str) -> tuple[dict | None, str | None]:
    """The host step's answer as (consent entry, pve_version), or (None, None) if it is not the module's shape.

    A consent entry is ``{"consent": bool, "reason": str | None}``; only the boolean True is consent. A
    ``pve_version`` that is not a version is ``not found``."""
    if not isinstance(answer, dict) or answer.get("diagnostics_file") != path:
        return None, None
    consent, reason = answer.get("consent"), answer.get("reason")
    if not isinstance(consent, bool) or not (reason is None or isinstance(reason, str)) or (not consent and not reason):
        return None, None
    version = answer.get("pve_version")
    return {"consent": consent, "reason": None if consent else _CONTROL.sub("?", reason[:MAX_REASON])}, (
        None if version is None else usable_pve_version(version))


class ControllerContext(TaskContext):
    """The managed host, seen from the controller: its consent and version come from this run's reading of it."""

    def __init__(self, action, params: dict, task_vars: dict):
        self.action = action
        self.params = params
        self.task_vars = task_vars
        self.check_mode = bool(action._task.check_mode)
        self.diff = bool(action._task.diff)
        self.warnings: list = []
        self.owner = self._host_read()
        fact = (task_vars.get("ansible_facts") or {}).get(HOST_FACT)
        self.kept = dict(fact) if isinstance(fact, dict) else {}
        reading = sealed_reading(fact, self.owner) or self._delegated_reading()
        self.reading = reading or {"consent": {}}
        self.learned = False
        self.unread = None

    def _host_read(self) -> str:
        """The host whose files a host step reads: the delegated host, else the inventory host."""
        delegated = self.action._task.delegate_to  # the executor has templated it into the delegated host's name
        if delegated:
            return str(delegated)
        return str(self.task_vars.get("inventory_hostname") or "localhost")

    def _delegated_reading(self) -> dict | None:
        """A delegated host's reading kept on that host itself (a task with delegate_facts: true)."""
        if self.owner == self.task_vars.get("inventory_hostname"):
            return None
        delegated_vars = (self.task_vars.get("ansible_delegated_vars") or {}).get(self.action._task.delegate_to) or {}
        return sealed_reading((delegated_vars.get("ansible_facts") or {}).get(HOST_FACT), self.owner)

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def consent_refusal(self) -> str | None:
        choice = self.params["diagnostics"]
        if choice != "auto":
            return consent_refusal(choice, self.params["diagnostics_file"])
        path = self.params["diagnostics_file"]
        if path not in self.reading["consent"] and self.unread is None:
            self._read_host(pve_version=self.params.get("pve_version") is None and "pve_version" not in self.reading)
        answer = self.reading["consent"].get(path)
        if answer is None:
            return f"the consent file {path} on {self.owner} could not be read: {self.unread}"
        return None if answer["consent"] else answer["reason"]

    def pve_version(self) -> str:
        if "pve_version" not in self.reading and self.unread is None:
            self._read_host(pve_version=True)
        return self.reading.get("pve_version") or PVE_VERSION_NOT_FOUND

    def _read_host(self, pve_version: bool) -> None:
        """The one host step: read the consent file and, when wanted, pveversion, with Python's standard library only.

        Tried once per task: a host that could not answer (``unread``) is not asked again by the same task."""
        path = self.params["diagnostics_file"]
        args = dict(diagnostics_file=path, pve_version=pve_version)
        try:
            answer = self.action._execute_module(module_name=HOST_FACTS_MODULE, module_args=args, task_vars=self.task_vars)
        except AnsibleConnectionFailure as error:
            answer = dict(failed=True, msg=f"the host cannot be reached ({error.message})")
        if not isinstance(answer, dict):
            answer = {}
        if answer.get("failed") and answer.get("option") == "diagnostics_file":
            # The consent file exists and cannot be read: bad input, as the module says on the host.
            raise TelemetryValueError("diagnostics_file", str(answer.get("msg")).split(": ", 1)[-1][:500])
        if answer.get("failed") or answer.get("unreachable"):
            # Nothing is sent without consent, and a host that cannot answer cannot give it.
            self.unread = str(answer.get("msg") or "the host step failed")[:500]
            return
        consent, version = checked_answer(answer, path)
        if consent is None:
            self.unread = "its answer was not what pve_telemetry_host_facts returns, so it counts as no consent"
            self.warn(f"{self.owner} gave an unusable answer to the consent step: nothing is sent for it")
            return
        self.reading["consent"][path] = consent
        if version is not None:
            if version == PVE_VERSION_NOT_FOUND and answer.get("pve_version") != PVE_VERSION_NOT_FOUND:
                self.warn(f"{self.owner} answered a pve_version that is not a version: sent as '{PVE_VERSION_NOT_FOUND}'")
            self.reading["pve_version"] = version
        self.learned = True

    def facts(self) -> dict:
        """This run's sealed reading of the host, to keep as the host fact; empty when nothing new was read."""
        if not self.learned:
            return {}
        kept = {host: self.kept[host] for host in self.kept
                if isinstance(host, str) and host != self.owner and sealed_reading(self.kept, host)}
        kept[self.owner] = dict(self.reading, seal=seal(self.owner, self.reading))
        return {"ansible_facts": {HOST_FACT: kept}}
