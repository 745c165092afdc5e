# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Idempotent recovery (plugins/module_utils/_lifecycle.py): a create or a finish whose answer was lost or refused
is found, not duplicated, through the fault-injecting proxy (tests/utils/fault_proxy.py) in front of a real
PocketBase."""

from __future__ import annotations

import uuid

import pytest

from ansible_collections.community_scripts.telemetry.plugins.module_utils._client import TelemetryClient
from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import RecordNotFound
from ansible_collections.community_scripts.telemetry.plugins.module_utils._lifecycle import ensure_created, ensure_finished
from ansible_collections.community_scripts.telemetry.plugins.module_utils._payloads import build_create_body, build_finish_body

COLLECTION = "_dev_telemetry_data"


def client_for(proxy, **kwargs):
    return TelemetryClient(proxy.url, COLLECTION, **kwargs)


def new_payload():
    return build_create_body(dict(random_id=str(uuid.uuid4()), type="lxc", ct_type=None, nsapp="debian",
                                  disk_size=8, core_count=2, ram_size=2048, os_type="debian", os_version="12",
                                  method="default"), "8.2.4")


def test_a_create_that_was_written_but_answered_500_is_found_not_duplicated(proxy, pocketbase_url, records_of):
    proxy.queue([{"action": "after", "status": 500, "method": "POST"}])
    payload = new_payload()
    record_id, changed = ensure_created(client_for(proxy), payload)
    assert changed
    assert [record["id"] for record in records_of(pocketbase_url, payload["random_id"])] == [record_id]


def test_a_create_whose_answer_timed_out_is_retried_without_duplicate(proxy, pocketbase_url, records_of):
    proxy.queue([{"action": "trickle", "interval": 5, "method": "POST"}])
    payload = new_payload()
    record_id, dummy = ensure_created(client_for(proxy, timeout=1, retries=2), payload)
    assert [record["id"] for record in records_of(pocketbase_url, payload["random_id"])] == [record_id]


def test_a_patch_answered_404_falls_back_to_the_lookup_once(proxy, pocketbase_url, records_of):
    client = client_for(proxy)
    payload = new_payload()
    record_id, dummy = ensure_created(client, payload)
    proxy.queue([{"action": "status", "status": 404, "method": "PATCH"}])
    outcome = ensure_finished(client, payload["random_id"], record_id, build_finish_body("failed", 214))
    assert outcome["changed"]
    assert [entry["method"] for entry in proxy.log[-4:]] == ["GET", "PATCH", "GET", "PATCH"]
    assert records_of(pocketbase_url, payload["random_id"])[0]["exit_code"] == 214


def test_finishing_an_attempt_without_record_raises_record_not_found(proxy):
    with pytest.raises(RecordNotFound):
        ensure_finished(client_for(proxy), str(uuid.uuid4()), None, build_finish_body("done"))
