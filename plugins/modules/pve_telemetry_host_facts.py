#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: pve_telemetry_host_facts
short_description: Read what community-scripts telemetry needs from a host, its consent and its Proxmox VE version
version_added: 0.2.0
description:
  - Reads the operator's consent file and the output of C(pveversion) on the host, and keeps both as the host fact
    C(pve_telemetry_host). Sends nothing, and needs nothing on the host beyond Python's standard library.
  - The telemetry modules read the same once per host by themselves, with one shell command, when they deliver
    from the controller (O(community_scripts.telemetry.pve_telemetry_report#module:delivery=controller), the
    default) and need the consent file (O(community_scripts.telemetry.pve_telemetry_report#module:diagnostics=auto))
    or the version, and keep it in the same fact; later telemetry tasks on that host read the fact instead of asking
    again.
  - Run it yourself to read a consent file or the version again within a play, for example after changing them.
author:
  - Community Scripts telemetry maintainers (@community-scripts)
extends_documentation_fragment:
  - community_scripts.telemetry.attributes
  - community_scripts.telemetry.attributes.check_mode_read_only
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.facts
attributes:
  facts:
    support: full
options:
  diagnostics_file:
    description:
      - The consent file to read. Only a line C(DIAGNOSTICS=yes) counts as consent; no file means no consent.
      - A file that exists but cannot be read fails the task.
    type: path
    default: /usr/local/community-scripts/diagnostics
  pve_version:
    description: Whether to read the Proxmox VE version with C(pveversion) too.
    type: bool
    default: true
seealso:
  - module: community_scripts.telemetry.pve_telemetry_report
  - module: community_scripts.telemetry.pve_telemetry_consent
"""

EXAMPLES = r"""
- name: Read the consent and the Proxmox VE version again after changing the consent file
  community_scripts.telemetry.pve_telemetry_host_facts:

- name: Say what was read
  ansible.builtin.debug:
    msg: "{{ ansible_facts.pve_telemetry_host }}"
"""

RETURN = r"""
ansible_facts:
  description: The facts set on the host.
  returned: always
  type: dict
  contains:
    pve_telemetry_host:
      description:
        - C(consent) maps each consent file read to whether it says yes (C(consent)) and, if not, why (C(reason)).
        - C(pve_version) is the Proxmox VE version, V(not found) off a Proxmox VE host; only with O(pve_version=true).
      type: dict
      sample:
        consent:
          /usr/local/community-scripts/diagnostics: {consent: true, reason: null}
        pve_version: 8.2.4
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.community_scripts.telemetry.plugins.module_utils._consent import (
    DEFAULT_DIAGNOSTICS_FILE,
    HOST_FACT,
    consent_refusal,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import TelemetryValueError
from ansible_collections.community_scripts.telemetry.plugins.module_utils._pve_version import detect_pve_version


def main():
    module = AnsibleModule(argument_spec=dict(
        diagnostics_file=dict(type="path", default=DEFAULT_DIAGNOSTICS_FILE),
        pve_version=dict(type="bool", default=True),
    ), supports_check_mode=True)
    path = module.params["diagnostics_file"]
    try:
        refusal = consent_refusal("auto", path)
    except TelemetryValueError as error:
        module.fail_json(msg=str(error), option=error.option)
    facts = {"consent": {path: {"consent": refusal is None, "reason": refusal}}}
    if module.params["pve_version"]:
        facts["pve_version"] = detect_pve_version(module)
    module.exit_json(changed=False, ansible_facts={HOST_FACT: facts})


if __name__ == "__main__":
    main()
