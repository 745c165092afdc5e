# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

import pytest

from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import TelemetryValueError
from ansible_collections.community_scripts.telemetry.plugins.module_utils._fleet_query import (
    Aggregator,
    aggregate,
    build_filter,
    check_time,
    check_top_apps,
    finish,
    fleet_query,
    percentiles,
)


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
    assert (result["by_day"], result["by_node"], result["durations"], result["recent_failures"]) == ([], {}, {}, [])


def test_the_new_dimensions():
    records = [
        dict(record("debian", "sucess", created="2026-11-01 08:00:00.000Z"), type="lxc", node="pve1", install_duration=30),
        dict(record("debian", "failed", 214, created="2026-11-01 09:00:00.000Z"), type="vm", node="pve1", install_duration=12.5),
        dict(record("jellyfin", "failed", 214, created="2026-11-02 09:00:00.000Z"), type="lxc", node="", install_duration=0),
        dict(record("jellyfin", "unknown", 137, created="2026-11-02 10:00:00.000Z"), type="lxc"),
    ]
    result = aggregate(records, top=5)
    assert result["by_type"] == {"lxc": {"total": 3, "by_status": {"failed": 1, "sucess": 1, "unknown": 1}, "failure_rate": 0.5},
                                 "vm": {"total": 1, "by_status": {"failed": 1}, "failure_rate": 1.0}}
    assert result["by_day"] == [
        {"day": "2026-11-01", "total": 2, "by_status": {"failed": 1, "sucess": 1}, "failure_rate": 0.5},
        {"day": "2026-11-02", "total": 2, "by_status": {"failed": 1, "unknown": 1}, "failure_rate": 1.0}]
    assert result["by_node"] == {"pve1": {"total": 2, "by_status": {"failed": 1, "sucess": 1}, "failure_rate": 0.5}}
    assert result["exit_codes_by_app"] == [
        {"exit_code": 214, "count": 2, "apps": [{"app": "debian", "count": 1}, {"app": "jellyfin", "count": 1}], "others": 0},
        {"exit_code": 137, "count": 1, "apps": [{"app": "jellyfin", "count": 1}], "others": 0}]
    assert result["durations"] == {"debian": {"count": 2, "median": 12.5, "p95": 30}}
    assert [failure["created"] for failure in result["recent_failures"]] == ["2026-11-02 09:00:00.000Z", "2026-11-01 09:00:00.000Z"]
    assert result["recent_failures"][0] == {"created": "2026-11-02 09:00:00.000Z", "nsapp": "jellyfin", "type": "lxc", "node": "",
                                            "exit_code": 214, "explanation": "Proxmox: Not enough storage space",
                                            "error_detail": ""}


def test_recent_failures_are_the_last_twenty_newest_first():
    records = [record("debian", "failed", 1, created=f"2026-11-01 00:00:{second:02d}.000Z") for second in range(30)]
    failures = aggregate(records)["recent_failures"]
    assert len(failures) == 20
    assert failures[0]["created"] == "2026-11-01 00:00:29.000Z" and failures[-1]["created"] == "2026-11-01 00:00:10.000Z"


@pytest.mark.parametrize("values, median, p95", [
    ([7], 7, 7),
    ([1, 2], 1, 2),
    ([3, 1, 2], 2, 3),
    (list(range(1, 101)), 50, 95),
    (list(range(1, 21)), 10, 19),
    ([5, 5, 5, 9], 5, 9),
    ([1.5, 2.0], 1.5, 2),
])
def test_percentiles_are_nearest_rank(values, median, p95):
    counts = Counter(values)
    assert percentiles(counts) == {"count": len(values), "median": median, "p95": p95}


def test_the_servers_parts_and_the_aggregators_give_the_same_aggregates():
    """The route's answer (pocketbase/pb_hooks/telemetry_lib.js) has an Aggregator's parts' shape."""
    aggregator = Aggregator()
    aggregator.add(dict(record("debian", "failed", 214), type="lxc", node="pve1", install_duration=60))
    parts = aggregator.parts()
    server = dict(parts, version=1, durations=[["debian", 1, 60.0, 60.0]])  # SQL gives floats
    assert finish(server) == finish(parts)


def test_filter_quotes_every_value():
    query = fleet_query(app="it's", status="failed", record_type="vm", since="2026-11-01", before="2026-11-02T10:00:00Z")
    assert build_filter(query) == (
        "(nsapp='it\\'s') && (status='failed') && (type='vm') && (created>='2026-11-01') && (created<'2026-11-02 10:00:00')")
    assert build_filter(fleet_query()) == ""
    assert build_filter(fleet_query(node="pve'1")) == "(node='pve\\'1')"


def test_the_query_carries_its_times_as_pocketbase_stores_them():
    """The filter and the server's aggregates route get the same, checked, times."""
    assert fleet_query(since=" 2026-11-01T10:00Z", before="2026-11-02") == dict(
        app=None, status=None, type=None, since="2026-11-01 10:00", before="2026-11-02", node=None)


@pytest.mark.parametrize("option", ["since", "before"])
@pytest.mark.parametrize("value", ["yesterday", "2026-13", "2026-11-01' || 1=1 || '"])
def test_times_are_checked(option, value):
    with pytest.raises(TelemetryValueError) as caught:
        fleet_query(**{option: value})
    assert caught.value.option == option


@pytest.mark.parametrize("window, expected", [
    ("30m", "2026-12-02 11:30:00"), ("12h", "2026-12-02 00:00:00"), ("7d", "2026-11-25 12:00:00"),
    ("4w", "2026-11-04 12:00:00"), (" 7D ", "2026-11-25 12:00:00"),
])
def test_a_window_back_from_now(window, expected):
    now = datetime(2026, 12, 2, 12, 0, 0, tzinfo=timezone.utc)
    assert check_time(window, "since", now=now) == expected


@pytest.mark.parametrize("value", ["7", "7y", "-7d", "7 days", "d7", "1234567d"])
def test_a_window_that_is_not_one_names_the_option(value):
    with pytest.raises(TelemetryValueError) as error:
        check_time(value, "before")
    assert error.value.option == "before" and "7d" in str(error.value)


def _many_apps():
    """Five apps with 5, 4, 3, 2 and 2 records; the last two tie (then by name)."""
    records = []
    for app, count in (("a", 5), ("b", 4), ("c", 3), ("e", 2), ("d", 2)):
        for index in range(count):
            status = "failed" if index == 0 else "sucess"
            records.append(dict(record(app, status, 214 if status == "failed" else 0), install_duration=10 + index))
    return records


def test_the_per_app_parts_list_the_top_apps_and_sum_the_others():
    result = aggregate(_many_apps(), top=5, top_apps=2)
    assert list(result["by_app"]) == ["a", "b"]
    assert result["apps_total"] == 5
    assert result["others"] == {"apps": 3, "total": 7, "by_status": {"failed": 3, "sucess": 4}, "failure_rate": 0.4286}
    assert set(result["durations"]) == {"a", "b"}
    # The totals and the exit codes count every app.
    assert result["total"] == 16 and result["by_status"] == {"failed": 5, "sucess": 11}
    assert result["top_exit_codes"][0]["count"] == 5
    assert result["exit_codes_by_app"] == [
        {"exit_code": 214, "count": 5, "apps": [{"app": "a", "count": 1}, {"app": "b", "count": 1}], "others": 3}]


def test_unbounded_the_others_are_empty():
    result = aggregate(_many_apps(), top_apps=None)
    assert list(result["by_app"]) == ["a", "b", "c", "d", "e"]
    assert result["others"] == {"apps": 0, "total": 0, "by_status": {}, "failure_rate": None}
    assert aggregate(_many_apps(), top_apps=5) == result


def test_a_server_that_bounded_its_answer_gives_the_same_aggregates():
    """The route's top and others (pocketbase/pb_hooks) end in the same aggregates as the client's bound."""
    aggregator = Aggregator()
    for item in _many_apps():
        aggregator.add(item)
    parts = aggregator.parts()
    shown = ("a", "b")
    server = dict(parts, by_app_status=[row for row in parts["by_app_status"] if row[0] in shown],
                  exit_codes=[row for row in parts["exit_codes"] if row[1] in shown],
                  durations=[row for row in parts["durations"] if row[0] in shown],
                  apps_total=5, others={"apps": 3, "by_status": [["failed", 3], ["sucess", 4]], "exit_codes": [[214, 3]]})
    assert finish(server, 5, 2) == finish(parts, 5, 2)


@pytest.mark.parametrize("value", [0, 1001, -1, "5", True, None])
def test_top_apps_is_checked(value):
    with pytest.raises(TelemetryValueError) as caught:
        check_top_apps(value)
    assert caught.value.option == "top_apps" and "1 to 1000" in str(caught.value)


def test_recent_failures_carry_their_error_detail_cut_as_the_server_cuts_it():
    aggregator = Aggregator()
    aggregator.add(dict(record("debian", "failed", 100), id="aaa", error_detail="E: Unable to locate package " + "x" * 700))
    aggregator.add(dict(record("jellyfin", "failed", 137, created="2026-11-27 11:00:00.000Z"), id="bbb"))  # not read
    aggregator.add(dict(record("immich", "failed", 1, created="2026-11-27 12:00:00.000Z"), id="ccc", error_detail=""))
    assert aggregator.missing_details() == ["bbb"]
    aggregator.fill_details({"bbb": "Killed"})
    failures = finish(aggregator.parts())["recent_failures"]
    assert [(failure["nsapp"], failure["error_detail"][:28]) for failure in failures] == [
        ("immich", ""), ("jellyfin", "Killed"), ("debian", "E: Unable to locate package ")]
    assert len(failures[2]["error_detail"]) == 512
    assert "id" not in failures[0]
    # An older server's rows have no error_detail: it is "" there too.
    old = dict(aggregator.parts(), recent_failures=[{"created": "2026-11-27 10:00:00.000Z", "nsapp": "debian", "type": "lxc",
                                                     "node": "", "exit_code": 100}])
    assert finish(old)["recent_failures"][0]["error_detail"] == ""
