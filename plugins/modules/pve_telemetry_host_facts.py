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
  - Reads the operator's consent file and the output of C(pveversion) on the host, and returns both. Sends
    nothing, sets no fact, and needs nothing on the host beyond Python's standard library.
  - The telemetry modules read the same on the host by themselves, with one shell command, when they deliver
    from the controller (O(community_scripts.telemetry.pve_telemetry_report#module:delivery=controller), the
    default) and need the consent file (O(community_scripts.telemetry.pve_telemetry_report#module:diagnostics=auto))
    or the version, at most once per host and run, and keep it as the host fact C(pve_telemetry_host), sealed for
    that run only.
  - Run it yourself to see what a host says. What it returns is not consent for the telemetry tasks, which read
    the host themselves.
author:
  - Community Scripts telemetry maintainers (@community-scripts)
extends_documentation_fragment:
  - community_scripts.telemetry.attributes
  - community_scripts.telemetry.attributes.check_mode_read_only
  - ansible.builtin.action_common_attributes
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
- name: See what a host's consent file says
  community_scripts.telemetry.pve_telemetry_host_facts:
  register: host_says

- name: Say what was read
  ansible.builtin.debug:
    msg: "{{ host_says.consent }} ({{ host_says.reason }}), Proxmox VE {{ host_says.pve_version }}"
"""

RETURN = r"""
diagnostics_file:
  description: The consent file that was read.
  returned: success
  type: str
  sample: /usr/local/community-scripts/diagnostics
consent:
  description: Whether the file says C(DIAGNOSTICS=yes).
  returned: success
  type: bool
  sample: true
reason:
  description: Why the file is no consent; V(null) when it is.
  returned: success
  type: str
  sample: "no diagnostics file at /usr/local/community-scripts/diagnostics: the operator did not opt in"
pve_version:
  description: The Proxmox VE version, V(not found) off a Proxmox VE host.
  returned: with O(pve_version=true)
  type: str
  sample: 8.2.4
option:
  description: The option whose value is bad (V(diagnostics_file) for a file that exists but cannot be read).
  returned: failure
  type: str
  sample: diagnostics_file
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.community_scripts.telemetry.plugins.module_utils._consent import DEFAULT_DIAGNOSTICS_FILE, consent_refusal
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
    result = dict(changed=False, diagnostics_file=path, consent=refusal is None, reason=refusal)
    if module.params["pve_version"]:
        result["pve_version"] = detect_pve_version(module)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
