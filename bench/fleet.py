# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fleet questions at scale: the server's aggregates route (GET /api/telemetry/aggregates), answered from the
rollup tables (pocketbase/pb_migrations/1720000000_add_fleet_rollups.js), beside the route before them and
beside the SQLite floor; printed as JSON and Markdown tables (docs/benchmarks.md quotes them).

Run from a checkout:  bench/run.sh --only fleet [--sizes 100000,1000000] [--shapes seed,catalogue]
                      (or: source scripts/bootstrap.sh && python bench/fleet.py ...)

For each shape (tests/utils/seed_records.py: ``seed``, 13 apps, 4 nodes, 14 days; ``catalogue``, 300 apps,
8 nodes, 30 days, three statuses) and size, records are seeded straight into a stopped PocketBase's data.db
(the triggers keep the rollups as they are written), then:

1. the route, computed: the median of R calls, each a question the server has not kept an answer for
   (``top`` 50, 51, ...); kept: the same question again (the server keeps answers per version of the data);
   a question with a time window whose edges are not on day boundaries (``since``/``before`` mid-day);
2. the route before the rollups (the hooks of git ref --before, the same data.db), computed;
3. the SQLite floor, best of 3 in Python's sqlite3 on the same data.db, read-only: the same answer from the
   records (the GROUP BYs of the route before) and from the rollup tables;
4. with --plays N (the default 3), the playbooks a reader runs, N times each, interleaved: the
   ``pve_telemetry_info`` play of bench/playbooks/info.yml (limit 0, as the fleet report asks), the two-task
   ``debug`` play of bench/playbooks/debug.yml beside it (Ansible's floor for a two-task play), and the fleet
   report (``community_scripts.telemetry.fleet_report``, its defaults), whose page must be written;
5. at --concurrency-size records, C concurrent identical calls, on a server just started (nothing kept yet)
   and again: median and slowest answer, how many were answered, the server's peak RSS (VmHWM); before and
   after the rollups.

Every server is a real PocketBase on a free loopback port (bench/run.py's); nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (the bench's PocketBase; run.COLLECTION_ROOT says whose migrations and hooks it starts)
from run import PocketBase, machine  # noqa: E402

sys.path.insert(0, str(run.COLLECTION_ROOT / "tests" / "utils"))
from seed_records import seed  # noqa: E402  (tests/utils/seed_records.py)

ROUTE = "/api/telemetry/aggregates"
SHAPES = {"seed": {"shape": "seed", "days": 14}, "catalogue": {"shape": "catalogue", "days": 30}}
KEEP = {"TELEMETRY_STALE_AFTER": "100000d"}  # the seeded days are old: keep the data as seeded
TABLE = "_dev_telemetry_data"
# The answer from the records (the queries of the route before the rollups), and from the rollup tables.
RECORDS_FLOOR = [
    f"SELECT nsapp, status, type, node, substr(created, 1, 10), CAST(exit_code AS INTEGER), COUNT(*), MIN(created), MAX(created)"
    f" FROM {TABLE} GROUP BY nsapp, status, type, node, substr(created, 1, 10), exit_code",
    f"SELECT nsapp, install_duration, COUNT(*) FROM {TABLE} WHERE install_duration > 0 GROUP BY nsapp, install_duration",
    f"SELECT created, nsapp, type, node, exit_code, error_detail FROM {TABLE} WHERE status = 'failed'"
    " ORDER BY created DESC, id DESC LIMIT 20",
]
ROLLUPS_FLOOR = [
    "SELECT day, status, SUM(n) FROM _telemetry_rollup_day GROUP BY day, status",
    "SELECT app, status, SUM(n) FROM _telemetry_rollup_app GROUP BY app, status",
    "SELECT type, status, SUM(n) FROM _telemetry_rollup_type GROUP BY type, status",
    "SELECT node, status, SUM(n) FROM _telemetry_rollup_node GROUP BY node, status",
    "SELECT code, app, SUM(n) FROM _telemetry_rollup_code GROUP BY code, app",
    "SELECT app, v, SUM(n) FROM _telemetry_rollup_duration WHERE app IN (SELECT app FROM _telemetry_rollup_app"
    " GROUP BY app ORDER BY SUM(n) DESC, app LIMIT 50) GROUP BY app, v",
    f"SELECT MIN(created), MAX(created) FROM {TABLE}",
    RECORDS_FLOOR[2],
]


def best_of(db_path: Path, queries: list, repetitions: int = 3) -> float:
    best = None
    for dummy in range(repetitions):
        connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        started = time.perf_counter()
        for query in queries:
            connection.execute(query).fetchall()
        elapsed = time.perf_counter() - started
        connection.close()
        best = elapsed if best is None else min(best, elapsed)
    return best


def root_of(ref: str, workdir: Path) -> Path:
    """A directory with pocketbase/ as it was at git ref (the route before), for run.PocketBase."""
    root = workdir / f"root-{ref}"
    if not root.exists():
        root.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(run.REPO_ROOT), "archive", ref, "pocketbase"], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(root)], input=archive, check=True)
    return root


def server(directory: Path, root: Path | None = None) -> PocketBase:
    """bench/run.py's PocketBase with the hooks, of this checkout or of another root."""
    saved = run.COLLECTION_ROOT
    run.COLLECTION_ROOT = root or saved
    try:
        return PocketBase(directory, hooks=True, env=KEEP)
    finally:
        run.COLLECTION_ROOT = saved


def call(url: str, params: dict | None = None) -> tuple:
    started = time.perf_counter()
    answer = requests.get(url + ROUTE, params=params or {}, timeout=600)
    return time.perf_counter() - started, answer


def peak_rss_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))


def concurrent(url: str, callers: int) -> dict:
    barrier = threading.Barrier(callers)
    results = [None] * callers

    def one(index):
        barrier.wait()
        try:
            results[index] = call(url)
        except requests.RequestException as error:
            results[index] = (None, error)

    threads = [threading.Thread(target=one, args=(index,)) for index in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    times = [wall for wall, answer in results if wall is not None and answer.status_code == 200]
    return {"callers": callers, "answered": len(times), "median_s": statistics.median(times) if times else None,
            "max_s": max(times) if times else None}


def measure_route(url: str, repetitions: int, total: int) -> dict:
    cold, answer = call(url)
    assert answer.status_code == 200 and answer.json()["total"] == total, answer.text[:300]
    computed = [call(url, {"top": str(50 + index)})[0] for index in range(1, repetitions + 1)]
    kept = [call(url)[0] for dummy in range(repetitions)]
    windowed = [call(url, {"since": "2026-11-03 12:00", "before": "2026-11-12 06:00", "top": str(50 + index)})[0]
                for index in range(repetitions)]
    return {"cold_s": cold, "computed_s": computed, "kept_s": kept, "windowed_s": windowed, "bytes": len(answer.content),
            "source": answer.json().get("source", "records")}


def bench_shape(name: str, sizes: list, args, workdir: Path) -> list:
    directory = Path(tempfile.mkdtemp(prefix=f"telemetry-bench-fleet-{name}-"))
    rows, seeded = [], 0
    try:
        PocketBase(directory).stop()  # the schema in place (with the rollup tables and triggers), then stopped
        for size in sizes:
            started = time.perf_counter()
            seed(str(directory / "pb_data" / "data.db"), size - seeded, seed_value=size, days=SHAPES[name]["days"],
                 shape=SHAPES[name]["shape"])
            row = {"shape": name, "size": size, "seed_s": time.perf_counter() - started}
            seeded = size
            db = directory / "pb_data" / "data.db"
            row["floor_records_s"] = best_of(db, RECORDS_FLOOR)
            row["floor_rollups_s"] = best_of(db, ROLLUPS_FLOOR)
            if args.plays:
                pocketbase = server(directory)
                try:
                    row["plays"] = measure_plays(pocketbase.url, size, args.plays, workdir)
                finally:
                    pocketbase.stop()
            variants = [("after", None)] + ([("before", root_of(args.before, workdir))] if size <= args.before_cap else [])
            for label, root in variants:
                pocketbase = server(directory, root)
                try:
                    row[label] = measure_route(pocketbase.url, args.repetitions if label == "after" else min(args.repetitions, 3), size)
                    row[label]["rss_kb"] = peak_rss_kb(pocketbase.process.pid)
                finally:
                    pocketbase.stop()
                if size == args.concurrency_size:
                    pocketbase = server(directory, root)
                    try:
                        first = concurrent(pocketbase.url, args.concurrency)
                        again = concurrent(pocketbase.url, args.concurrency)
                        row[label]["concurrent"] = {"first": first, "again": again, "rss_kb": peak_rss_kb(pocketbase.process.pid)}
                    finally:
                        pocketbase.stop()
            print(json.dumps(row), flush=True)
            rows.append(row)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return rows


def measure_plays(url: str, total: int, repetitions: int, workdir: Path) -> dict:
    """The info play, the two-task floor and the fleet report, interleaved, each run ``repetitions`` times."""
    inventory = run.localhost_inventory(workdir / "localhost.json")
    page = workdir / "fleet-report.html"
    commands = {
        "info": ["ansible-playbook", "-i", str(inventory), str(run.PLAYBOOKS / "info.yml"), "-e",
                 json.dumps({"url": url, "source": "server", "records": total, "info_timeout": 120})],
        "two_tasks": ["ansible-playbook", "-i", str(inventory), str(run.PLAYBOOKS / "debug.yml")],
        "report": ["ansible-playbook", "-i", str(inventory), "community_scripts.telemetry.fleet_report", "-e",
                   json.dumps({"telemetry_url": url, "report_path": str(page)})],
    }
    walls = {name: [] for name in commands}
    for dummy in range(repetitions):
        for name, command in commands.items():
            page.unlink(missing_ok=True)
            started = time.perf_counter()
            subprocess.run(command, check=True, env=run.ansible_env(), stdout=subprocess.DEVNULL)
            walls[name].append(time.perf_counter() - started)
            if name == "report":
                assert page.stat().st_size > 0, "the fleet report wrote no page"
    return {name: {"runs_s": runs, "median_s": statistics.median(runs)} for name, runs in walls.items()}


def med(values) -> str:
    return f"{statistics.median(values):.3f} s"


def render(results: dict) -> str:
    lines = [f"Produced by `{results['command']}` on {results['date']}. Machine: {results['machine']}.", "",
             "| shape | records | route, computed | route, kept | window mid-day | route before | SQLite floor: records | "
             "SQLite floor: rollups | answer |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in results["rows"]:
        after, before = row["after"], row.get("before")
        lines.append(
            f"| {row['shape']} | {row['size']:,} | {med(after['computed_s'])} | {med(after['kept_s'])} | {med(after['windowed_s'])} | "
            f"{med(before['computed_s']) if before else 'not run'} | {row['floor_records_s']:.3f} s | {row['floor_rollups_s']:.3f} s | "
            f"{after['bytes'] / 1024:.0f} KB |")
    lines += ["", "Runs (s), computed: " + "; ".join(
        f"{row['shape']} {row['size']:,}: " + ", ".join(f"{value:.3f}" for value in row["after"]["computed_s"])
        + (" / before: " + ", ".join(f"{value:.3f}" for value in row["before"]["computed_s"]) if row.get("before") else "")
        for row in results["rows"])]
    plays = [row for row in results["rows"] if "plays" in row]
    if plays:
        lines += ["", "| shape | records | `pve_telemetry_info` play | two-task play | ratio | fleet report written |",
                  "|---|---|---|---|---|---|"]
        for row in plays:
            measured = row["plays"]
            lines.append(f"| {row['shape']} | {row['size']:,} | {measured['info']['median_s']:.2f} s | "
                         f"{measured['two_tasks']['median_s']:.2f} s | "
                         f"{measured['info']['median_s'] / measured['two_tasks']['median_s']:.2f}x | "
                         f"{measured['report']['median_s']:.2f} s |")
    concurrency = [(row, label) for row in results["rows"] for label in ("before", "after") if "concurrent" in (row.get(label) or {})]
    if concurrency:
        lines += ["", "| shape | records | route | callers | answered | median | slowest | then again: median | slowest | server peak RSS |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for row, label in concurrency:
            measured = row[label]["concurrent"]
            first, again = measured["first"], measured["again"]

            def seconds(value):
                return f"{value:.2f} s" if value is not None else "none"
            lines.append(f"| {row['shape']} | {row['size']:,} | {label} | {first['callers']} | {first['answered']} | "
                         f"{seconds(first['median_s'])} | {seconds(first['max_s'])} | {seconds(again['median_s'])} | "
                         f"{seconds(again['max_s'])} | {measured['rss_kb'] / 1024:.0f} MiB |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--shapes", default="seed,catalogue")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--before", default="007f8a1", help="the git ref of the route before the rollups")
    parser.add_argument("--before-cap", type=int, default=1000000, help="measure the route before only up to this many records")
    parser.add_argument("--plays", type=int, default=3, help="runs of each playbook a reader runs (0: none)")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--concurrency-size", type=int, default=100000)
    parser.add_argument("--json", default=str(run.REPO_ROOT / "build" / "bench-fleet.json"))
    parser.add_argument("--render-only", action="store_true", help="print the tables from --json without measuring")
    args = parser.parse_args()
    if args.render_only:
        print(render(json.loads(Path(args.json).read_text())))
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="telemetry-bench-fleet-work-"))
    results = {"command": "bench/run.sh --only fleet " + " ".join(sys.argv[1:]), "machine": machine(),
               "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "rows": []}
    try:
        for name in args.shapes.split(","):
            results["rows"] += bench_shape(name, [int(size) for size in args.sizes.split(",")], args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=2))
    print(render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
