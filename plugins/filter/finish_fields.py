# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: finish_fields
short_description: The status, exit code and error a finished community-scripts telemetry record carries
version_added: 0.2.0
author:
  - Community Scripts telemetry maintainers (@community-scripts)
description:
  - Returns the C(status), C(exit_code) and C(error) fields that M(community_scripts.telemetry.pve_telemetry_update)
    sends for an outcome, with the contract's status mapping and exit-code rule, without sending anything.
  - V(done), V(success) and V(sucess) become C(sucess) with exit code 0 and no error; V(failed) becomes C(failed),
    anything else C(unknown), with the exit code (a whole number >= 0, else 1) and its explanation.
options:
  _input:
    description: The outcome, in the words of O(community_scripts.telemetry.pve_telemetry_update#module:status).
    type: str
    required: true
  exit_code:
    description: The exit code of a failed install.
    type: raw
seealso:
  - module: community_scripts.telemetry.pve_telemetry_update
  - plugin: community_scripts.telemetry.explain_exit_code
    plugin_type: filter
"""

EXAMPLES = r"""
- name: What the record of a failed install will say
  ansible.builtin.debug:
    msg: "{{ 'failed' | community_scripts.telemetry.finish_fields(214) }}"
  # => {"status": "failed", "exit_code": 214, "error": "Proxmox: Not enough storage space"}
"""

RETURN = r"""
_value:
  description: The finish fields of the record.
  type: dict
  contains:
    status:
      description: C(sucess), C(failed) or C(unknown).
      type: str
    exit_code:
      description: The exit code sent.
      type: int
    error:
      description: The explanation of the exit code, empty for a success.
      type: str
"""

from ansible_collections.community_scripts.telemetry.plugins.module_utils._payloads import build_finish_body


def finish_fields(status, exit_code=None) -> dict:
    return build_finish_body(str(status), exit_code)


class FilterModule:
    def filters(self):
        return {"finish_fields": finish_fields}
