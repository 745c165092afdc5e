#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: pve_telemetry_consent
short_description: Tell whether the operator of a host opted in to community-scripts telemetry
version_added: 0.1.0
description:
  - Resolves the operator's consent once, exactly as the other modules of this collection do, so that a play
    can decide once and pass V(yes) or V(no) as O(community_scripts.telemetry.pve_telemetry_report#module:diagnostics)
    to every telemetry task that follows.
  - Reads only O(diagnostics_file) on the host; sends nothing.
  - Runs on the controller. With O(diagnostics=auto) it reads the consent file on the host with one shell command
    (no Python runs there for it), together with the host's Proxmox VE version, and keeps both for the rest of the
    run as the host fact C(pve_telemetry_host), so that the telemetry tasks after it do not ask the host again. A
    reading of an earlier run (a fact cache, AWX fact storage) is never used. V(yes) and V(no) need no host at all.
author:
  - Community Scripts telemetry maintainers (@community-scripts)
extends_documentation_fragment:
  - community_scripts.telemetry.consent
  - community_scripts.telemetry.attributes
  - community_scripts.telemetry.attributes.check_mode_read_only
  - ansible.builtin.action_common_attributes
options: {}
notes:
  - This module is not in the C(community_scripts.telemetry.telemetry) action group, because it has no connection options.
seealso:
  - module: community_scripts.telemetry.pve_telemetry_report
"""

EXAMPLES = r"""
- name: Resolve consent once
  community_scripts.telemetry.pve_telemetry_consent:
  register: consent

- name: Report only with consent
  community_scripts.telemetry.pve_telemetry_report:
    url: http://127.0.0.1:8090
    diagnostics: "{{ 'yes' if consent.consent else 'no' }}"
    random_id: "{{ install_id }}"
    nsapp: debian
"""

RETURN = r"""
error_kind:
  description:
    - What kind of failure ended the task, for playbooks that go on after it (the C(provision) role warns with it).
    - V(bad_input) for an option value that cannot be sent (see RV(option)); nothing else fails this module.
  returned: when the task failed
  type: str
  sample: bad_input
option:
  description: The option whose value is bad.
  returned: when RV(error_kind=bad_input)
  type: str
  sample: diagnostics_file
consent:
  description: Whether the operator opted in.
  returned: always
  type: bool
  sample: false
reason:
  description: Why there is no consent.
  returned: when RV(consent) is false
  type: str
  sample: "no diagnostics file at /usr/local/community-scripts/diagnostics: the operator did not opt in"
"""

from ansible_collections.community_scripts.telemetry.plugins.module_utils._argspec import consent_argument_spec
from ansible_collections.community_scripts.telemetry.plugins.module_utils._module import run_module
from ansible_collections.community_scripts.telemetry.plugins.module_utils._tasks import run_consent


def main():
    run_module(consent_argument_spec(), run_consent, needs_requests=False)


if __name__ == "__main__":
    main()
