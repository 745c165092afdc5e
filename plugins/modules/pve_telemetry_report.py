#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: pve_telemetry_report
short_description: Record the start of a Proxmox VE container or VM install in the community-scripts telemetry
version_added: 0.1.0
description:
  - Creates the telemetry record of one provisioning attempt with status C(installing), exactly as the
    Proxmox VE community scripts do before they build a container or VM.
  - Finish the record afterwards with M(community_scripts.telemetry.pve_telemetry_update).
  - Nothing is sent unless the operator opted in, see O(diagnostics).
  - Idempotent by O(random_id). When a record for it exists already, it is returned and nothing is created.
  - Every value is checked before anything is sent; a bad value fails the task and names the option.
author:
  - Community Scripts telemetry maintainers (@community-scripts)
extends_documentation_fragment:
  - community_scripts.telemetry.connection
  - community_scripts.telemetry.consent
  - community_scripts.telemetry.delivery
  - community_scripts.telemetry.spool
  - community_scripts.telemetry.attributes
  - community_scripts.telemetry.attributes.action_group
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details:
      - In check mode only the read-only lookup by O(random_id) is sent, to tell whether a record would be created.
  diff_mode:
    support: none
options:
  random_id:
    description:
      - The UUID of this provisioning attempt. Use a new one for every attempt; a re-run of the same attempt finds its record.
      - When not set, the task draws a new one (a random UUID) and returns it in RV(random_id), to pass to
        M(community_scripts.telemetry.pve_telemetry_update). Each run of the task is then a new attempt, and a re-run
        creates a new record instead of finding the earlier one.
      - Generate one with C(uuidgen), or in a playbook with the P(ansible.builtin.to_uuid#filter) filter of a random number.
    type: str
  type:
    description:
      - What is installed, a LXC container or a virtual machine.
    type: str
    choices: [lxc, vm]
    default: lxc
  ct_type:
    description:
      - The contract's container type number. It follows from O(type) (V(1) for V(lxc), V(2) for V(vm)) and need not be set;
        a value that contradicts O(type) fails the task.
    type: int
    choices: [1, 2]
  nsapp:
    description:
      - The name of the application installed, for example V(debian) or V(homeassistant).
    type: str
    required: true
  disk_size:
    description:
      - Disk size in GB, as a number or as a string such as V(20G); the trailing C(G) is removed.
    type: raw
    default: 0
  core_count:
    description:
      - Number of CPU cores.
    type: int
    default: 0
  ram_size:
    description:
      - Memory in MB.
    type: int
    default: 0
  os_type:
    description:
      - Operating system of the container or VM, for example V(debian).
    type: str
    default: ''
  os_version:
    description:
      - Operating system version, for example V(12).
    type: str
    default: ''
  method:
    description:
      - How the install was made; the community scripts send V(default) or V(advanced).
    type: str
    default: default
  pve_version:
    description:
      - The Proxmox VE version.
      - When not set, it is read from C(pveversion) on the managed host (once per host, see O(delivery)), or V(not found) where that command does not exist.
    type: str
  node:
    description:
      - The Proxmox VE node or inventory host that runs the install, for example V({{ inventory_hostname }}).
      - Not a field of the contract. Sent only when set, and then stored only by a backend with the collection's extended
        fields (C(pocketbase/pb_migrations/1710000000_add_extended_fields.js)); a backend without them ignores it.
        When not set, the body is exactly the contract's.
      - At most 255 characters.
    type: str
    version_added: 0.2.0
  flush_spool:
    description:
      - After the report, deliver this host's events that earlier runs kept in O(spool_dir) for this backend, oldest
        first, as M(community_scripts.telemetry.pve_telemetry_flush) does, in the same task (its result is
        RV(flush)).
      - Without consent they are dropped unsent, as the flush drops them; the task is then changed and still skipped,
        since nothing was sent.
      - Not when the report itself could not be delivered (it was kept in the spool, or lost), since the backend did
        not answer; the next report flushes. Nothing happens without O(spool_dir).
    type: bool
    default: false
    version_added: 0.4.0
seealso:
  - module: community_scripts.telemetry.pve_telemetry_update
  - plugin: community_scripts.telemetry.explain_exit_code
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Record that a container install starts
  community_scripts.telemetry.pve_telemetry_report:
    url: http://127.0.0.1:8090
    diagnostics: "yes"
    random_id: "{{ install_id }}"
    type: lxc
    nsapp: debian
    disk_size: 8
    core_count: 2
    ram_size: 2048
    os_type: debian
    os_version: "12"
  register: telemetry

- name: Record a VM install, reading consent from the host's diagnostics file
  community_scripts.telemetry.pve_telemetry_report:
    url: http://127.0.0.1:8090
    random_id: "{{ vm_install_id }}"
    type: vm
    nsapp: haos-vm
    disk_size: 32G
    core_count: 2
    ram_size: 4096

- name: Set the connection once for every telemetry module
  module_defaults:
    group/community_scripts.telemetry.telemetry:
      url: http://127.0.0.1:8090
      diagnostics: "yes"
  block:
    - name: Report
      community_scripts.telemetry.pve_telemetry_report:
        random_id: "{{ install_id }}"
        nsapp: debian

- name: Report, and deliver what earlier runs of this host kept in the spool
  community_scripts.telemetry.pve_telemetry_report:
    url: http://127.0.0.1:8090
    diagnostics: "yes"
    nsapp: debian
    spool_dir: ~/.ansible/pve_telemetry_spool
    flush_spool: true
"""

RETURN = r"""
error_kind:
  description:
    - What kind of failure ended the task, or, with O(on_failure=warn), the failure the task turned into a warning.
    - V(bad_input) for an option value that cannot be sent (see RV(option)), V(missing_library) when C(requests) is
      missing where the request leaves from, V(delivery) for a delivery problem with O(on_failure=fail).
  returned: when the task failed, or would have without O(on_failure=warn)
  type: str
  sample: bad_input
option:
  description: The option whose value is bad.
  returned: when RV(error_kind=bad_input)
  type: str
  sample: random_id
record_id:
  description: The PocketBase id of the record, to pass to M(community_scripts.telemetry.pve_telemetry_update).
  returned: when the record exists on the backend
  type: str
  sample: yehltm1rqw1okg7
random_id:
  description: The UUID of the attempt, as given, or as drawn when O(random_id) was not set.
  returned: always
  type: str
  sample: 3f0c0d9e-5c8a-4c1e-9d5b-2b7f4f0a1c2d
started_at:
  description:
    - When the task started, on the controller, in seconds since the epoch (UTC); the start of the install, for its
      O(community_scripts.telemetry.pve_telemetry_update#module:install_duration).
  returned: always
  type: float
  sample: 1764681600.125
reported:
  description: Whether the backend holds a record for this attempt after the task (created now or earlier).
  returned: always
  type: bool
  sample: true
payload:
  description: The body that was sent, or that would be sent.
  returned: always
  type: dict
  sample:
    ct_type: 1
    type: lxc
    disk_size: 8
    core_count: 2
    ram_size: 2048
    os_type: debian
    os_version: "12"
    nsapp: debian
    method: default
    pve_version: 8.2.4
    status: installing
    random_id: 3f0c0d9e-5c8a-4c1e-9d5b-2b7f4f0a1c2d
spooled:
  description: Whether the event could not be delivered and was kept in O(spool_dir) for a later flush.
  returned: always
  type: bool
  sample: false
spool_full:
  description:
    - True when the event could not be delivered and was not kept either, because its host's events for this backend
      fill O(spool_dir) up to O(spool_max_events). The event is lost; the task warns.
  returned: when the spool was full
  type: bool
  sample: true
skip_reason:
  description: Why nothing was sent, when the operator did not opt in; the task is then shown as skipped.
  returned: when consent was missing
  type: str
  sample: "no diagnostics file at /usr/local/community-scripts/diagnostics: the operator did not opt in"
flush:
  description:
    - What the flush of O(flush_spool) did, with the keys of the results of
      M(community_scripts.telemetry.pve_telemetry_flush) (C(delivered), C(dropped), C(dropped_no_consent),
      C(invalid), C(remaining), C(other_hosts), C(consent), C(msg)); or C(skipped) and C(msg) when the report
      itself was not delivered.
  returned: with O(flush_spool) and O(spool_dir)
  type: dict
  sample:
    changed: true
    delivered: 2
    dropped: 0
    dropped_no_consent: 0
    invalid: 0
    remaining: 0
    other_hosts: 0
    consent: true
    msg: 2 events delivered, 0 remaining
msg:
  description:
    - What happened, or the delivery problem when the backend could not be reached.
    - With O(flush_spool), what the flush did follows when it delivered or dropped events.
  returned: always
  type: str
  sample: record created
"""

from ansible_collections.community_scripts.telemetry.plugins.module_utils._argspec import report_argument_spec
from ansible_collections.community_scripts.telemetry.plugins.module_utils._module import run_module
from ansible_collections.community_scripts.telemetry.plugins.module_utils._tasks import run_report


def main():
    run_module(report_argument_spec(), run_report)


if __name__ == "__main__":
    main()
