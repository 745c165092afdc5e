# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: proxmox_exit_code
short_description: The community-scripts exit code that a Proxmox VE error message means
version_added: 0.1.0
author:
  - Community Scripts telemetry maintainers (@community-scripts)
description:
  - Maps the error of a failed container or VM creation, as the community.proxmox modules report it,
    to the exit code the community scripts use for it.
  - CTID or VMID in use is V(206), cluster not quorate V(210), not enough storage space V(214),
    storage not accessible V(217), template missing V(225).
  - Any other failure is V(209) (container creation failed) for an LXC container and V(1) for a VM.
options:
  _input:
    description: The error message.
    type: str
    required: true
  kind:
    description: What was being created.
    type: str
    choices: [lxc, vm]
    default: lxc
seealso:
  - plugin: community_scripts.telemetry.explain_exit_code
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Map a Proxmox VE error
  ansible.builtin.debug:
    msg: "{{ 'unable to create CT 100 - no space left on device' | community_scripts.telemetry.proxmox_exit_code }}"
  # => 214
"""

RETURN = r"""
_value:
  description: The exit code.
  type: int
"""

from ansible_collections.community_scripts.telemetry.plugins.module_utils._proxmox_errors import exit_code_for_proxmox_error


def proxmox_exit_code(message, kind="lxc") -> int:
    return exit_code_for_proxmox_error(str(message), kind)


class FilterModule:
    def filters(self):
        return {"proxmox_exit_code": proxmox_exit_code}
