# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every default has one home: the option groups, their doc fragments and the client agree."""

from __future__ import annotations

import pytest
import yaml

from ansible_collections.community_scripts.telemetry.plugins.doc_fragments import connection, consent, delivery, spool
from ansible_collections.community_scripts.telemetry.plugins.module_utils._argspec import (
    connection_argument_spec,
    consent_argument_spec,
    delivery_argument_spec,
    spool_argument_spec,
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
