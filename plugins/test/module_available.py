# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: module_available
short_description: Whether Ansible on the controller finds a module or action, for example of an optional collection
version_added: 0.2.0
author:
  - Community Scripts telemetry maintainers (@community-scripts)
description:
  - True when the controller resolves the name to a module or action plugin, as a task naming it would, through the
    configured collection paths (E(ANSIBLE_COLLECTIONS_PATH), the collections beside the playbook, and Python's
    C(sys.path)) and the collections' redirects.
  - False when the module's collection is not installed, has no such module, or has removed it; without a warning.
  - The provision role asks it before it includes the tasks of its V(proxmox) backend, whose collection,
    C(community.proxmox), is optional; a task naming a module Ansible cannot find would end the whole play.
  - It looks on the controller only. Python libraries that the module needs where it runs (such as C(proxmoxer))
    are not checked.
options:
  _input:
    description: The fully qualified name of the module, for example V(community.proxmox.proxmox).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Say whether the proxmox backend can run here
  ansible.builtin.debug:
    msg: "{{ 'community.proxmox.proxmox' is community_scripts.telemetry.module_available }}"
"""

RETURN = r"""
_value:
  description: Whether the module resolves on the controller.
  type: bool
"""

import importlib.util

from ansible.errors import AnsibleError, AnsibleFilterError
from ansible.plugins.loader import module_loader


def module_available(name) -> bool:
    if not isinstance(name, str) or not name:
        raise AnsibleFilterError(f"module_available: expects a module's name, got {name!r}")
    parts = name.split(".")
    if len(parts) >= 3:
        # A collection that is not installed at all: the plugin loader would warn ("Error loading plugin"), so ask first.
        try:
            if importlib.util.find_spec(f"ansible_collections.{parts[0]}.{parts[1]}") is None:
                return False
        except (ImportError, ValueError):
            return False
    try:
        return bool(module_loader.find_plugin_with_context(name).resolved)
    except AnsibleError:  # removed (a tombstone in the collection's meta/runtime.yml), or a redirect loop
        return False


class TestModule:
    def tests(self):
        return {"module_available": module_available}
