#!/usr/bin/env python
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Compare pve_telemetry_info's answers with the same aggregates computed independently, in SQL, on
PocketBase's data.db (opened read-only), and check which way the module took.

    expected_aggregates.py DATA_DB ANSWERS_JSON EXPECTED_SOURCE [SERVER_URL]

ANSWERS_JSON: the registered results of a looped pve_telemetry_info task; each one's ``item`` is its
question ({app, status, type, since, before, node, top, top_apps}).
Explanations come from the collection's own filter (explain_exit_code), as the module's do.

SERVER_URL (with EXPECTED_SOURCE server): the route is asked once whether it has the node filter, top and
error_detail (its answer carries apps_total). A route older than those answers node questions with the whole
fleet, so the module must have counted them from the records instead; its failures come without their
error_detail, which the module reads from the records: the answers are the same.
"""

from __future__ import annotations

import json
import sqlite3
import sys

import requests

from ansible_collections.community_scripts.telemetry.plugins.module_utils._exit_codes import explain_exit_code

TABLE = "_dev_telemetry_data"


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


def rate(failed: int, succeeded: int):
    return round(failed / (failed + succeeded), 4) if failed + succeeded else None


def summary(db, column: str, clause: str, values: list) -> dict:
    """{key: {total, by_status, failure_rate}} most frequent first, then by key."""
    out: dict = {}
    for key, status, count in db.execute(
            f"SELECT {column}, status, COUNT(*) FROM {TABLE} WHERE {clause} GROUP BY 1, 2", values):
        out.setdefault(key, {})[status] = count
    ordered = sorted(out.items(), key=lambda item: (-sum(item[1].values()), item[0]))
    return {key: {"total": sum(counts.values()), "by_status": dict(sorted(counts.items())),
                  "failure_rate": rate(counts.get("failed", 0), counts.get("sucess", 0))} for key, counts in ordered}


def nearest_rank(values: list, fraction_num: int, fraction_den: int):
    # the smallest value with at least num/den of all values at or below it
    for index, value in enumerate(values, start=1):
        if index * fraction_den >= len(values) * fraction_num:
            return int(value) if float(value).is_integer() else value
    return None


def expected(db, question: dict) -> dict:
    clause, values = where(question)
    top = question.get("top", 5)
    total, first, last = db.execute(f"SELECT COUNT(*), MIN(created), MAX(created) FROM {TABLE} WHERE {clause}", values).fetchone()
    by_status = dict(db.execute(f"SELECT status, COUNT(*) FROM {TABLE} WHERE {clause} GROUP BY status ORDER BY status", values).fetchall())
    codes = db.execute(
        f"SELECT exit_code, COUNT(*) AS n FROM {TABLE} WHERE {clause} AND status IN ('failed', 'unknown') AND exit_code <> 0"
        f" GROUP BY exit_code ORDER BY n DESC, exit_code LIMIT ?", values + [top]).fetchall()
    # The per-app parts: the top_apps apps with the most records (then by name); the rest summed as others.
    ranked = [app for app, dummy in db.execute(f"SELECT nsapp, COUNT(*) AS n FROM {TABLE} WHERE {clause} GROUP BY nsapp"
                                               " ORDER BY n DESC, nsapp", values)]
    shown = ranked[:question.get("top_apps", 50)]
    folded = json.dumps(ranked[len(shown):])
    others = dict(db.execute(f"SELECT status, COUNT(*) FROM {TABLE} WHERE {clause} AND nsapp IN (SELECT value FROM json_each(?))"
                             " GROUP BY status ORDER BY status", values + [folded]).fetchall())
    by_code_app = []
    for code, count in codes:
        apps = db.execute(f"SELECT nsapp, COUNT(*) AS n FROM {TABLE} WHERE {clause} AND status IN ('failed', 'unknown')"
                          f" AND exit_code = ? GROUP BY nsapp ORDER BY n DESC, nsapp", values + [code]).fetchall()
        by_code_app.append({"exit_code": code, "count": count, "apps": [{"app": app, "count": n} for app, n in apps if app in shown],
                            "others": sum(n for app, n in apps if app not in shown)})
    durations = {}
    for (app,) in db.execute(f"SELECT DISTINCT nsapp FROM {TABLE} WHERE {clause} AND install_duration > 0 ORDER BY nsapp", values):
        if app not in shown:
            continue
        found = [row[0] for row in db.execute(f"SELECT install_duration FROM {TABLE} WHERE {clause} AND nsapp = ?"
                                              f" AND install_duration > 0 ORDER BY install_duration", values + [app])]
        durations[app] = {"count": len(found), "median": nearest_rank(found, 1, 2), "p95": nearest_rank(found, 95, 100)}
    days = summary(db, "substr(created, 1, 10)", clause, values)
    recent = db.execute(f"SELECT created, nsapp, type, node, exit_code, substr(error_detail, 1, 512) FROM {TABLE} WHERE {clause}"
                        f" AND status = 'failed' ORDER BY created DESC, id DESC LIMIT 20", values).fetchall()
    return {
        "total": total,
        "by_status": by_status,
        "by_app": {app: counts for app, counts in summary(db, "nsapp", clause, values).items() if app in shown},
        "apps_total": len(ranked),
        "others": {"apps": len(ranked) - len(shown), "total": sum(others.values()), "by_status": others,
                   "failure_rate": rate(others.get("failed", 0), others.get("sucess", 0))},
        "failure_rate": rate(by_status.get("failed", 0), by_status.get("sucess", 0)),
        "top_exit_codes": [{"exit_code": code, "count": count, "explanation": explain_exit_code(code)} for code, count in codes],
        "first": first,
        "last": last,
        "by_type": summary(db, "type", clause, values),
        "by_day": [dict(day=day, **days[day]) for day in sorted(days)],
        "by_node": summary(db, "node", clause + " AND node <> ''", values),
        "exit_codes_by_app": by_code_app,
        "durations": durations,
        "recent_failures": [{"created": c, "nsapp": a, "type": t, "node": n, "exit_code": e, "explanation": explain_exit_code(e),
                             "error_detail": d or ""} for c, a, t, n, e, d in recent],
    }


def main() -> int:
    db_path, answers_path, source = sys.argv[1:4]
    current = True
    if len(sys.argv) > 4:
        answer = requests.get(sys.argv[4] + "/api/telemetry/aggregates", params={"top": 1}, timeout=60)
        answer.raise_for_status()
        current = "apps_total" in answer.json()
        print(f"the server's route is {'current' if current else 'older: no node filter, top or error_detail'}")
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    answers = json.load(open(answers_path, encoding="utf-8"))
    failures = 0
    for item in answers:
        question, answer = item["item"], item
        # A server whose route is older than the node filter is asked nothing it would ignore: the module counts
        # the records instead (and warns).
        fell_back = source == "server" and not current and question.get("node")
        want = expected(db, question)
        got = answer["aggregates"]
        # Equal values, and the same order where order means something (most frequent first, oldest day first).
        problems = [key for key in want if want[key] != got.get(key)
                    or (isinstance(want[key], dict) and list(want[key]) != list(got.get(key) or {}))]
        if answer.get("source") != ("records" if fell_back else source):
            problems.append(f"source={answer.get('source')}")
        if not question and set(want["by_status"]) != {"installing", "sucess", "failed", "unknown"}:
            problems.append(f"the seed should have every status, has {sorted(want['by_status'])}")
        if answer["count"] != want["total"]:
            problems.append("count")
        if sorted(got) != sorted(want):
            problems.append(f"keys {sorted(set(got) ^ set(want))}")
        print(f"{'FAIL' if problems else 'ok'}  {json.dumps(question)}  total={want['total']} {' '.join(problems)}")
        for key in problems:
            if key in want:
                print(f"   want {key}: {json.dumps(want[key])[:600]}\n   got  {key}: {json.dumps(got.get(key))[:600]}")
        failures += bool(problems)
    if not answers:
        print("no answers to check")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
