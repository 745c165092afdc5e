# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A telemetry task run as a module on the managed host (O(delivery=host)):
the host side of ``_tasks.TaskContext``, and how the module ends.
PRIVATE to this collection.
"""

from __future__ import annotations

from typing import Callable, NoReturn

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.community_scripts.telemetry.plugins.module_utils._client import HAS_REQUESTS, REQUESTS_IMPORT_ERROR
from ansible_collections.community_scripts.telemetry.plugins.module_utils._consent import consent_refusal
from ansible_collections.community_scripts.telemetry.plugins.module_utils._pve_version import detect_pve_version
from ansible_collections.community_scripts.telemetry.plugins.module_utils._tasks import TaskContext


class ModuleContext(TaskContext):
    """The managed host, seen from the module running on it."""

    def __init__(self, module: AnsibleModule):
        self.module = module
        self.check_mode = module.check_mode
        self.diff = module._diff

    def warn(self, message: str) -> None:
        self.module.warn(message)

    def consent_refusal(self) -> str | None:
        return consent_refusal(self.module.params["diagnostics"], self.module.params["diagnostics_file"])

    def pve_version(self) -> str:
        return detect_pve_version(self.module)


def run_module(argument_spec: dict, run: Callable[[dict, TaskContext], dict], needs_requests: bool = True) -> NoReturn:
    """Run one telemetry task as a module: validate the options, do the task, and end with its result."""
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    if needs_requests and not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR, error_kind="missing_library")
    result = run(module.params, ModuleContext(module))
    if result.pop("failed", False):
        module.fail_json(**result)
    module.exit_json(**result)
