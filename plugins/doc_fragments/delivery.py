# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # The delivery option, documented once: delivery_argument_spec() in plugins/module_utils/_argspec.py.
    DOCUMENTATION = r"""
options:
  delivery:
    description:
      - Where the HTTP requests to the backend leave from.
      - V(controller) sends them from the Ansible controller, in the worker that runs the task, with no module
        shipped to the host and nothing needed there. Only what belongs to the host is read on the host, at most
        once per host and run, namely the consent file (with O(diagnostics=auto)) and C(pveversion) (when
        O(ignore:pve_version) is not given), by one POSIX shell command, so no Python runs on the host for it. The
        reading is kept as the host fact C(pve_telemetry_host), under the name of the host read (the delegated host
        for a task with C(delegate_to)) and sealed for this run only. A reading from a fact cache, AWX fact storage,
        C(set_fact) or C(-e) is never consent, and the host is read again. O(diagnostics=yes) or V(no) with a given
        O(ignore:pve_version) skips the host entirely. The
        controller needs the C(requests) library, and with it O(ignore:spool_dir) is a directory on the controller,
        shared by every host and fork. A host that cannot be reached for its consent, or whose answer is not the
        module's, sends nothing.
      - V(host) runs the module on the managed host, as a module would, for networks where only the Proxmox VE
        hosts can reach the backend. The host then needs C(requests), and O(ignore:spool_dir) is on the host.
      - E(PVE_TELEMETRY_URL) and E(PVE_TELEMETRY_TOKEN) are read where the request leaves from.
    type: str
    choices: [controller, host]
    default: controller
"""
