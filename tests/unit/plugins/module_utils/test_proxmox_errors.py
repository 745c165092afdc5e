# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.community_scripts.telemetry.plugins.filter.proxmox_exit_code import FilterModule
from ansible_collections.community_scripts.telemetry.plugins.module_utils._exit_codes import explain_exit_code
from ansible_collections.community_scripts.telemetry.plugins.module_utils._proxmox_errors import exit_code_for_proxmox_error

# Messages as the community.proxmox modules report Proxmox VE errors.
CASES = [
    ("An error occurred: 500 Internal Server Error: unable to create CT 141 - CT 141 already exists on node 'pve'", "lxc", 206),
    ("creation of qemu VM web with vmid 150 failed with exception=500 Internal Server Error: unable to create VM 150 - "
     "VM 150 already exists on node 'pve'", "vm", 206),
    ("unable to create CT 100 - config file already exists", "lxc", 206),
    ("creation of qemu VM vm-quorum with vmid 150 failed with exception=500 Internal Server Error: cluster not ready - no quorum?", "vm", 210),
    ("Reached timeout while waiting for creation of VM 140 from template local:vztmpl/debian-12.tar.zst Last line in task "
     "before timeout: [{'n': 1, 't': 'TASK ERROR: unable to create CT 140 - no space left on device'}]", "lxc", 214),
    ("TASK ERROR: not enough space on storage 'local-lvm'", "vm", 214),
    ("An error occurred: 500 Internal Server Error: storage 'local-lvm' is not available on node 'pve'", "lxc", 217),
    ("400 Parameter verification failed. storage: storage 'fast' does not exist", "lxc", 217),
    ("TASK ERROR: unable to activate storage 'nfs' - directory is expected to be a mount point but is not mounted", "vm", 217),
    ("ostemplate local:vztmpl/no-such-template.tar.zst does not exist on node pve and storage local.", "lxc", 225),
    ("volume 'local:vztmpl/debian-13-standard.tar.zst' does not exist", "lxc", 225),
    ("TASK ERROR: unable to create CT 144 - command 'lxc-usernsexec' failed", "lxc", 209),
    ("creation of qemu VM x with vmid 9 failed with exception=500 Internal Server Error: something else", "vm", 1),
    ("", "lxc", 209),
]


@pytest.mark.parametrize("message, kind, code", CASES)
def test_proxmox_errors_map_to_the_contract_codes(message, kind, code):
    assert exit_code_for_proxmox_error(message, kind) == code


def test_every_mapped_code_has_an_explanation():
    for dummy, kind, code in CASES:
        assert code == 1 or explain_exit_code(code).startswith("Proxmox: ")


def test_the_filter_uses_the_same_mapping():
    proxmox_exit_code = FilterModule().filters()["proxmox_exit_code"]
    assert proxmox_exit_code("cluster not ready - no quorum?", "vm") == 210
    assert proxmox_exit_code("boom") == 209
