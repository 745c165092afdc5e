# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Benchmarks of the spool, printed as JSON and as Markdown tables (docs/benchmarks.md quotes them).

Run from a checkout:  source scripts/bootstrap.sh && python bench/spool.py [--hosts 50 --forks 10 --waiting 100000]

1. A run with events waiting: N hosts report and finish one install each (bench/playbooks/spool.yml) with a
   spool that is empty, and with one where W events wait (half kept for the run's hosts, half without a
   host), with the backend up (nothing is kept; each finish asks whether its create waits) and down (every
   event is kept); medians of R interleaved runs.
2. A flush of W events against a flush of 1000: wall time, events delivered within one time budget, peak
   memory (max RSS of the process that flushes); then a second flush, which resumes where the first stopped.
3. Dropping W events of a host that no longer consents.

Filling the spools is not measured: it appends through the spool's own code, without fsync.
Every server is a real PocketBase on a free loopback port; nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import PocketBase, free_port, inventory, run_playbook  # noqa: E402  (the bench's PocketBase and playbook runner)

from ansible_collections.community_scripts.telemetry.plugins.module_utils._client import TelemetryClient  # noqa: E402
from ansible_collections.community_scripts.telemetry.plugins.module_utils._lifecycle import EVENT_CREATE, EVENT_FINISH  # noqa: E402
from ansible_collections.community_scripts.telemetry.plugins.module_utils._payloads import (  # noqa: E402
    build_create_body,
    build_finish_body,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._spool import Spool, make_event  # noqa: E402

FLUSH = r"""
import json, sys, time
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.community_scripts.telemetry.plugins.module_utils._argspec import flush_argument_spec
from ansible_collections.community_scripts.telemetry.plugins.module_utils._tasks import TaskContext, run_flush

class Context(TaskContext):
    def __init__(self, refusal):
        self.refusal = refusal
    def warn(self, message):
        pass
    def consent_refusal(self):
        return self.refusal

url, spool, refusal = sys.argv[1], sys.argv[2], sys.argv[3] or None
params = ArgumentSpecValidator(flush_argument_spec()).validate(dict(url=url, spool_dir=spool)).validated_parameters
started = time.perf_counter()
result = run_flush(params, Context(refusal))
wall = time.perf_counter() - started
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent across execve
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps(dict(wall_s=wall, max_rss_kb=peak,
                      **{key: result.get(key) for key in ("delivered", "remaining", "dropped", "dropped_no_consent")})))
"""


def fill(directory: Path, url: str, count: int, owners: list) -> None:
    """``count`` events for ``url``: creates and finishes of count/2 attempts, the first half of them owned by
    ``owners`` in turn, the rest without an owner."""
    client = TelemetryClient(url)
    spool = Spool(str(directory))
    with mock.patch("os.fsync"):
        for index in range(count // 2):
            random_id = str(uuid.uuid4())
            owner = owners[index % len(owners)] if owners and index < count // 4 else None
            body = build_create_body(dict(random_id=random_id, type="lxc", nsapp="waiting", disk_size=8, core_count=2,
                                          ram_size=2048, os_type="debian", os_version="12"), "8.2.4")
            spool.append(make_event(EVENT_CREATE, client, random_id, body, owner=owner))
            spool.append(make_event(EVENT_FINISH, client, random_id, build_finish_body("failed", 214), owner=owner,
                                    record_id=None, force=False))


def flush(url: str, directory: Path, refusal: str = "") -> dict:
    answer = subprocess.run([sys.executable, "-c", FLUSH, url, str(directory), refusal], check=True, capture_output=True,
                            text=True, env=dict(os.environ, PYTHONPATH=os.environ["COLLECTIONS_ROOT"]))
    return json.loads(answer.stdout)


def bench_runs(server: PocketBase, down: str, full: dict, hosts: int, forks: int, waiting: int, repetitions: int,
               workdir: Path) -> dict:
    inv = inventory(workdir, hosts)
    times = {f"{state}, {spool}": [] for state in ("up", "down") for spool in ("empty", "full")}
    run_playbook("floor.yml", inv, forks, {})  # warm the file cache once
    for repetition in range(repetitions):
        for state, url in (("up", server.url), ("down", down)):
            for spool in ("empty", "full"):
                directory = full[state] if spool == "full" else workdir / f"empty-{state}-{repetition}"
                extra = {"url": url, "spool": str(directory), "run": f"{state}-{spool}-{repetition}",
                         "expect": "reported" if state == "up" else "spooled"}
                times[f"{state}, {spool}"].append(run_playbook("spool.yml", inv, forks, extra))
    medians = {name: statistics.median(values) for name, values in times.items()}
    fastest = {name: min(values) for name, values in times.items()}
    return {"hosts": hosts, "forks": forks, "waiting": waiting, "repetitions": repetitions, "times": times,
            "medians": medians, "fastest": fastest,
            "ratios": {state: medians[f"{state}, full"] / medians[f"{state}, empty"] for state in ("up", "down")},
            "ratios_fastest": {state: fastest[f"{state}, full"] / fastest[f"{state}, empty"] for state in ("up", "down")}}


def bench_flush(server: PocketBase, down: str, full: dict, workdir: Path) -> dict:
    """Flushes of the spools the runs used: the one for the live backend (its events without a host), and the drop of
    the one for the backend that is down (its host no longer consents; a drop sends nothing)."""
    small, large, dropped = workdir / "flush-small", full["up"], full["down"]
    fill(small, server.url, 1000, [])
    before = server.count()
    result = {"small": flush(server.url, small)}
    after_small = server.count()
    result["first"] = flush(server.url, large)
    result["second"] = flush(server.url, large)
    result["records_delivered"] = server.count() - after_small
    result["records_small"] = after_small - before
    counted = server.count()
    result["drop"] = flush(down, dropped, "diagnostics=no: the operator did not opt in")
    result["records_after_drop"] = server.count() - counted
    return result


def render(results: dict) -> str:
    runs, flushes = results["runs"], results["flush"]
    lines = [f"### A run with {runs['waiting']} events waiting: {runs['hosts']} hosts, forks {runs['forks']}, "
             f"median of {runs['repetitions']} interleaved runs", "",
             "| backend | spool | median wall time | fastest | runs (s) |", "|---|---|---|---|---|"]
    for name, values in runs["times"].items():
        state, spool = name.split(", ")
        lines.append(f"| {state} | {'empty' if spool == 'empty' else str(runs['waiting']) + ' events waiting'} | "
                     f"{runs['medians'][name]:.2f} s | {runs['fastest'][name]:.2f} s | {', '.join(f'{value:.2f}' for value in values)} |")
    lines += ["", "| ratio | of the medians | of the fastest runs | target |", "|---|---|---|---|"]
    for state, ratio in runs["ratios"].items():
        lines.append(f"| backend {state}: full / empty | **{ratio:.3f}** | {runs['ratios_fastest'][state]:.3f} | at most 1.5 |")
    lines += ["", "### A flush", "",
              "A flush reads only the queues of its host (here: the events kept without a host, half of those waiting).", "",
              "| flush | events for this flush | delivered | remaining | wall time | peak memory (VmHWM) |",
              "|---|---|---|---|---|---|"]
    for name, label in (("small", "first"), ("first", "first"), ("second", "second (resumes)")):
        row = flushes[name]
        lines.append(f"| {label} | {row['delivered'] + row['dropped'] + row['remaining']} | {row['delivered']} | "
                     f"{row['remaining']} | {row['wall_s']:.2f} s | {row['max_rss_kb'] / 1024:.1f} MB |")
    drop = flushes["drop"]
    lines.append(f"| host no longer consents | {drop['dropped_no_consent'] + drop['remaining']} | 0 (dropped unsent: "
                 f"{drop['dropped_no_consent']}) | {drop['remaining']} | {drop['wall_s']:.2f} s | {drop['max_rss_kb'] / 1024:.1f} MB |")
    lines += ["", f"Records the two flushes created: {flushes['records_delivered']} "
              f"(each create delivered once; a finish patches its record). Records after the drop: "
              f"{flushes['records_after_drop']} more."]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--forks", type=int, default=10)
    parser.add_argument("--waiting", type=int, default=100000)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--json", default=str(Path(os.environ["REPO_ROOT"]) / "build" / "bench-spool.json"))
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="telemetry-bench-spool-"))
    server = PocketBase()
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens there: refused at once
    try:
        owners = [f"bench-{i:03d}" for i in range(args.hosts)]
        full = {"up": workdir / "full-up", "down": workdir / "full-down"}
        print("filling the spools ...", flush=True)
        fill(full["up"], server.url, args.waiting, owners)
        fill(full["down"], down, args.waiting, owners)
        print("runs ...", flush=True)
        results = {"command": "python bench/spool.py " + " ".join(sys.argv[1:]),
                   "runs": bench_runs(server, down, full, args.hosts, args.forks, args.waiting, args.repetitions, workdir)}
        print("flushes ...", flush=True)
        results["flush"] = bench_flush(server, down, full, workdir)
    finally:
        server.stop()
        subprocess.run(["rm", "-rf", str(workdir)], check=False)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=2))
    print(render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
