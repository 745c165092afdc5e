#!/usr/bin/env python
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The server's aggregates route (pocketbase/pb_hooks, answered from the rollup tables that
pocketbase/pb_migrations/1720000000_add_fleet_rollups.js keeps with triggers) equals the same answer
computed independently, in SQL, on PocketBase's data.db, and every rollup table equals a GROUP BY of the
records.

    rollups.py URL DATA_DB EMAIL PASSWORD STEP

STEP live: records created and finished over HTTP, one deleted by the superuser, a bulk import of old
records straight into data.db while the server runs; the answers checked after each. STEP check: only
the check (after the stale sweep of a restart). Exits 1 on any difference, printing it.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import uuid

import requests

TABLE = "_dev_telemetry_data"
ROUTE = "/api/telemetry/aggregates"
# (question, whether the rollups answer it: no app, type or node filter)
QUESTIONS = [
    ({}, True),
    ({"top": "3"}, True),
    ({"top": "1", "status": "failed"}, True),
    ({"since": "2026-11-04"}, True),
    ({"since": "2026-11-04 10:00", "before": "2026-11-10 12:00:30"}, True),
    ({"since": "2026-11-05 09:00", "before": "2026-11-05 18:00"}, True),
    ({"before": "2026-11-09"}, True),
    ({"status": "unknown", "since": "2026-10-02 12:00"}, True),
    ({"status": "installing"}, True),
    ({"since": "2030-01-01"}, True),
    ({"node": "pve1", "top": "4"}, False),
    ({"app": "debian", "since": "2026-11-03 05:00"}, False),
    ({"type": "vm", "top": "2"}, False),
]
ROLLUPS = {  # table: (the key columns, the same keys and condition from the records)
    "_telemetry_rollup_day": ("day, status", "substr(created, 1, 10), status", "1"),
    "_telemetry_rollup_app": ("app, status, day", "nsapp, status, substr(created, 1, 10)", "1"),
    "_telemetry_rollup_type": ("type, status, day", "type, status, substr(created, 1, 10)", "1"),
    "_telemetry_rollup_node": ("node, status, day", "node, status, substr(created, 1, 10)", "node <> ''"),
    "_telemetry_rollup_code": ("code, app, status, day", "CAST(exit_code AS INTEGER), nsapp, status, substr(created, 1, 10)",
                               "status IN ('failed', 'unknown') AND exit_code <> 0"),
    "_telemetry_rollup_duration": ("app, v", "nsapp, install_duration", "install_duration > 0"),
    "_telemetry_rollup_duration_bucket": ("app, b", "nsapp, CAST(install_duration AS INTEGER) / 10", "install_duration > 0"),
}


def where(question: dict):
    terms, values = ["1"], []
    for column, key in (("nsapp", "app"), ("status", "status"), ("type", "type"), ("node", "node")):
        if question.get(key):
            terms.append(f"{column} = ?")
            values.append(question[key])
    if question.get("since"):
        terms.append("created >= ?")
        values.append(question["since"])
    if question.get("before"):
        terms.append("created < ?")
        values.append(question["before"])
    return " AND ".join(terms), values


def nearest_rank(values: list, num: int, den: int):
    for index, value in enumerate(values, start=1):
        if index * den >= len(values) * num:
            return value
    return None


def expected(db, question: dict) -> dict:
    """The route's answer, computed from the records alone."""
    clause, values = where(question)
    top = int(question.get("top", 50))

    def grouped(key: str, extra: str = ""):
        return [list(row) for row in db.execute(
            f"SELECT {key}, status, COUNT(*) FROM {TABLE} WHERE {clause}{extra} GROUP BY 1, 2 ORDER BY 1, 2", values)]

    total, first, last = db.execute(f"SELECT COUNT(*), MIN(created), MAX(created) FROM {TABLE} WHERE {clause}", values).fetchone()
    ranked = db.execute(f"SELECT nsapp, COUNT(*) AS n FROM {TABLE} WHERE {clause} GROUP BY nsapp ORDER BY n DESC, nsapp", values).fetchall()
    shown = [app for app, dummy in ranked[:top]]
    folded = [app for app, dummy in ranked[top:]]
    codes = db.execute(f"SELECT CAST(exit_code AS INTEGER), nsapp, COUNT(*) FROM {TABLE} WHERE {clause}"
                       " AND status IN ('failed', 'unknown') AND exit_code <> 0 GROUP BY 1, 2 ORDER BY 1, 2", values).fetchall()
    other_status = db.execute(
        f"SELECT status, COUNT(*) FROM {TABLE} WHERE {clause} AND nsapp IN (SELECT value FROM json_each(?)) GROUP BY 1 ORDER BY 1",
        values + [json.dumps(folded)]).fetchall()
    other_codes = {}
    for code, app, count in codes:
        if app in folded:
            other_codes[code] = other_codes.get(code, 0) + count
    durations = []
    for app in sorted(shown):
        found = [row[0] for row in db.execute(f"SELECT install_duration FROM {TABLE} WHERE {clause} AND nsapp = ?"
                                              " AND install_duration > 0 ORDER BY install_duration", values + [app])]
        if found:
            durations.append([app, len(found), nearest_rank(found, 1, 2), nearest_rank(found, 95, 100)])
    recent = db.execute(f"SELECT created, nsapp, type, node, CAST(exit_code AS INTEGER), substr(error_detail, 1, 512) FROM {TABLE}"
                        f" WHERE {clause} AND status = 'failed' ORDER BY created DESC, id DESC LIMIT 20", values).fetchall()
    return {
        "version": 1, "total": total, "first": first, "last": last,
        "by_app_status": [row for row in grouped("nsapp") if row[0] in shown],
        "by_type_status": grouped("type"),
        "by_day_status": grouped("substr(created, 1, 10)"),
        "by_node_status": grouped("node", " AND node <> ''"),
        "exit_codes": [[code, app, count] for code, app, count in codes if app in shown],
        "durations": durations,
        "recent_failures": [{"created": c, "nsapp": a, "type": t, "node": n, "exit_code": e, "error_detail": d or ""}
                            for c, a, t, n, e, d in recent],
        "apps_total": len(ranked),
        "others": {"apps": len(folded), "by_status": [list(row) for row in other_status],
                   "exit_codes": sorted([code, count] for code, count in other_codes.items())},
    }


def check(url: str, db_path: str, session: requests.Session, label: str) -> int:
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    failures = 0
    for table, (keys, expressions, condition) in ROLLUPS.items():
        kept = sorted(db.execute(f"SELECT {keys}, n FROM {table}").fetchall())
        counted = sorted(db.execute(f"SELECT {expressions}, COUNT(*) FROM {TABLE} WHERE {condition} GROUP BY {expressions}").fetchall())
        if kept != counted:
            failures += 1
            print(f"FAIL {label}: {table} differs from the records: {len(kept)} rows kept, {len(counted)} counted, e.g. "
                  f"{sorted(set(kept) ^ set(counted))[:5]}")
    for question, from_rollups in QUESTIONS:
        for attempt in ("first", "kept"):  # the second answer may come from the server's kept answers
            answer = session.get(url + ROUTE, params=question, timeout=60)
            answer.raise_for_status()
            got = answer.json()
            want = expected(db, question)
            problems = [key for key in want if want[key] != got.get(key)]
            if got.get("source") != ("rollups" if from_rollups else "records"):
                problems.append(f"source={got.get('source')}")
            print(f"{'FAIL' if problems else 'ok'}  {label} {attempt} {json.dumps(question)} total={want['total']} {' '.join(problems)}")
            for key in problems:
                if key in want:
                    print(f"   want {key}: {json.dumps(want[key])[:800]}\n   got  {key}: {json.dumps(got.get(key))[:800]}")
            failures += bool(problems)
    db.close()
    return failures


def live(url: str, db_path: str, session: requests.Session) -> int:
    """Creates, finishes, a superuser delete and a bulk import, the answers checked after each."""
    records = url + f"/api/collections/{TABLE}/records"
    failures = check(url, db_path, session, "seeded")
    made = []
    for index, (app, node) in enumerate([("debian", "pve1"), ("rollup-new-app", "pve9"), ("debian", ""), ("jellyfin", "pve2")]):
        body = {"random_id": str(uuid.uuid4()), "type": "lxc", "ct_type": 1, "nsapp": app, "status": "installing",
                "node": node, "exit_code": 0, "pve_version": "8.2.4"}
        answer = requests.post(records, json=body, timeout=30)  # anonymous, as the modules create
        answer.raise_for_status()
        made.append(answer.json()["id"])
    failures += check(url, db_path, session, "created")
    detail = "E: Unable to locate package " + "x" * 700
    finishes = [{"status": "failed", "exit_code": 100, "install_duration": 41, "error_detail": detail},
                {"status": "sucess", "exit_code": 0, "install_duration": 12.5},
                {"status": "failed", "exit_code": 214, "install_duration": 7, "error_detail": "no space"}]
    for record_id, finish in zip(made, finishes):
        session.patch(f"{records}/{record_id}", json=finish, timeout=30).raise_for_status()
    failures += check(url, db_path, session, "finished")
    session.delete(f"{records}/{made[0]}", timeout=30).raise_for_status()  # the superuser deletes a record
    failures += check(url, db_path, session, "deleted")
    # A bulk import of old records, straight into data.db while the server runs (as tests/utils/seed_records.py
    # writes: the triggers keep the rollups, the server's kept answers see the new version).
    sys.path.insert(0, sys.argv[6])
    from seed_records import seed  # noqa: E402
    seed(db_path, 700, seed_value=99, days=5, start="2026-10-01")
    failures += check(url, db_path, session, "imported")
    return failures


def main() -> int:
    url, db_path, email, password, step = sys.argv[1:6]
    session = requests.Session()
    token = session.post(url + "/api/collections/_superusers/auth-with-password",
                         json={"identity": email, "password": password}, timeout=30)
    token.raise_for_status()
    session.headers["Authorization"] = token.json()["token"]
    failures = live(url, db_path, session) if step == "live" else check(url, db_path, session, step)
    print(f"{failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
