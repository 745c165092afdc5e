# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import TelemetryValueError
from ansible_collections.community_scripts.telemetry.plugins.module_utils._fleet_query import aggregate, build_filter


def record(app, status, code=0, created="2026-11-27 10:00:00.000Z"):
    return {"nsapp": app, "status": status, "exit_code": code, "created": created}


def test_aggregates_of_known_records():
    records = [
        record("debian", "sucess", created="2026-11-01 08:00:00.000Z"),
        record("debian", "failed", 214),
        record("debian", "sucess"),
        record("jellyfin", "failed", 214),
        record("jellyfin", "failed", 137, created="2026-11-27 23:00:00.000Z"),
        record("jellyfin", "unknown", 1),
        record("nextcloud", "installing"),
    ]
    result = aggregate(records, top=2)
    assert result["total"] == 7
    assert result["by_status"] == {"failed": 3, "installing": 1, "sucess": 2, "unknown": 1}
    assert list(result["by_app"]) == ["debian", "jellyfin", "nextcloud"]
    assert result["by_app"]["debian"] == {"total": 3, "by_status": {"failed": 1, "sucess": 2}, "failure_rate": 0.3333}
    assert result["by_app"]["jellyfin"]["failure_rate"] == 1.0
    assert result["by_app"]["nextcloud"]["failure_rate"] is None
    assert result["failure_rate"] == 0.6
    assert result["top_exit_codes"] == [
        {"exit_code": 214, "count": 2, "explanation": "Proxmox: Not enough storage space"},
        {"exit_code": 1, "count": 1, "explanation": "General error / Operation not permitted"},
    ]
    assert (result["first"], result["last"]) == ("2026-11-01 08:00:00.000Z", "2026-11-27 23:00:00.000Z")


def test_aggregates_of_nothing():
    result = aggregate([])
    assert (result["total"], result["failure_rate"], result["top_exit_codes"], result["first"]) == (0, None, [], None)


def test_filter_quotes_every_value():
    assert build_filter(app="it's", status="failed", record_type="vm", since="2026-11-01", before="2026-11-02T10:00:00Z") == (
        "(nsapp='it\\'s') && (status='failed') && (type='vm') && (created>='2026-11-01') && (created<'2026-11-02 10:00:00')")
    assert build_filter() == ""


@pytest.mark.parametrize("since", ["yesterday", "2026-13", "2026-11-01' || 1=1 || '"])
def test_times_are_checked(since):
    with pytest.raises(TelemetryValueError) as caught:
        build_filter(since=since)
    assert caught.value.option == "since"
