# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The managed host seen from the controller, for a task delivered from there. PRIVATE to this collection.

What belongs to the host, its consent file and its ``pveversion``, is read on the host by the small
``pve_telemetry_host_facts`` module (Python's standard library only), once per host: the answer is kept as
the host fact ``pve_telemetry_host`` and later tasks read it from there.
"""

from __future__ import annotations

from ansible.errors import AnsibleConnectionFailure

from ansible_collections.community_scripts.telemetry.plugins.module_utils._consent import HOST_FACT, consent_refusal
from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import TelemetryValueError
from ansible_collections.community_scripts.telemetry.plugins.module_utils._pve_version import PVE_VERSION_NOT_FOUND
from ansible_collections.community_scripts.telemetry.plugins.module_utils._tasks import TaskContext

HOST_FACTS_MODULE = "community_scripts.telemetry.pve_telemetry_host_facts"


class ControllerContext(TaskContext):
    """The managed host, seen from the controller: its consent and version come from the host fact, or one host step."""

    def __init__(self, action, params: dict, task_vars: dict):
        self.action = action
        self.params = params
        self.task_vars = task_vars
        self.check_mode = bool(action._task.check_mode)
        self.diff = bool(action._task.diff)
        self.warnings: list = []
        self.host_facts = dict((task_vars.get("ansible_facts") or {}).get(HOST_FACT) or {})
        self.host_facts["consent"] = dict(self.host_facts.get("consent") or {})
        self.learned = False

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def consent_refusal(self) -> str | None:
        choice = self.params["diagnostics"]
        if choice != "auto":
            return consent_refusal(choice, self.params["diagnostics_file"])
        path = self.params["diagnostics_file"]
        if path not in self.host_facts["consent"] and "unread" not in self.host_facts:
            self._read_host(pve_version=self.params.get("pve_version") is None and "pve_version" not in self.host_facts)
        answer = self.host_facts["consent"].get(path)
        if answer is None:
            return f"the consent file {path} could not be read: {self.host_facts.get('unread')}"
        return None if answer["consent"] else answer["reason"]

    def pve_version(self) -> str:
        if "pve_version" not in self.host_facts and "unread" not in self.host_facts:
            self._read_host(pve_version=True)
        return self.host_facts.get("pve_version") or PVE_VERSION_NOT_FOUND

    def _read_host(self, pve_version: bool) -> None:
        """The one host step: read the consent file and, when wanted, pveversion, with Python's standard library only.

        Tried once per task: a host that could not answer (``unread``) is not asked again by the same task."""
        args = dict(diagnostics_file=self.params["diagnostics_file"], pve_version=pve_version)
        try:
            answer = self.action._execute_module(module_name=HOST_FACTS_MODULE, module_args=args, task_vars=self.task_vars)
        except AnsibleConnectionFailure as error:
            answer = dict(failed=True, msg=f"the host cannot be reached ({error.message})")
        if answer.get("failed") and answer.get("option"):
            # The consent file exists and cannot be read: bad input, as the module says on the host.
            raise TelemetryValueError(answer["option"], str(answer.get("msg")).split(": ", 1)[-1])
        if answer.get("failed") or answer.get("unreachable"):
            # Nothing is sent without consent, and a host that cannot answer cannot give it.
            self.host_facts["unread"] = answer.get("msg", "the host step failed")
            return
        read = answer["ansible_facts"][HOST_FACT]
        self.host_facts["consent"].update(read.get("consent", {}))
        if "pve_version" in read:
            self.host_facts["pve_version"] = read["pve_version"]
        self.learned = True

    def facts(self) -> dict:
        """What the host step learned, to keep as the host fact; empty when nothing new was read."""
        if not self.learned:
            return {}
        kept = {key: value for key, value in self.host_facts.items() if key != "unread"}
        return {"ansible_facts": {HOST_FACT: kept}}
