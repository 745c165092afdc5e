# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Spooled events (plugins/module_utils/_spool.py) delivered to a real PocketBase as live ones are. Hermetic tests of
the spool: tests/unit/plugins/module_utils/test_spool.py."""

from __future__ import annotations

import uuid

from ansible_collections.community_scripts.telemetry.plugins.module_utils._client import TelemetryClient
from ansible_collections.community_scripts.telemetry.plugins.module_utils._lifecycle import EVENT_CREATE, EVENT_FINISH, deliver_event
from ansible_collections.community_scripts.telemetry.plugins.module_utils._payloads import build_create_body, build_finish_body
from ansible_collections.community_scripts.telemetry.plugins.module_utils._spool import Spool, make_event


def test_spooled_events_are_delivered_like_live_ones(tmp_path, pocketbase_url):
    client = TelemetryClient(pocketbase_url, "_dev_telemetry_data")
    random_id = str(uuid.uuid4())
    body = {"random_id": random_id, "type": "vm", "ct_type": 2, "nsapp": "spooled", "status": "installing",
            "disk_size": 20, "core_count": 1, "ram_size": 512, "os_type": "", "os_version": "", "method": "default",
            "pve_version": "not found"}
    spool = Spool(str(tmp_path))
    spool.append(make_event(EVENT_CREATE, client, random_id, body))
    spool.append(make_event(EVENT_FINISH, client, random_id, build_finish_body("failed", 137), record_id=None, force=False))

    assert spool.flush(client, deliver_event)["delivered"] == 2
    record = client.find(random_id)
    assert (record["status"], record["exit_code"], record["error"]) == ("failed", 137, "Killed (SIGKILL / Out of memory?)")

    # A second copy of the same events (a repeated or partial flush) changes nothing and duplicates nothing.
    spool.append(make_event(EVENT_CREATE, client, random_id, body))
    spool.append(make_event(EVENT_FINISH, client, random_id, build_finish_body("done"), record_id=None, force=False))
    assert spool.flush(client, deliver_event)["delivered"] == 2
    assert client.find(random_id)["status"] == "failed"


def test_a_line_spooled_by_an_older_version_is_scrubbed_at_its_flush(tmp_path, pocketbase_url):
    # Older versions masked addresses only (plugins/module_utils/_scrub.py): the flush delivers such a line scrubbed.
    client = TelemetryClient(pocketbase_url, "_dev_telemetry_data")
    random_id = str(uuid.uuid4())
    spool = Spool(str(tmp_path))
    spool.append(make_event(EVENT_CREATE, client, random_id,
                            build_create_body(dict(random_id=random_id, type="lxc", nsapp="old-spool"), "8.2.4")))
    old_body = dict(build_finish_body("failed", 1), error_detail="restore failed: --password hunter2 for bob@example.com")
    spool.append(make_event(EVENT_FINISH, client, random_id, old_body, record_id=None, force=False))
    assert spool.flush(client, deliver_event)["delivered"] == 2
    record = next(client.iter_records(f'random_id="{random_id}"', ("status", "error_detail")))
    assert record["status"] == "failed"
    assert record["error_detail"] == "restore failed: --password <password> for <email>"
