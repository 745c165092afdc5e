#!/usr/bin/env python
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Seed telemetry records in bulk, straight into a stopped PocketBase's data.db (written for the tests
and the benchmarks; one HTTP call per record would take minutes at 100k).

    seed_records.py DATA_DB COUNT [--seed N] [--days D] [--start 2026-11-01] [--extended | --no-extended]
                    [--shape seed | catalogue]

The collection must exist (start the server once with the migrations, stop it, then seed). Each record
gets a valid 15-character PocketBase id, a random_id UUID, and a varied app, status, type, node, day,
exit code and duration; many records share a created timestamp, so paging must break ties by id.
Deterministic for a given --seed. Nodes and durations are written only when the schema has those columns.
Shapes: ``seed`` (the default) has 13 apps, 4 nodes (one of them ""), four statuses; ``catalogue`` has the shape of
the community scripts' catalogue: 300 apps, 8 nodes, three statuses (sucess, failed, unknown); give it --days 30.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import string
import sys
import uuid
from datetime import datetime, timedelta

TABLE = "_dev_telemetry_data"
APPS = ["debian", "jellyfin", "homeassistant", "nextcloud", "immich", "it's-app", "docker", "adguard",
        "pihole", "vaultwarden", "plex", "ubuntu", "constructor"]  # constructor: no JS object prototype trap
NODES = ["", "pve1", "pve2", "pve-lab"]
CODES = [1, 137, 214, 225, 100, 127, 2, 255]
ID_CHARS = string.ascii_lowercase + string.digits
# name: (apps, nodes, statuses and their weights)
SHAPES = {
    "seed": (APPS, NODES, (["sucess", "failed", "unknown", "installing"], [70, 20, 5, 5])),
    "catalogue": ([f"script-{number:03d}" for number in range(1, 301)], [f"pve{number}" for number in range(1, 9)],
                  (["sucess", "failed", "unknown"], [75, 20, 5])),
}


def columns(connection) -> set:
    return {row[1] for row in connection.execute(f"PRAGMA table_info(`{TABLE}`)")}


def rows(count: int, rng: random.Random, start: datetime, days: int, extended: bool, shape: str = "seed"):
    apps, nodes, (statuses, status_weights) = SHAPES[shape]
    app_weights = [rng.randint(1, 20) for dummy in apps]
    for dummy in range(count):
        app = rng.choices(apps, app_weights)[0]
        record_type = "vm" if rng.random() < 0.2 else "lxc"
        status = rng.choices(statuses, status_weights)[0]
        code = 0 if status in ("sucess", "installing") else rng.choice(CODES + [0])
        # Ten distinct moments a day: many records share a created value.
        created = start + timedelta(days=rng.randrange(days), minutes=rng.randrange(10) * 97, seconds=rng.randrange(3))
        stamp = created.strftime("%Y-%m-%d %H:%M:%S.000Z")
        row = {
            "id": "".join(rng.choice(ID_CHARS) for dummy in range(15)),
            "random_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "type": record_type, "ct_type": 2 if record_type == "vm" else 1, "nsapp": app, "status": status,
            "disk_size": rng.choice([4, 8, 16, 32]), "core_count": rng.choice([1, 2, 4]),
            "ram_size": rng.choice([512, 1024, 2048, 4096]), "os_type": "debian", "os_version": "12",
            "pve_version": "8.2.4", "method": "default", "error": "" if code == 0 else f"exit {code}",
            "exit_code": code, "created": stamp, "updated": stamp,
        }
        if extended:
            row["node"] = rng.choice(nodes)
            row["install_duration"] = (rng.choice([0, rng.randint(20, 900), round(rng.uniform(5, 60), 1)])
                                       if status in ("sucess", "failed") else 0)
            row["error_detail"] = ""
        yield row


def seed(db_path: str, count: int, seed_value: int = 12, days: int = 14, start: str = "2026-11-01",
         extended: bool | None = None, batch: int = 50000, shape: str = "seed") -> int:
    connection = sqlite3.connect(db_path, timeout=60)  # a running server may hold the write lock a moment
    # A large page cache: the rollup triggers (pocketbase/pb_migrations) update a few small tables per record,
    # which a small cache would write out and read back for every batch.
    connection.execute("PRAGMA cache_size = -262144")
    # Seeded data is made again rather than recovered: no fsync per batch (10M records are 200 batches).
    connection.execute("PRAGMA synchronous = OFF")
    try:
        present = columns(connection)
        if not present:
            raise SystemExit(f"{db_path}: no table {TABLE}; start the server once with the migrations first")
        has_extended = {"node", "install_duration", "error_detail"} <= present
        if extended is None:
            extended = has_extended
        if extended and not has_extended:
            raise SystemExit(f"{db_path}: the extended fields are not in the schema")
        rng = random.Random(seed_value)
        generator = rows(count, rng, datetime.strptime(start, "%Y-%m-%d"), days, extended, shape)
        written = 0
        while written < count:
            chunk = [next(generator) for dummy in range(min(batch, count - written))]
            names = list(chunk[0])
            connection.executemany(
                f"INSERT INTO `{TABLE}` ({', '.join(names)}) VALUES ({', '.join('?' for dummy in names)})",
                [tuple(row[name] for name in names) for row in chunk])
            connection.commit()
            written += len(chunk)
        return written
    finally:
        connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("db")
    parser.add_argument("count", type=int)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--start", default="2026-11-01")
    parser.add_argument("--extended", action=argparse.BooleanOptionalAction, default=None)
    parser.add_argument("--shape", choices=sorted(SHAPES), default="seed")
    args = parser.parse_args()
    print(seed(args.db, args.count, args.seed, args.days, args.start, args.extended, shape=args.shape))
    return 0


if __name__ == "__main__":
    sys.exit(main())
