# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The managed host seen from the controller, for a task delivered from there. PRIVATE to this collection.

What belongs to the host, its consent file and its ``pveversion``, is read on the host by one POSIX shell
command, at most once per host and run: no module is shipped and no Python starts there (a module run would
cost as much as the provisioning command it describes). The file is judged on the controller by the same code
as on the host (``_consent``), so whatever the host prints can only be a consent file's text or a version.

A reading is kept for the rest of the run as the host fact ``pve_telemetry_host``, one entry per host
read, each sealed with an HMAC under a key that lives only in this ``ansible-playbook`` process (it is
made when the action plugins are loaded, before the workers fork, so every worker of the run shares it).
A fact cache, AWX's fact storage, ``set_fact`` or ``-e`` can hand a task a ``pve_telemetry_host`` too,
but none of them can seal it for this run: an unsealed or foreign entry is never consent, and the host is
read again. The entry is keyed by the host whose file was read, so a delegated task's reading (which
Ansible stores on the inventory host unless ``delegate_facts`` is set) is never taken for another host's.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import json
import os
import re
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

# This run's sealing key: made once, in the process that loads the action plugins, and inherited by its workers.
_RUN_KEY = os.urandom(32)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

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
        output = head.partition(_VERSION_MARK + "\n")[2]
        read["pve_version"] = parse_pveversion(output)
        # pveversion printed something that is no version: said by the caller, never sent.
        read["unusable_version"] = bool(output.strip()) and read["pve_version"] == PVE_VERSION_NOT_FOUND
    return read


# The states of the consent file the host step prints: None when it was read or is missing, else why it cannot be.
_CONSENT_STATES = {"file": None, "missing": None, "unreadable": os.strerror(errno.EACCES),
                   "directory": os.strerror(errno.EISDIR), "special": NOT_A_REGULAR_FILE}


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
        """The one host step: read the consent file and, when wanted, pveversion, with one shell command.

        Tried once per task: a host that could not answer (``unread``) is not asked again by the same task."""
        path = self.params["diagnostics_file"]
        try:
            answer = self.action._low_level_execute_command(self._with_task_environment(host_step_command(path, pve_version)),
                                                            sudoable=True)
        except AnsibleConnectionFailure as error:
            answer = dict(rc=-1, stderr=f"the host cannot be reached ({error.message})")
        try:
            read = parse_host_step(answer, path, pve_version)
        except HostStepError as error:
            # Nothing is sent without consent, and a host that cannot answer cannot give it.
            self.unread = _CONTROL.sub("?", str(error))
            if answer.get("rc") == 0:
                self.warn(f"{self.owner} gave an unusable answer to the consent step ({error}): nothing is sent for it")
            return
        self.reading["consent"].update(read["consent"])
        if "pve_version" in read:
            if read.pop("unusable_version"):
                self.warn(f"{self.owner} answered a pveversion that is not a version: sent as '{PVE_VERSION_NOT_FOUND}'")
            self.reading["pve_version"] = read["pve_version"]
        self.learned = True

    def _with_task_environment(self, command: str) -> str:
        """The host step in the task's C(environment), as a module of the task would run (a PATH to pveversion)."""
        try:
            environment = self.action._compute_environment_string()
        except (AttributeError, TypeError):  # no connection shell to compute it for
            environment = ""
        return f"{environment} /bin/sh -c {shlex.quote(command)}" if environment.strip() else command

    def facts(self) -> dict:
        """This run's sealed reading of the host, to keep as the host fact; empty when nothing new was read."""
        if not self.learned:
            return {}
        kept = {host: self.kept[host] for host in self.kept
                if isinstance(host, str) and host != self.owner and sealed_reading(self.kept, host)}
        kept[self.owner] = dict(self.reading, seal=seal(self.owner, self.reading))
        return {"ansible_facts": {HOST_FACT: kept}}
