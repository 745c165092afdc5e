# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Benchmarks of community_scripts.telemetry: they measure, and write what they measured as JSON
(build/benchmarks.json) and as Markdown tables (build/benchmarks.md, also printed). docs/benchmarks.md is
written by hand around those tables.

Run from a checkout:  bench/run.sh  (sets up .venv and the collection tree, then runs this)

1. Fleet lifecycle: N local hosts (forks F) report and finish one install each, with this
   collection's modules, with the same lifecycle written by hand with ansible.builtin.uri, and
   with Ansible's floor (two ansible.builtin.ping tasks); medians over R interleaved repetitions.
2. Worst case: one report with default settings against a backend that accepts connections and
   never answers, against the documented bound (timeout 4 s x (retries 2 + 1) = 12 s).
3. Lookup cost: finish-by-lookup latency (lookup by random_id + PATCH, with the collection's
   client) with 1k, 10k and 100k records, with the shipped unique index and without it.
4. Peak memory (max RSS, /usr/bin/time -v) of one module run.
5. Fleet questions (``--only info``): pve_telemetry_info over 10k, 100k and 1M records, computed by the
   server (pocketbase/pb_hooks) and from the records (keyset paging), wall time of the whole play and
   peak memory, beside the SQLite floor (the same GROUP BYs straight in sqlite3).

Every server is a real PocketBase on a free loopback port (tests/utils/pocketbase_server.py, the tests' way
to start it); nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

COLLECTION_ROOT = Path(os.environ["COLLECTION_DIR"])
REPO_ROOT = Path(os.environ["REPO_ROOT"])
sys.path.insert(0, os.environ["COLLECTIONS_ROOT"])

from ansible_collections.community_scripts.telemetry.plugins.module_utils._client import TelemetryClient  # noqa: E402
from ansible_collections.community_scripts.telemetry.plugins.module_utils._payloads import (  # noqa: E402
    build_create_body,
    build_finish_body,
)
from ansible_collections.community_scripts.telemetry.tests.utils.pocketbase_server import PocketBaseServer  # noqa: E402
# bench/spool.py takes free_port from here, with PocketBase, inventory and run_playbook
from ansible_collections.community_scripts.telemetry.tests.utils.pocketbase_server import free_port  # noqa: E402,F401 pylint: disable=unused-import

COLLECTION = "_dev_telemetry_data"
ADMIN = ("bench@example.com", "bench-password-123")
INDEX = "CREATE UNIQUE INDEX `idx_dev_telemetry_random_id` ON `_dev_telemetry_data` (`random_id`)"
PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"


class PocketBase(PocketBaseServer):
    """The bench's PocketBase, started at once, with a superuser and its session (``admin``) for the set-up."""

    def __init__(self, directory: Path | None = None, hooks: bool = False, env: dict | None = None):
        super().__init__(directory, hooks=hooks, env=env, superuser=ADMIN, collection_root=COLLECTION_ROOT)
        self.start()
        token = requests.post(f"{self.url}/api/collections/_superusers/auth-with-password",
                              json={"identity": ADMIN[0], "password": ADMIN[1]}, timeout=10).json()["token"]
        self.admin = requests.Session()
        self.admin.headers["Authorization"] = token

    def set_index(self, present: bool) -> None:
        answer = self.admin.patch(f"{self.url}/api/collections/{COLLECTION}", json={"indexes": [INDEX] if present else []}, timeout=60)
        answer.raise_for_status()

    def count(self) -> int:
        answer = self.admin.get(f"{self.url}/api/collections/{COLLECTION}/records", params={"perPage": 1}, timeout=30)
        return answer.json()["totalItems"]

    def fill(self, total: int) -> None:
        """Add records (through the batch API, 1000 at a time) until there are ``total``."""
        self.admin.patch(f"{self.url}/api/settings", json={"batch": {"enabled": True, "maxRequests": 1000, "timeout": 30}},
                         timeout=30).raise_for_status()
        missing = total - self.count()
        while missing > 0:
            size = min(1000, missing)
            batch = [{"method": "POST", "url": f"/api/collections/{COLLECTION}/records", "body": body()} for dummy in range(size)]
            self.admin.post(f"{self.url}/api/batch", json={"requests": batch}, timeout=120).raise_for_status()
            missing -= size


def body(random_id: str | None = None) -> dict:
    return build_create_body(dict(random_id=random_id or str(uuid.uuid4()), type="lxc", ct_type=None, nsapp="bench",
                                  disk_size=8, core_count=2, ram_size=2048, os_type="debian", os_version="12",
                                  method="default"), "8.2.4")


def ansible_env(collections_root: str | None = None) -> dict:
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_root or os.environ["COLLECTIONS_ROOT"],
               ANSIBLE_STDOUT_CALLBACK="ansible.builtin.null", ANSIBLE_HOST_KEY_CHECKING="False")
    return env


def inventory(directory: Path, hosts: int) -> Path:
    path = directory / f"inventory-{hosts}.json"
    path.write_text(json.dumps({"all": {"hosts": {f"bench-{i:03d}": {} for i in range(hosts)},
                                        "vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}))
    return path


def localhost_inventory(path: Path) -> Path:
    """An inventory of the controller alone, run with the bench's Python."""
    path.write_text(json.dumps({"all": {"hosts": {"localhost": {"ansible_connection": "local",
                                                                "ansible_python_interpreter": sys.executable}}}}))
    return path


def run_playbook(playbook: str, inventory_path: Path, forks: int, extra: dict, collections_root: str | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(["ansible-playbook", "-i", str(inventory_path), "-f", str(forks), str(PLAYBOOKS / playbook),
                    "-e", json.dumps(extra)], check=True, env=ansible_env(collections_root), stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def fleet_variants(workdir: Path) -> dict:
    """Each row of the fleet table: its playbook and extra variables."""
    consent_file = workdir / "diagnostics"
    consent_file.write_text("DIAGNOSTICS=yes\n")
    return {
        "controller": ("modules.yml", {"delivery": "controller"}),
        "controller, diagnostics auto": ("modules.yml", {"delivery": "controller", "consent_file": str(consent_file)}),
        "host": ("modules.yml", {"delivery": "host"}),
        "uri": ("uri.yml", {}),
        "ping": ("floor.yml", {}),
        "debug": ("debug.yml", {}),
    }


def bench_fleet(server: PocketBase, hosts: int, forks: int, repetitions: int, workdir: Path) -> dict:
    inv = inventory(workdir, hosts)
    variants = fleet_variants(workdir)
    times = {name: [] for name in variants}
    run_playbook("floor.yml", inv, forks, {})  # warm the file cache once
    for repetition in range(repetitions):
        for index, (name, (playbook, extra)) in enumerate(variants.items()):  # interleaved: drift hits every row alike
            run = {"url": server.url, "run": f"{index}-{repetition}"}
            times[name].append(run_playbook(playbook, inv, forks, dict(extra, **run)))
    medians = {name: statistics.median(values) for name, values in times.items()}
    return {"hosts": hosts, "forks": forks, "repetitions": repetitions, "times": times, "medians": medians,
            "ratios": {
                "controller / uri": medians["controller"] / medians["uri"],
                "controller, diagnostics auto / uri": medians["controller, diagnostics auto"] / medians["uri"],
                "host / uri": medians["host"] / medians["uri"],
                "controller / debug": medians["controller"] / medians["debug"],
                "uri / ping": medians["uri"] / medians["ping"],
            }}


def bench_role(server: PocketBase, hosts: int, forks: int, repetitions: int, workdir: Path, baseline: str | None = None) -> dict:
    """The provision role's telemetry overhead: the role around `true`, against a play that only runs `true`.

    ``baseline``: another collections root (an earlier commit's ``build/``, say), whose role runs as one more
    variant, interleaved with the others, so that a change to the role is measured before and after in one run."""
    inv = inventory(workdir, hosts)
    consent_file = workdir / "diagnostics"
    consent_file.write_text("DIAGNOSTICS=yes\n")
    variants = {
        "role, diagnostics yes": ("role.yml", {"url": server.url}, None),
        "role, diagnostics auto": ("role.yml", {"url": server.url, "consent_file": str(consent_file)}, None),
        "role, diagnostics yes, a spool": ("role.yml", {"url": server.url, "spool_dir": str(workdir / "spool")}, None),
        "the role's shape, doing nothing": ("role_shape.yml", {}, None),
        "command: true alone": ("command.yml", {}, None),
    }
    if baseline:
        variants["the baseline's role, diagnostics yes"] = ("role.yml", {"url": server.url}, baseline)
    times = {name: [] for name in variants}
    for dummy in range(repetitions):
        for name, (playbook, extra, collections_root) in variants.items():
            times[name].append(run_playbook(playbook, inv, forks, extra, collections_root))
    medians = {name: statistics.median(values) for name, values in times.items()}
    ratios = {"ratio": "role, diagnostics yes", "ratio_auto": "role, diagnostics auto",
              "ratio_spool": "role, diagnostics yes, a spool", "ratio_shape": "the role's shape, doing nothing",
              "ratio_baseline": "the baseline's role, diagnostics yes"}
    return {"hosts": hosts, "forks": forks, "repetitions": repetitions, "times": times, "medians": medians,
            **({"baseline": baseline} if baseline else {}),
            **{key: medians[name] / medians["command: true alone"] for key, name in ratios.items() if name in medians}}


def bench_worst_case(workdir: Path) -> dict:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held = []
    stop = threading.Event()

    def accept_and_hold():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])  # accept, never answer
            except OSError:
                pass

    thread = threading.Thread(target=accept_and_hold, daemon=True)
    thread.start()
    inv = inventory(workdir, 1)
    try:
        hung = run_playbook("worst_case.yml", inv, 1, {"url": f"http://127.0.0.1:{listener.getsockname()[1]}"})
        floor = run_playbook("floor_one.yml", inv, 1, {})
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        listener.close()
    return {"wall": hung, "floor": floor, "telemetry": hung - floor, "bound": 4 * (2 + 1)}


def bench_lookup(server: PocketBase, sizes: list, samples: int) -> list:
    client = TelemetryClient(server.url, COLLECTION, timeout=30, retries=0)
    rows = []
    for size in sizes:
        server.fill(size)
        targets = []
        for dummy in range(samples):  # the records finished in the measurement, created once per size
            payload = body()
            targets.append((payload["random_id"], client.create(payload)["id"]))
        for indexed in (True, False):
            server.set_index(indexed)
            latencies = []
            for random_id, dummy in targets:
                client.renew_budget()  # a fresh budget per measured finish
                started = time.perf_counter()
                record = client.find(random_id)
                client.patch(record["id"], random_id, build_finish_body("failed", 214))
                latencies.append((time.perf_counter() - started) * 1000)
            latencies.sort()
            rows.append({"records": server.count(), "index": indexed, "median_ms": statistics.median(latencies),
                         "p95_ms": latencies[int(len(latencies) * 0.95) - 1]})
        server.set_index(True)
    return rows


def bench_memory(server: PocketBase, workdir: Path) -> dict:
    args = {"ANSIBLE_MODULE_ARGS": {"url": server.url, "diagnostics": "yes", "random_id": str(uuid.uuid4()), "nsapp": "bench"}}
    args_file = workdir / "args.json"
    args_file.write_text(json.dumps(args))
    module = COLLECTION_ROOT / "plugins" / "modules" / "pve_telemetry_report.py"
    env = dict(os.environ, PYTHONPATH=os.environ["COLLECTIONS_ROOT"])
    result = subprocess.run(["/usr/bin/time", "-v", sys.executable, str(module), str(args_file)],
                            capture_output=True, text=True, env=env, check=True)
    max_rss = next(int(line.split(":")[1]) for line in result.stderr.splitlines() if "Maximum resident set size" in line)
    baseline = subprocess.run(["/usr/bin/time", "-v", sys.executable, "-c", "import ansible.module_utils.basic"],
                              capture_output=True, text=True, check=True)
    base_rss = next(int(line.split(":")[1]) for line in baseline.stderr.splitlines() if "Maximum resident set size" in line)
    return {"module_max_rss_kb": max_rss, "python_with_ansible_basic_kb": base_rss, "answer": json.loads(result.stdout)}


def max_rss_and_wall(command: list, env: dict) -> tuple:
    """Wall time (s) and peak resident memory (KiB, of the biggest process of the run) of a command."""
    started = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-v", *command], capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"{command} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return wall, next(int(line.split(":")[1]) for line in result.stderr.splitlines() if "Maximum resident set size" in line)


# The aggregate queries of pocketbase/pb_hooks/telemetry_lib.js without a filter, straight in sqlite3: the floor.
FLOOR_QUERIES = [
    "SELECT nsapp, status, type, node, substr(created, 1, 10), CAST(exit_code AS INTEGER), COUNT(*) FROM _dev_telemetry_data"
    " GROUP BY nsapp, status, type, node, substr(created, 1, 10), exit_code",
    "SELECT MIN(created), MAX(created) FROM _dev_telemetry_data",
    "SELECT nsapp, install_duration, COUNT(*) FROM _dev_telemetry_data WHERE install_duration > 0 GROUP BY nsapp, install_duration",
    "SELECT created, nsapp, type, node, exit_code FROM _dev_telemetry_data WHERE status = 'failed' ORDER BY created DESC, id DESC LIMIT 20",
]


def sqlite_floor(db_path: Path, repetitions: int = 3) -> float:
    """Best of a few runs of every aggregate query, read-only, in one connection (seconds)."""
    import sqlite3
    best = None
    for dummy in range(repetitions):
        connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        started = time.perf_counter()
        for query in FLOOR_QUERIES:
            connection.execute(query).fetchall()
        elapsed = time.perf_counter() - started
        connection.close()
        best = elapsed if best is None else min(best, elapsed)
    return best


def bench_info(sizes: list, fallback_cap: int, workdir: Path, repetitions: int = 3) -> list:
    """pve_telemetry_info at each size, server-side and from the records, with the SQLite floor beside it."""
    sys.path.insert(0, str(COLLECTION_ROOT / "tests" / "utils"))
    from seed_records import seed  # noqa: E402  (tests/utils/seed_records.py)
    directory = Path(tempfile.mkdtemp(prefix="telemetry-bench-info-"))
    keep_installing = {"TELEMETRY_STALE_AFTER": "100000d"}  # the seeded days are old: keep the data as seeded
    inv = localhost_inventory(workdir / "info-inventory.json")
    rows, seeded = [], 0
    try:
        PocketBase(directory).stop()  # the schema in place, then stopped: seed straight into SQLite
        for size in sizes:
            started = time.perf_counter()
            seed(str(directory / "pb_data" / "data.db"), size - seeded, seed_value=size)
            seed_time = time.perf_counter() - started
            seeded = size
            row = {"size": size, "seed_s": seed_time, "floor_s": sqlite_floor(directory / "pb_data" / "data.db")}
            for source, hooks in (("server", True), ("records", False)):
                if source == "records" and size > fallback_cap:
                    row[source] = None
                    continue
                server = PocketBase(directory, hooks=hooks, env=keep_installing)
                try:
                    route = None
                    if hooks:
                        started = time.perf_counter()
                        answer = requests.get(f"{server.url}/api/telemetry/aggregates", timeout=600)
                        route = time.perf_counter() - started
                        assert answer.json()["total"] == size, answer.text[:300]
                    extra = {"url": server.url, "source": source, "records": size, "info_timeout": 120}
                    runs = [max_rss_and_wall(["ansible-playbook", "-i", str(inv), str(PLAYBOOKS / "info.yml"),
                                              "-e", json.dumps(extra)], ansible_env())
                            for dummy in range(repetitions if source == "server" else 1)]
                    row[source] = {"wall_s": statistics.median(wall for wall, dummy in runs),
                                   "runs_s": [wall for wall, dummy in runs],
                                   "max_rss_kb": max(rss for dummy, rss in runs), "route_s": route}
                finally:
                    server.stop()
                print(f"  {size} records, {source}: {row[source]}", flush=True)
            rows.append(row)
        floors = [max_rss_and_wall(["ansible-playbook", "-i", str(inv), str(PLAYBOOKS / "floor_one.yml")], ansible_env())
                  for dummy in range(repetitions)]
        rows.append({"ansible_floor": {"wall_s": statistics.median(wall for wall, dummy in floors),
                                       "max_rss_kb": max(rss for dummy, rss in floors)}})
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return rows


def bench_imports(repetitions: int = 7) -> dict:
    """Median wall time of a Python that imports what each kind of module needs, and of an empty one."""
    programs = {
        "python (nothing)": "pass",
        "ansible.module_utils.basic (ping)": "import ansible.module_utils.basic",
        "+ ansible.module_utils.urls (uri)": "import ansible.module_utils.basic, ansible.module_utils.urls",
        "+ requests (this collection)": "import ansible.module_utils.basic, requests",
    }
    medians = {}
    for name, program in programs.items():
        times = []
        for dummy in range(repetitions):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", program], check=True)
            times.append(time.perf_counter() - started)
        medians[name] = statistics.median(times)
    return medians


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = next(line.split(":", 1)[1].strip() for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    core = subprocess.run(["ansible", "--version"], capture_output=True, text=True, check=True).stdout.splitlines()[0]
    return f"{os.cpu_count()} cores ({cpu}), {memory} RAM, Python {platform.python_version()}, {core}, PocketBase 0.40.6"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--forks", type=int, default=10)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--lookup-sizes", default="1000,10000,100000")
    parser.add_argument("--lookup-samples", type=int, default=100)
    parser.add_argument("--json", default=str(REPO_ROOT / "build" / "benchmarks.json"), help="what was measured")
    parser.add_argument("--tables", default=str(REPO_ROOT / "build" / "benchmarks.md"),
                        help="the Markdown tables of --json (docs/benchmarks.md quotes them)")
    parser.add_argument("--render-only", action="store_true", help="write the tables from --json without measuring")
    parser.add_argument("--only", choices=["info", "role"], help="measure only this part; --json keeps the other parts")
    parser.add_argument("--role-baseline", metavar="COLLECTIONS_ROOT",
                        help="also run the provision role from this collections root (an earlier commit's build/), interleaved")
    parser.add_argument("--info-sizes", default="10000,100000,1000000")
    parser.add_argument("--fallback-cap", type=int, default=1000000,
                        help="read the records (the fallback) only up to this many; larger sizes show the server alone")
    args = parser.parse_args()
    json_path, tables_path = Path(args.json), Path(args.tables)
    if not args.render_only:
        results = json.loads(json_path.read_text()) if args.only and json_path.exists() else {}
        results.update(measure(args))
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(results, indent=2))
    tables = render(json.loads(json_path.read_text()))
    tables_path.parent.mkdir(parents=True, exist_ok=True)
    tables_path.write_text(tables)
    print(tables)
    print(f"written: {json_path} and {tables_path}", file=sys.stderr)
    return 0


def measure(args) -> dict:
    """What the command line asks for, each part with the command, the date and the machine it was measured on."""
    measured = {"command": ("bench/run.sh " + " ".join(sys.argv[1:])).strip(),
                "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": machine()}
    workdir = Path(tempfile.mkdtemp(prefix="telemetry-bench-work-"))
    results = {}
    try:
        if args.only == "info":
            print("fleet questions ...", flush=True)
            rows = bench_info([int(size) for size in args.info_sizes.split(",")], args.fallback_cap, workdir, args.repetitions)
            return {"info": dict(measured, fallback_cap=args.fallback_cap, rows=rows)}
        server = PocketBase()
        try:
            if args.only == "role":
                print("provision role ...", flush=True)
                return {"role": dict(bench_role(server, args.hosts, args.forks, args.repetitions, workdir, args.role_baseline), **measured)}
            results.update(measured)
            print("fleet lifecycle ...", flush=True)
            results["fleet"] = bench_fleet(server, args.hosts, args.forks, args.repetitions, workdir)
            print("provision role ...", flush=True)
            results["role"] = dict(bench_role(server, args.hosts, args.forks, args.repetitions, workdir, args.role_baseline), **measured)
            print("worst case ...", flush=True)
            results["worst_case"] = bench_worst_case(workdir)
            print("imports ...", flush=True)
            results["imports"] = bench_imports()
            print("memory ...", flush=True)
            results["memory"] = bench_memory(server, workdir)
            print("lookup ...", flush=True)
            results["lookup"] = bench_lookup(server, [int(size) for size in args.lookup_sizes.split(",")], args.lookup_samples)
        finally:
            server.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return results


# The tables: one per measurement, under the headings of docs/benchmarks.md, each after a line that says how and
# where it was measured. What the numbers mean is written by hand in docs/benchmarks.md.

def table(header: list, rows: list) -> list:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header), *("| " + " | ".join(row) + " |" for row in rows)]


def runs(values: list) -> str:
    return ", ".join(f"{value:.2f}" for value in values)


def measured_by(part: dict) -> str:
    return f"Measured by `{part['command']}` on {part['date']}. Machine: {part['machine']}."


FLEET_TARGETS = {"controller / uri": "at most 0.15", "controller, diagnostics auto / uri": "at most 0.6", "host / uri": "at most 1.0"}


def render_fleet(results: dict) -> list:
    fleet = results["fleet"]
    return [
        f"## 1. Fleet lifecycle: {fleet['hosts']} hosts, forks {fleet['forks']}, median of {fleet['repetitions']} interleaved runs",
        "", measured_by(results), "",
        *table(["variant", "median wall time", "runs (s)"],
               [[name, f"{fleet['medians'][name]:.2f} s", runs(values)] for name, values in fleet["times"].items()]),
        "",
        *table(["ratio", "measured", "target"],
               [[name, f"**{value:.3f}**", FLEET_TARGETS.get(name, "")] for name, value in fleet["ratios"].items()]),
        "",
        *table(["imports", "median"], [[name, f"{value * 1000:.0f} ms"] for name, value in results["imports"].items()]),
    ]


def render_role(role: dict) -> list:
    ratios = [f"**{role['ratio']:.2f}x** (diagnostics yes)", f"**{role['ratio_auto']:.2f}x** (diagnostics auto)"]
    if "ratio_spool" in role:
        ratios.append(f"**{role['ratio_spool']:.2f}x** (diagnostics yes, a spool to flush)")
    if "ratio_shape" in role:
        ratios.append(f"**{role['ratio_shape']:.2f}x** (the role's shape, doing nothing)")
    if "ratio_baseline" in role:
        ratios.append(f"**{role['ratio_baseline']:.2f}x** (the baseline's role, diagnostics yes, from {role['baseline']})")
    return [
        f"### The provision role's overhead: {role['hosts']} hosts, forks {role['forks']}, median of {role['repetitions']} runs",
        "", measured_by(role), "",
        *table(["variant", "median wall time", "runs (s)"],
               [[name, f"{role['medians'][name]:.2f} s", runs(values)] for name, values in role["times"].items()]),
        "",
        "- role / `command: true` alone: " + ", ".join(ratios),
    ]


def render_worst_case(worst: dict) -> list:
    return [
        "## 2. Worst case: a backend that accepts connections and never answers",
        "",
        f"- documented bound on the network (timeout 4 s, retries 2): **{worst['bound']} s**",
        f"- wall time of the one-task playbook: {worst['wall']:.2f} s",
        f"- the same playbook with `ansible.builtin.ping` instead: {worst['floor']:.2f} s",
        f"- time spent on telemetry (the difference): **{worst['telemetry']:.2f} s**",
    ]


def render_lookup(lookup: list) -> list:
    return [
        "## 3. Finish-by-lookup latency as the collection grows",
        "",
        *table(["records", "unique index on random_id", "median", "p95"],
               [[str(row["records"]), "yes" if row["index"] else "no", f"{row['median_ms']:.2f} ms", f"{row['p95_ms']:.2f} ms"]
                for row in lookup]),
    ]


def render_memory(memory: dict) -> list:
    return [
        "## 4. Peak memory of one module run",
        "",
        f"- maximum resident set size: **{memory['module_max_rss_kb'] / 1024:.1f} MiB**",
        f"- for comparison, a Python that only imports `ansible.module_utils.basic`: {memory['python_with_ansible_basic_kb'] / 1024:.1f} MiB",
    ]


def render_info(info: dict) -> list:
    rows = [row for row in info["rows"] if "size" in row]
    floor = next((row["ansible_floor"] for row in info["rows"] if "ansible_floor" in row), None)

    def cell(measure):
        if not measure:
            return f"not run (above the cap of {info['fallback_cap']:,} records)", ""
        return f"{measure['wall_s']:.2f} s", f"{measure['max_rss_kb'] / 1024:.0f} MiB"

    lines = []
    for row in rows:
        server_time, server_memory = cell(row.get("server"))
        if row.get("server"):
            server_time += f" ({runs(row['server']['runs_s'])})"
        records_time, records_memory = cell(row.get("records"))
        route = row["server"]["route_s"] if row.get("server") else None
        lines.append([f"{row['size']:,}", server_time, server_memory, f"{route:.2f} s" if route is not None else "",
                      records_time, records_memory, f"{row['floor_s']:.2f} s"])
    out = ["## 5. Fleet questions at scale", "", measured_by(info), "",
           *table(["records", "server: play", "server: memory", "route alone", "records: play", "records: memory", "SQLite floor"], lines)]
    if floor:
        out += ["", f"Ansible's floor, a one-task `ansible.builtin.ping` play on the same inventory: {floor['wall_s']:.2f} s, "
                    f"{floor['max_rss_kb'] / 1024:.0f} MiB."]
    by_size = {row["size"]: row["server"]["wall_s"] for row in rows if row.get("server")}
    sizes = sorted(by_size)
    out.append("")
    if len(sizes) > 1:
        out += [f"- server-side, {sizes[-1]:,} records against {sizes[-2]:,}: **{by_size[sizes[-1]] / by_size[sizes[-2]]:.2f}x** "
                f"({by_size[sizes[-1]]:.2f} s against {by_size[sizes[-2]]:.2f} s)"]
    memories = [row[source]["max_rss_kb"] for row in rows for source in ("server", "records") if row.get(source)]
    if memories:
        out += [f"- peak memory over every row above: from {min(memories) / 1024:.0f} to "
                f"{max(memories) / 1024:.0f} MiB"]
    return out


def render(results: dict) -> str:
    """The tables of every part measured so far, in the order of docs/benchmarks.md."""
    parts = []
    if "fleet" in results:
        parts.append(render_fleet(results))
    if "role" in results:
        parts.append(render_role(dict({key: results[key] for key in ("command", "date", "machine") if key in results},
                                      **results["role"])))
    if "worst_case" in results:
        parts.append(render_worst_case(results["worst_case"]))
    if "lookup" in results:
        parts.append(render_lookup(results["lookup"]))
    if "memory" in results:
        parts.append(render_memory(results["memory"]))
    if "info" in results:
        parts.append(render_info(results["info"]))
    return "\n\n".join("\n".join(part) for part in parts) + "\n"


if __name__ == "__main__":
    sys.exit(main())
