# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A STAND-IN for the Proxmox VE API, written for the tests: no Proxmox VE server can run here.

It answers the few endpoints that community.proxmox.proxmox (LXC),
community.proxmox.proxmox_kvm (VM) and community.proxmox.proxmox_vm_info call to
create a container or a VM, start it and see whether it runs, over HTTPS with a
certificate the tests make, for API-token authentication, so the real
community.proxmox code runs against it. It records every request, so the tests
can check which parameters the role passed.

As Proxmox VE does, a start (POST .../status/start) answers a task UPID at once;
the task's status (GET /nodes/{node}/tasks/{upid}/status) is "running", without
an exitstatus, for START_SECONDS, then "stopped" with exitstatus "OK", and from
then on the guest's status (GET .../status/current, and the node's guest list)
is "running". A new guest is "stopped".

Control endpoint (no authentication):
    PUT /__standin__   {"faults": [{"kind": "lxc"|"qemu", "status": 500, "message": "..."}      (the create call fails)
                                   {"kind": "lxc"|"qemu", "task_error": "..."}                  (the create task fails)
                                   {"kind": "lxc"|"qemu", "start": "refused", "status": 500,
                                    "message": "..."}                                           (the start call fails)
                                   {"kind": "lxc"|"qemu", "start": "task_error",
                                    "message": "..."}                                           (the start task fails)
                                   {"kind": "lxc"|"qemu", "start": "never"}                    (the start task never ends)
                                   {"kind": "lxc"|"qemu", "start": "stops"}]}                  (the task ends OK, the guest
                                                                                                 stops again at once)
                       {"resources": [{"vmid": 100, "type": "lxc", "name": "x"}]}              (existing guests)
    GET /__standin__   {"requests": [{"method", "path", "params"}], "resources": [...]}

Run it:  python pve_api_standin.py --port 0 --tls-cert C --tls-key K  (prints "listening on <url>")
"""

from __future__ import annotations

import argparse
import json
import re
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

NODE = "pve"
TEMPLATES = {"local": ["local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst"]}
API = "/api2/json"
START_SECONDS = 1.5


class StandIn:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests: list = []
        self.resources: list = []
        self.configs: dict = {}
        self.tasks: dict = {}
        self.faults: list = []
        self.next_vmid = 100

    def control(self, body: dict) -> None:
        with self.lock:
            self.faults = list(body.get("faults", []))
            for guest in body.get("resources", []):
                self._add(guest["vmid"], guest.get("type", "lxc"), guest.get("name", ""), {})

    def take_fault(self, kind: str, step: str) -> dict | None:
        """The first queued fault of this kind for this step (a start fault has "start", a create fault has not)."""
        with self.lock:
            for fault in self.faults:
                if fault["kind"] == kind and ("start" in fault) == (step == "start"):
                    self.faults.remove(fault)
                    return fault
        return None

    def _upid(self, kind: str, what: str, vmid: int) -> str:
        return f"UPID:{NODE}:0000{len(self.tasks):04X}:00000000:{int(time.time()):08X}:{what}:{vmid}:root@pam:"

    def start(self, kind: str, vmid: int) -> tuple[int, object, str]:
        """Start a guest: (HTTP status, the task's UPID, reason). The task runs for START_SECONDS."""
        fault = self.take_fault(kind, "start")
        if fault and fault["start"] == "refused":
            return fault.get("status", 500), None, fault.get("message", "start refused")
        with self.lock:
            guest = self._guest(kind, vmid)
            if guest is None:
                return 500, None, f"Configuration file 'nodes/{NODE}/{kind}/{vmid}.conf' does not exist"
            upid = self._upid(kind, "vzstart" if kind == "lxc" else "qmstart", vmid)
            outcome = fault["start"] if fault else "ok"
            self.tasks[upid] = {"status": "running", "log": ["starting"], "guest": guest, "outcome": outcome,
                                "ends": None if outcome == "never" else time.monotonic() + START_SECONDS,
                                "message": (fault or {}).get("message", f"startup for container '{vmid}' failed")}
            return 200, upid, "OK"

    def task_status(self, upid: str) -> dict | None:
        """A task's status as Proxmox VE gives it: running (no exitstatus) until it ends, then stopped."""
        with self.lock:
            task = self.tasks.get(upid)
            if task is None:
                return None
            if task["status"] == "running" and task.get("ends") is not None and time.monotonic() >= task["ends"]:
                task["status"] = "stopped"
                if task["outcome"] == "task_error":
                    task["exitstatus"] = task["message"]
                    task["log"].append(f"TASK ERROR: {task['message']}")
                else:
                    task["exitstatus"] = "OK"
                    task["log"].append("TASK OK")
                    if task["outcome"] == "ok":
                        task["guest"]["status"] = "running"
            answer = {"upid": upid, "node": NODE, "status": task["status"]}
            if task["status"] == "stopped":
                answer["exitstatus"] = task["exitstatus"]
            return answer

    def _guest(self, kind: str, vmid: int) -> dict | None:
        return next((r for r in self.resources if r["vmid"] == vmid and r["type"] == kind), None)

    def create(self, kind: str, params: dict) -> tuple[int, object, str]:
        """Create a guest: (HTTP status, data, reason)."""
        vmid = int(params.get("vmid", 0))
        fault = self.take_fault(kind, "create")
        if fault and "status" in fault:
            return fault["status"], None, fault["message"]
        with self.lock:
            if any(r["vmid"] == vmid for r in self.resources):
                word = "CT" if kind == "lxc" else "VM"
                return 500, None, f"unable to create {word} {vmid} - {word} {vmid} already exists on node '{NODE}'"
            upid = self._upid(kind, "vzcreate" if kind == "lxc" else "qmcreate", vmid)
            if fault and "task_error" in fault:
                self.tasks[upid] = {"status": "stopped", "exitstatus": fault["task_error"], "log": [f"TASK ERROR: {fault['task_error']}"]}
            else:
                self.tasks[upid] = {"status": "stopped", "exitstatus": "OK", "log": ["TASK OK"]}
                name = params.get("hostname") or params.get("name") or ""
                self._add(vmid, kind, name, params)
            return 200, upid, "OK"

    def _add(self, vmid: int, kind: str, name: str, params: dict) -> None:
        self.resources.append({"vmid": vmid, "id": f"{kind}/{vmid}", "type": kind, "name": name, "node": NODE, "status": "stopped"})
        self.configs[vmid] = {key: value for key, value in params.items() if key != "vmid"}
        self.next_vmid = max(self.next_vmid, vmid + 1)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def do_PUT(self):
        self._handle()

    def _handle(self):
        standin = self.server.standin
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        if url.path == "/__standin__":
            if self.command == "PUT":
                standin.control(json.loads(raw or "{}"))
            with standin.lock:
                return self._send(200, {"requests": standin.requests, "resources": standin.resources})
        params = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if raw:
            body = json.loads(raw) if self.headers.get("Content-Type", "").startswith("application/json") else \
                {k: v[-1] for k, v in parse_qs(raw).items()}
            params.update(body)
        with standin.lock:
            standin.requests.append({"method": self.command, "path": url.path, "params": params})
        if not self.headers.get("Authorization", "").startswith("PVEAPIToken="):
            return self._send(401, None, "no ticket")
        path = url.path[len(API):] if url.path.startswith(API) else None
        return self._route(standin, path, params)

    def _route(self, standin, path, params):
        if path == "/version":
            return self._send(200, {"version": "8.2.4", "release": "8.2", "repoid": "faa83925"})
        if path == "/nodes":
            return self._send(200, [{"node": NODE, "status": "online", "type": "node"}])
        if path == "/cluster/resources":
            with standin.lock:
                return self._send(200, [r for r in standin.resources if params.get("type") in (None, "vm")])
        if path == "/cluster/nextid":
            return self._send(200, str(standin.next_vmid))
        match = re.fullmatch(rf"/nodes/{NODE}/storage/([^/]+)/content", path or "")
        if match:
            return self._send(200, [{"volid": volid, "content": "vztmpl"} for volid in TEMPLATES.get(match.group(1), [])])
        match = re.fullmatch(rf"/nodes/{NODE}/(lxc|qemu)", path or "")
        if match and self.command == "POST":
            status, data, reason = standin.create(match.group(1), params)
            return self._send(status, data, reason)
        if match:  # the node's guests of that kind, with their status
            with standin.lock:
                return self._send(200, [{"vmid": r["vmid"], "name": r["name"], "status": r["status"]}
                                        for r in standin.resources if r["type"] == match.group(1)])
        match = re.fullmatch(rf"/nodes/{NODE}/(lxc|qemu)/(\d+)/status/start", path or "")
        if match and self.command == "POST":
            status, data, reason = standin.start(match.group(1), int(match.group(2)))
            return self._send(status, data, reason)
        match = re.fullmatch(rf"/nodes/{NODE}/(lxc|qemu)/(\d+)/(config|status/current)", path or "")
        if match:
            with standin.lock:
                config = standin.configs.get(int(match.group(2)))
                guest = standin._guest(match.group(1), int(match.group(2)))
                current = {"vmid": int(match.group(2)), "name": guest["name"], "status": guest["status"]} if guest else None
            if config is None or guest is None:
                return self._send(500, None, f"Configuration file 'nodes/{NODE}/{match.group(1)}/{match.group(2)}.conf' does not exist")
            return self._send(200, config if match.group(3) == "config" else current)
        match = re.fullmatch(rf"/nodes/{NODE}/tasks/([^/]+)/(status|log)", path or "")
        if match:
            status = standin.task_status(match.group(1))
            if status is None:
                return self._send(500, None, "no such task")
            if match.group(2) == "status":
                return self._send(200, status)
            with standin.lock:
                log = list(standin.tasks[match.group(1)]["log"])
            return self._send(200, [{"n": n + 1, "t": line} for n, line in enumerate(log)])
        return self._send(501, None, f"the stand-in does not implement {self.command} {path}")

    def _send(self, status, data, reason=None):
        body = json.dumps({"data": data}).encode()
        self.send_response(status, reason)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve(port: int, tls_cert: str, tls_key: str) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
    server.daemon_threads = True
    server.standin = StandIn()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls_cert, tls_key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    return server


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="A stand-in for the Proxmox VE API, for the tests.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--tls-cert", required=True)
    parser.add_argument("--tls-key", required=True)
    parser.add_argument("--lifetime", type=float, default=1800, help="stop by itself after this many seconds")
    args = parser.parse_args(argv)
    server = serve(args.port, args.tls_cert, args.tls_key)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"listening on https://127.0.0.1:{server.server_port}", flush=True)
    time.sleep(args.lifetime)
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
