# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: explain_exit_code
short_description: Explain an install's exit code as the community-scripts telemetry does
version_added: 0.1.0
author:
  - Community Scripts telemetry maintainers (@community-scripts)
description:
  - "Returns the human explanation of an exit code that the telemetry contract sends in a record's C(error) field,
    for example V(Proxmox: Not enough storage space) for V(214)."
  - A code not in the contract's table is explained as V(Unknown error).
  - The code is normalised as M(community_scripts.telemetry.pve_telemetry_update) normalises its
    O(community_scripts.telemetry.pve_telemetry_update#module:exit_code) option.
    A whole number >= 0 is kept, anything else counts as V(1).
options:
  _input:
    description: The exit code, as a number or a string of digits.
    type: raw
    required: true
seealso:
  - module: community_scripts.telemetry.pve_telemetry_update
"""

EXAMPLES = r"""
- name: Explain a failed install
  ansible.builtin.debug:
    msg: "{{ 214 | community_scripts.telemetry.explain_exit_code }}"
  # => "Proxmox: Not enough storage space"

- name: Explain the return code of a command
  ansible.builtin.debug:
    msg: "{{ install.rc | community_scripts.telemetry.explain_exit_code }}"
"""

RETURN = r"""
_value:
  description: The explanation of the exit code.
  type: str
"""

from ansible_collections.community_scripts.telemetry.plugins.module_utils._exit_codes import explain_exit_code as explain
from ansible_collections.community_scripts.telemetry.plugins.module_utils._payloads import normalise_exit_code


def explain_exit_code(code) -> str:
    return explain(normalise_exit_code(code))


class FilterModule:
    def filters(self):
        return {"explain_exit_code": explain_exit_code}
