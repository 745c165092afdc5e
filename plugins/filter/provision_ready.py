# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: provision_ready
short_description: Whether a provision role backend has what it needs, else an error that names what it lacks
version_added: 0.4.0
author:
  - Community Scripts telemetry maintainers (@community-scripts)
description:
  - Returns V(true) when the backend of the C(community_scripts.telemetry.provision) role has all it needs, and
    fails with an error that names each unmet need otherwise, in the role's variable names
    (C(provision_backend=command needs a provision_command), say).
  - The V(command) backend needs a command, the V(tasks) backend a tasks file, and the V(proxmox) backend an API
    mapping with a defined C(api_host), a node, and for an LXC container an OS template.
  - It never returns V(false); an unmet need fails the task that templates it.
  - The role checks its backend with it before anything is sent or provisioned.
options:
  _input:
    description: The backend.
    type: str
    required: true
    choices: [command, tasks, proxmox]
  type:
    description: What is provisioned.
    type: str
    default: lxc
    choices: [lxc, vm]
  command:
    description: The command of the V(command) backend, a string or a list.
    type: raw
  tasks_file:
    description: The tasks file of the V(tasks) backend.
    type: str
  proxmox_api:
    description: The connection of the V(proxmox) backend, a mapping.
    type: dict
  proxmox_node:
    description: The node of the V(proxmox) backend.
    type: str
  proxmox_ostemplate:
    description: The OS template of an LXC container made by the V(proxmox) backend.
    type: str
seealso:
  - plugin: community_scripts.telemetry.provision_attempt
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Report the install only when the backend has what it needs (else the task fails, naming what it lacks)
  community_scripts.telemetry.pve_telemetry_report:
    url: http://127.0.0.1:8090
    nsapp: debian
  when: >-
    provision_backend | community_scripts.telemetry.provision_ready(type=provision_type, command=provision_command,
    tasks_file=provision_tasks_file, proxmox_api=provision_proxmox_api, proxmox_node=provision_proxmox_node,
    proxmox_ostemplate=provision_proxmox_ostemplate)
  # provision_backend=command needs a provision_command
"""

RETURN = r"""
_value:
  description: V(true); an unmet need is an error instead.
  type: bool
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError


def has_api_host(proxmox_api) -> bool:
    """Whether the API mapping has an api_host that is defined (a template of an undefined variable is not)."""
    if not isinstance(proxmox_api, Mapping) or "api_host" not in proxmox_api:
        return False
    try:
        proxmox_api["api_host"]  # pylint: disable=pointless-statement
    except Exception:  # pylint: disable=broad-exception-caught
        return False
    return True


def unmet_needs(backend, type="lxc", command=None, tasks_file=None, proxmox_api=None, proxmox_node=None,
                proxmox_ostemplate=None) -> list:
    """Each need of the backend that is not met, in the role's words."""
    needs = {
        "command": {"a provision_command": bool(command)},
        "tasks": {"a provision_tasks_file": bool(tasks_file)},
        "proxmox": {"provision_proxmox_api with an api_host": has_api_host(proxmox_api),
                    "a provision_proxmox_node": bool(proxmox_node),
                    "a provision_proxmox_ostemplate for an LXC container": type == "vm" or bool(proxmox_ostemplate)},
    }
    if backend not in needs:
        return [f"to be one of {', '.join(needs)}"]
    return [need for need, met in needs[backend].items() if not met]


def provision_ready(backend, **settings) -> bool:
    unmet = unmet_needs(backend, **settings)
    if unmet:
        raise AnsibleFilterError(f"provision_backend={backend} needs {' and '.join(unmet)}")
    return True


class FilterModule:
    def filters(self):
        return {"provision_ready": provision_ready}
