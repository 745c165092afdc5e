# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The provision_ready filter: what each provision role backend needs, and the error that names what it lacks."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.community_scripts.telemetry.plugins.filter.provision_ready import FilterModule


@pytest.fixture
def ready():
    return FilterModule().filters()["provision_ready"]


PROXMOX = {"proxmox_api": {"api_host": "pve.example.test"}, "proxmox_node": "pve1",
           "proxmox_ostemplate": "local:vztmpl/debian-12.tar.zst"}


@pytest.mark.parametrize("backend, settings", [
    ("command", {"command": "true"}),
    ("command", {"command": ["true"]}),
    ("tasks", {"tasks_file": "provision.yml"}),
    ("proxmox", PROXMOX),
    ("proxmox", dict(PROXMOX, type="vm", proxmox_ostemplate="")),  # a VM has no OS template
])
def test_a_backend_with_what_it_needs_is_ready(ready, backend, settings):
    assert ready(backend, **settings) is True


@pytest.mark.parametrize("backend, settings, message", [
    ("command", {"command": ""}, "provision_backend=command needs a provision_command"),
    ("command", {"command": []}, "provision_backend=command needs a provision_command"),
    ("tasks", {"tasks_file": ""}, "provision_backend=tasks needs a provision_tasks_file"),
    ("proxmox", dict(PROXMOX, proxmox_api={}), "provision_backend=proxmox needs provision_proxmox_api with an api_host"),
    ("proxmox", dict(PROXMOX, proxmox_ostemplate=""),
     "provision_backend=proxmox needs a provision_proxmox_ostemplate for an LXC container"),
    ("proxmox", {"proxmox_api": {}, "proxmox_node": ""},
     "provision_backend=proxmox needs provision_proxmox_api with an api_host and a provision_proxmox_node"
     " and a provision_proxmox_ostemplate for an LXC container"),
    ("ansible", {}, "provision_backend=ansible needs to be one of command, tasks, proxmox"),
])
def test_an_unmet_need_is_an_error_that_names_it(ready, backend, settings, message):
    with pytest.raises(AnsibleFilterError) as caught:
        ready(backend, **settings)
    assert str(caught.value) == message


class _UndefinedApiHost(dict):
    """An API mapping whose api_host is a template of an undefined variable: reading it raises, as in Ansible."""

    def __getitem__(self, key):
        raise KeyError(f"'{key}' is undefined")


def test_an_api_host_that_is_not_defined_is_an_unmet_need(ready):
    with pytest.raises(AnsibleFilterError, match="^provision_backend=proxmox needs provision_proxmox_api with an api_host$"):
        ready("proxmox", **dict(PROXMOX, proxmox_api=_UndefinedApiHost(api_host="{{ undefined_variable }}")))
