# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The fleet query: the PocketBase filter of a fleet question, and the
aggregates of its answer. PRIVATE to this collection. Pure: no network, no
module object; the client pages through the records.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from datetime import datetime, timedelta, timezone

from ansible_collections.community_scripts.telemetry.plugins.module_utils._client import pb_quote
from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import TelemetryValueError
from ansible_collections.community_scripts.telemetry.plugins.module_utils._exit_codes import explain_exit_code
from ansible_collections.community_scripts.telemetry.plugins.module_utils._records import (
    STATUS_FAILED,
    STATUS_SUCCESS,
    STATUS_UNKNOWN,
)

# How many of the newest failed attempts the aggregates list, and how much of each one's error_detail
# (the server's route cuts it at the same length).
RECENT_FAILURES = 20
ERROR_DETAIL_SHOWN = 512
# The per-app parts (by_app, durations, the apps of each exit code) list at most this many apps, most
# installed first; the rest are summed in ``others``. The server's route takes the same range as ``top``.
TOP_APPS_RANGE = (1, 1000)

_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$")
# A window back from now: 30m, 12h, 7d, 4w.
_RELATIVE_RE = re.compile(r"([0-9]{1,6})\s*([mhdw])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def check_time(value: str | None, option: str, now: datetime | None = None) -> str | None:
    """A time as PocketBase stores it (UTC): ``2026-11-01`` or ``2026-11-01 10:00[:00]``, or a window back from
    now (``30m``, ``12h``, ``7d``, ``4w``), which is written as the UTC time it names."""
    if value is None:
        return None
    value = value.strip()
    relative = _RELATIVE_RE.fullmatch(value.lower())
    if relative:
        amount, unit = int(relative.group(1)), _UNITS[relative.group(2)]
        start = (now or datetime.now(timezone.utc)) - timedelta(**{unit: amount})
        return start.strftime("%Y-%m-%d %H:%M:%S")
    value = value.replace("T", " ").rstrip("Z")
    if not _TIME_RE.match(value):
        raise TelemetryValueError(option, "must be a UTC date or time such as 2026-11-01 or 2026-11-01 10:00:00, or a "
                                          f"window back from now such as 30m, 12h, 7d or 4w, got {value!r}")
    return value


def check_top_apps(value, option: str = "top_apps") -> int:
    """How many apps the per-app parts list: an integer within TOP_APPS_RANGE."""
    low, high = TOP_APPS_RANGE
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise TelemetryValueError(option, f"must be a whole number from {low} to {high}, got {value!r}")
    return value


def fleet_query(app: str | None = None, status: str | None = None, record_type: str | None = None,
                since: str | None = None, before: str | None = None, node: str | None = None) -> dict:
    """A fleet question, its times checked and written as PocketBase stores them: what ``build_filter`` and
    the server's aggregates route (``TelemetryClient.aggregates``) both take."""
    return dict(app=app, status=status, type=record_type, since=check_time(since, "since"), before=check_time(before, "before"),
                node=node)


def build_filter(query: dict) -> str:
    """The PocketBase filter of a fleet question (a ``fleet_query``); every value quoted, nothing pasted."""
    terms = [f"{field}={pb_quote(query[key])}" for field, key in (("nsapp", "app"), ("status", "status"), ("type", "type"),
                                                                  ("node", "node"))
             if query.get(key)]
    if query["since"]:
        terms.append(f"created>={pb_quote(query['since'])}")
    if query["before"]:
        terms.append(f"created<{pb_quote(query['before'])}")
    return " && ".join(f"({term})" for term in terms)


def _failure_rate(counts: Counter) -> float | None:
    finished = counts[STATUS_SUCCESS] + counts[STATUS_FAILED]
    return round(counts[STATUS_FAILED] / finished, 4) if finished else None


def _number(value):
    """A JSON number as Python has it either way: 12.0 from SQL and 12 from a record are both 12."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _nearest_rank(sorted_counts: list, total: int, rank: int):
    """The rank-th smallest value (1-based) of [(value, how many), ...] sorted by value."""
    seen = 0
    for value, count in sorted_counts:
        seen += count
        if seen >= rank:
            return value
    return None


def percentiles(values: Counter) -> dict:
    """Count, median and p95 of values given as {value: how many}, by nearest rank: the median is the
    ceil(n/2)-th smallest value, p95 the ceil(0.95 n)-th. The server's SQL uses the same definition."""
    total = sum(values.values())
    ordered = sorted(values.items())
    return {"count": total, "median": _number(_nearest_rank(ordered, total, (total + 1) // 2)),
            "p95": _number(_nearest_rank(ordered, total, (total * 95 + 99) // 100))}


class Aggregator:
    """The aggregates of records seen one at a time: it keeps counts, never the records.

    ``parts()`` has the shape the server's route answers (pocketbase/pb_hooks/telemetry_lib.js), so both
    ways end in the same ``finish``. Memory grows with the distinct apps, days, nodes, exit codes and
    durations, not with the records.
    """

    def __init__(self):
        self.total = 0
        self.first = self.last = None
        self.by = {"app": Counter(), "type": Counter(), "day": Counter(), "node": Counter()}
        self.exit_codes = Counter()
        self.durations: dict = {}
        self.recent = deque(maxlen=RECENT_FAILURES)  # records arrive oldest first: the last ones stay

    def add(self, record: dict) -> None:
        status, app, created = record.get("status", ""), record.get("nsapp", ""), record.get("created", "")
        self.total += 1
        self.first = created if self.first is None else min(self.first, created)
        self.last = created if self.last is None else max(self.last, created)
        self.by["app"][(app, status)] += 1
        self.by["type"][(record.get("type", ""), status)] += 1
        self.by["day"][(created[:10], status)] += 1
        node = record.get("node") or ""
        if node:
            self.by["node"][(node, status)] += 1
        code = record.get("exit_code")
        if status in (STATUS_FAILED, STATUS_UNKNOWN) and code:
            self.exit_codes[(int(code), app)] += 1
        duration = record.get("install_duration")
        if duration and duration > 0:
            self.durations.setdefault(app, Counter())[_number(duration)] += 1
        if status == STATUS_FAILED:
            # error_detail is None when it was not read (past the records returned): see missing_details.
            self.recent.append({"id": record.get("id"), "created": created, "nsapp": app, "type": record.get("type", ""),
                                "node": node, "exit_code": int(code or 0), "error_detail": record.get("error_detail")})

    def missing_details(self) -> list:
        """The ids of the recent failures whose error_detail was not read: counting reads only what it needs,
        so the few details shown are read afterwards (``fill_details``)."""
        return [failure["id"] for failure in self.recent if failure["error_detail"] is None and failure["id"]]

    def fill_details(self, details: dict) -> None:
        """The error_detail of recent failures, by record id ("" for a record without one)."""
        for failure in self.recent:
            if failure["error_detail"] is None:
                failure["error_detail"] = details.get(failure["id"]) or ""

    def parts(self) -> dict:
        def rows(counter):
            return [[key, status, count] for (key, status), count in sorted(counter.items())]
        durations = []
        for app, values in sorted(self.durations.items()):
            stats = percentiles(values)
            durations.append([app, stats["count"], stats["median"], stats["p95"]])
        return {
            "total": self.total, "first": self.first, "last": self.last,
            "by_app_status": rows(self.by["app"]), "by_type_status": rows(self.by["type"]),
            "by_day_status": rows(self.by["day"]), "by_node_status": rows(self.by["node"]),
            "exit_codes": [[code, app, count] for (code, app), count in sorted(self.exit_codes.items())],
            "durations": durations,
            "recent_failures": [{key: value for key, value in dict(failure, error_detail=(failure["error_detail"] or "")
                                                                   [:ERROR_DETAIL_SHOWN]).items() if key != "id"}
                                for failure in reversed(self.recent)],
        }


def _grouped(rows: list) -> dict:
    """{key: Counter(status: count)} from [[key, status, count], ...]."""
    groups: dict = {}
    for key, status, count in rows:
        groups.setdefault(key, Counter())[status] += count
    return groups


def _summary(counts: Counter) -> dict:
    return {"total": sum(counts.values()), "by_status": dict(sorted(counts.items())), "failure_rate": _failure_rate(counts)}


def _most_first(groups: dict) -> dict:
    return {key: _summary(counts) for key, counts in sorted(groups.items(), key=lambda item: (-sum(item[1].values()), item[0]))}


def _bounded(parts: dict, top_apps: int | None):
    """The per-app parts of an answer, at most ``top_apps`` apps (most records first, then by name), and the
    rest summed: (shown apps {app: Counter}, others {apps, by_status Counter, exit_codes Counter}, apps_total).

    The server's route bounds its answer itself (``top``) and says what it folded (``others``, ``apps_total``);
    an Aggregator's parts, or an older server's answer, list every app and are bounded here, the same way."""
    given = parts.get("others") or {}
    others = {"apps": int(given.get("apps", 0)),
              "by_status": Counter(dict(given.get("by_status", []))),
              "exit_codes": Counter({int(code): count for code, count in given.get("exit_codes", [])})}
    by_app = _grouped(parts["by_app_status"])
    ranked = sorted(by_app, key=lambda app: (-sum(by_app[app].values()), app))
    folded = set(ranked[top_apps:]) if top_apps is not None else set()
    for app in folded:
        others["apps"] += 1
        others["by_status"].update(by_app.pop(app))
    for code, app, count in parts["exit_codes"]:
        if app in folded:
            others["exit_codes"][int(code)] += count
    apps_total = parts.get("apps_total", len(ranked) + int(given.get("apps", 0)))
    return by_app, others, apps_total


def finish(parts: dict, top: int = 5, top_apps: int | None = None) -> dict:
    """The aggregates of an answer, from the server's parts or an Aggregator's: the same dict either way.
    ``top``: how many exit codes; ``top_apps``: how many apps the per-app parts list (None: all)."""
    by_app, others, apps_total = _bounded(parts, top_apps)
    by_status = Counter(others["by_status"])
    for counts in by_app.values():
        by_status.update(counts)
    per_code, apps_per_code = Counter(others["exit_codes"]), {}
    for code, app, count in parts["exit_codes"]:
        if app in by_app:
            per_code[int(code)] += count
            apps_per_code.setdefault(int(code), Counter())[app] += count
    top_codes = sorted(per_code.items(), key=lambda item: (-item[1], item[0]))[:max(top, 0)]
    return {
        "total": parts["total"],
        "by_status": dict(sorted(by_status.items())),
        "by_app": _most_first(by_app),
        "apps_total": apps_total,
        "others": dict(apps=others["apps"], **_summary(others["by_status"])),
        "failure_rate": _failure_rate(by_status),
        "top_exit_codes": [{"exit_code": code, "count": count, "explanation": explain_exit_code(code)} for code, count in top_codes],
        "first": parts["first"] or None,
        "last": parts["last"] or None,
        "by_type": _most_first(_grouped(parts["by_type_status"])),
        "by_day": [dict(day=day, **_summary(counts)) for day, counts in sorted(_grouped(parts["by_day_status"]).items())],
        "by_node": _most_first(_grouped(parts["by_node_status"])),
        "exit_codes_by_app": [
            {"exit_code": code, "count": count,
             "apps": [{"app": app, "count": hits} for app, hits in sorted(apps_per_code.get(code, Counter()).items(),
                                                                          key=lambda item: (-item[1], item[0]))],
             "others": others["exit_codes"][code]}
            for code, count in top_codes],
        "durations": {app: {"count": count, "median": _number(median), "p95": _number(p95)}
                      for app, count, median, p95 in sorted(parts["durations"], key=lambda row: row[0]) if app in by_app},
        # An older server's rows have no error_detail: "" as for a failure without one.
        "recent_failures": [dict(failure, exit_code=int(failure["exit_code"]), explanation=explain_exit_code(int(failure["exit_code"])),
                                 error_detail=(failure.get("error_detail") or "")[:ERROR_DETAIL_SHOWN])
                            for failure in parts["recent_failures"]],
    }


def aggregate(records, top: int = 5, top_apps: int | None = None) -> dict:
    """The aggregates of records (any iterable, read once)."""
    aggregator = Aggregator()
    for record in records:
        aggregator.add(record)
    return finish(aggregator.parts(), top, top_apps)
