# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every default has one home: the option groups, their doc fragments, each module's documentation and the
client agree."""

from __future__ import annotations

import importlib

import pytest
import yaml

from ansible_collections.community_scripts.telemetry.plugins.doc_fragments import connection, consent, delivery, spool
from ansible_collections.community_scripts.telemetry.plugins.module_utils._argspec import (
    connection_argument_spec,
    consent_argument_spec,
    delivery_argument_spec,
    flush_argument_spec,
    info_argument_spec,
    report_argument_spec,
    spool_argument_spec,
    update_argument_spec,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._client import TelemetryClient


@pytest.mark.parametrize("fragment, spec", [
    (connection.ModuleDocFragment.DOCUMENTATION, connection_argument_spec()),
    (consent.ModuleDocFragment.DOCUMENTATION, consent_argument_spec()),
    (spool.ModuleDocFragment.DOCUMENTATION, spool_argument_spec()),
    (delivery.ModuleDocFragment.DOCUMENTATION, delivery_argument_spec()),
], ids=["connection", "consent", "spool", "delivery"])
def test_each_option_group_is_documented_once_with_its_defaults(fragment, spec):
    documented = yaml.safe_load(fragment)["options"]
    assert sorted(documented) == sorted(spec)
    for name, option in spec.items():
        assert documented[name].get("default") == option.get("default"), name
        assert documented[name]["type"] == option["type"], name
        assert documented[name].get("choices") == option.get("choices"), name


def test_the_client_defaults_are_the_modules_defaults():
    spec = connection_argument_spec()
    client = TelemetryClient(url="http://127.0.0.1:9")
    assert (client.collection, client.timeout, client.retries) == (
        spec["collection"]["default"], spec["timeout"]["default"], spec["retries"]["default"])


# Each module and the argument spec its module (on the host) and its action plugin (on the controller) validate against.
MODULE_SPECS = {
    "pve_telemetry_consent": consent_argument_spec,
    "pve_telemetry_flush": flush_argument_spec,
    "pve_telemetry_info": info_argument_spec,
    "pve_telemetry_report": report_argument_spec,
    "pve_telemetry_update": update_argument_spec,
}
COLLECTION = "ansible_collections.community_scripts.telemetry.plugins"


def documented_options(module_name: str) -> dict:
    """A module's options as its documentation says them: its own, and those of the collection's fragments it extends."""
    documentation = yaml.safe_load(importlib.import_module(f"{COLLECTION}.modules.{module_name}").DOCUMENTATION)
    options = dict(documentation.get("options") or {})
    for fragment in documentation.get("extends_documentation_fragment", []):
        if not fragment.startswith("community_scripts.telemetry."):
            continue  # ansible-core's own fragments document attributes only
        name, dummy, variable = fragment[len("community_scripts.telemetry."):].partition(".")
        text = getattr(importlib.import_module(f"{COLLECTION}.doc_fragments.{name}").ModuleDocFragment, (variable or "documentation").upper())
        options.update(yaml.safe_load(text).get("options") or {})
    return options


@pytest.mark.parametrize("module_name", sorted(MODULE_SPECS))
def test_each_modules_documentation_says_its_argument_specs_defaults(module_name):
    documented, spec = documented_options(module_name), MODULE_SPECS[module_name]()
    assert sorted(documented) == sorted(spec)
    for name, option in spec.items():
        assert documented[name].get("default") == option.get("default"), name
        assert documented[name]["type"] == option["type"], name
        assert documented[name].get("choices") == option.get("choices"), name
        assert bool(documented[name].get("required")) == bool(option.get("required")), name


def test_the_delivery_default_is_the_argument_specs_in_every_module_that_has_it():
    default = delivery_argument_spec()["delivery"]["default"]
    having = [name for name, spec in MODULE_SPECS.items() if "delivery" in spec()]
    assert having == ["pve_telemetry_flush", "pve_telemetry_info", "pve_telemetry_report", "pve_telemetry_update"]
    for module_name in having:
        assert documented_options(module_name)["delivery"]["default"] == default == MODULE_SPECS[module_name]()["delivery"]["default"]


@pytest.mark.parametrize("module_name", sorted(MODULE_SPECS))
def test_the_sample_of_a_bad_option_is_an_option_of_the_module(module_name):
    returned = yaml.safe_load(importlib.import_module(f"{COLLECTION}.modules.{module_name}").RETURN)
    assert returned["option"]["sample"] in MODULE_SPECS[module_name]()
