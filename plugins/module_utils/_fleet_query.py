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
from collections import Counter

from ansible_collections.community_scripts.telemetry.plugins.module_utils._client import pb_quote
from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import TelemetryValueError
from ansible_collections.community_scripts.telemetry.plugins.module_utils._exit_codes import explain_exit_code
from ansible_collections.community_scripts.telemetry.plugins.module_utils._records import (
    STATUS_FAILED,
    STATUS_SUCCESS,
    STATUS_UNKNOWN,
)

_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$")


def check_time(value: str | None, option: str) -> str | None:
    """A time as PocketBase stores it (UTC): ``2026-11-01`` or ``2026-11-01 10:00[:00]``."""
    if value is None:
        return None
    value = value.strip().replace("T", " ").rstrip("Z")
    if not _TIME_RE.match(value):
        raise TelemetryValueError(option, f"must be a UTC date or time such as 2026-11-01 or 2026-11-01 10:00:00, got {value!r}")
    return value


def build_filter(app: str | None = None, status: str | None = None, record_type: str | None = None,
                 since: str | None = None, before: str | None = None) -> str:
    """The PocketBase filter of a fleet question; every value quoted, nothing pasted."""
    terms = []
    for field, value in (("nsapp", app), ("status", status), ("type", record_type)):
        if value:
            terms.append(f"{field}={pb_quote(value)}")
    if since:
        terms.append(f"created>={pb_quote(check_time(since, 'since'))}")
    if before:
        terms.append(f"created<{pb_quote(check_time(before, 'before'))}")
    return " && ".join(f"({term})" for term in terms)


def _failure_rate(counts: Counter) -> float | None:
    finished = counts[STATUS_SUCCESS] + counts[STATUS_FAILED]
    return round(counts[STATUS_FAILED] / finished, 4) if finished else None


def aggregate(records: list, top: int = 5) -> dict:
    """Counts per status and per app, the failure rate (failed / finished), and the most frequent failure codes."""
    by_status = Counter(record.get("status", "") for record in records)
    per_app: dict = {}
    for record in records:
        per_app.setdefault(record.get("nsapp", ""), Counter())[record.get("status", "")] += 1
    failures = Counter(record.get("exit_code") for record in records
                       if record.get("status") in (STATUS_FAILED, STATUS_UNKNOWN) and record.get("exit_code"))
    return {
        "total": len(records),
        "by_status": dict(sorted(by_status.items())),
        "by_app": {app: {"total": sum(counts.values()), "by_status": dict(sorted(counts.items())),
                         "failure_rate": _failure_rate(counts)}
                   for app, counts in sorted(per_app.items(), key=lambda item: (-sum(item[1].values()), item[0]))},
        "failure_rate": _failure_rate(by_status),
        "top_exit_codes": [{"exit_code": code, "count": count, "explanation": explain_exit_code(code)}
                           for code, count in sorted(failures.items(), key=lambda item: (-item[1], item[0]))[:top]],
        "first": min((record.get("created", "") for record in records), default=None),
        "last": max((record.get("created", "") for record in records), default=None),
    }
