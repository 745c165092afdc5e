# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The managed host seen from the controller, for a task delivered from there. PRIVATE to this collection.

What belongs to the host, its consent file and its ``pveversion``, is read on the host by one POSIX shell
command, once per host: no module is shipped and no Python starts there (a module run would cost as much as
the provisioning command it describes). The file is judged on the controller by the same code as on the
host (``_consent``), and the answer is kept as the host fact ``pve_telemetry_host``, as
``pve_telemetry_host_facts`` keeps it; later tasks read it from there.
"""

from __future__ import annotations

import errno
import os
import shlex

from ansible.errors import AnsibleConnectionFailure

from ansible_collections.community_scripts.telemetry.plugins.module_utils._consent import (
    HOST_FACT,
    MAX_CONSENT_FILE_SIZE,
    NOT_A_REGULAR_FILE,
    consent_refusal,
    file_refusal,
    unreadable,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._pve_version import PVE_VERSION_NOT_FOUND, parse_pveversion
from ansible_collections.community_scripts.telemetry.plugins.module_utils._tasks import TaskContext

# The answer of the host step, one marker line before each part.
_VERSION_MARK = "--pve-telemetry-version--"
_CONSENT_MARK = "--pve-telemetry-consent--"


class HostStepError(Exception):
    """The host step gave no usable answer."""


def host_step_command(path: str, pve_version: bool) -> str:
    """One POSIX shell command that prints the host's pveversion (when wanted) and the state and head of the consent
    file. Only a regular file is read, and only its first 64 KiB: a FIFO or a device is never opened."""
    quoted = shlex.quote(path)
    version = (f"printf '%s\\n' {_VERSION_MARK}; if command -v pveversion >/dev/null 2>&1; "
               "then pveversion 2>/dev/null || true; fi; " if pve_version else "")
    return (f"{version}printf '%s\\n' {_CONSENT_MARK}; "
            f"if [ -f {quoted} ]; then if [ -r {quoted} ]; then echo file; head -c {MAX_CONSENT_FILE_SIZE} {quoted}; "
            f"else echo unreadable; fi; elif [ -d {quoted} ]; then echo directory; "
            f"elif [ -e {quoted} ]; then echo special; else echo missing; fi")


def parse_host_step(answer: dict, path: str, pve_version: bool) -> dict:
    """What the host step read: ``consent`` for the file, as pve_telemetry_host_facts keeps it, and ``pve_version``.

    An unreadable consent file raises TelemetryValueError for O(diagnostics_file), as on the host; an answer that
    is not the step's raises HostStepError."""
    if answer.get("rc") != 0:
        raise HostStepError((answer.get("stderr") or answer.get("stdout") or "the host step failed").strip()[:500])
    out = answer.get("stdout") or ""
    head, mark, tail = out.partition(_CONSENT_MARK + "\n")
    state, dummy, text = tail.partition("\n")
    if not mark or state not in _CONSENT_STATES:
        raise HostStepError("the host's answer is not the host step's")
    why = _CONSENT_STATES[state]
    if why:
        raise unreadable(path, why)
    refusal = file_refusal(path, text if state == "file" else None)
    read = {"consent": {path: {"consent": refusal is None, "reason": refusal}}}
    if pve_version:
        read["pve_version"] = parse_pveversion(head.partition(_VERSION_MARK + "\n")[2])
    return read


# The states of the consent file the host step prints: None when it was read or is missing, else why it cannot be.
_CONSENT_STATES = {"file": None, "missing": None, "unreadable": os.strerror(errno.EACCES),
                   "directory": os.strerror(errno.EISDIR), "special": NOT_A_REGULAR_FILE}


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
        """The one host step: read the consent file and, when wanted, pveversion, with one shell command.

        Tried once per task: a host that could not answer (``unread``) is not asked again by the same task."""
        path = self.params["diagnostics_file"]
        try:
            answer = self.action._low_level_execute_command(host_step_command(path, pve_version), sudoable=True)
        except AnsibleConnectionFailure as error:
            answer = dict(rc=-1, stderr=f"the host cannot be reached ({error.message})")
        try:
            read = parse_host_step(answer, path, pve_version)
        except HostStepError as error:
            # Nothing is sent without consent, and a host that cannot answer cannot give it.
            self.host_facts["unread"] = str(error)
            return
        self.host_facts["consent"].update(read["consent"])
        if "pve_version" in read:
            self.host_facts["pve_version"] = read["pve_version"]
        self.learned = True

    def facts(self) -> dict:
        """What the host step learned, to keep as the host fact; empty when nothing new was read."""
        if not self.learned:
            return {}
        kept = {key: value for key, value in self.host_facts.items() if key != "unread"}
        return {"ansible_facts": {HOST_FACT: kept}}
