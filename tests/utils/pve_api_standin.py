# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A STAND-IN for the Proxmox VE API, written for the tests: no Proxmox VE server can run here.

It answers the few endpoints that community.proxmox.proxmox (LXC) and
community.proxmox.proxmox_kvm (VM) call to create a container or a VM, over
HTTPS with a certificate the tests make, for API-token authentication, so the
real community.proxmox code runs against it. It records every request, so the
tests can check which parameters the role passed.

Control endpoint (no authentication):
    PUT /__standin__   {"faults": [{"kind": "lxc"|"qemu", "status": 500, "message": "..."}      (the create call fails)
                                   {"kind": "lxc"|"qemu", "task_error": "..."}]}                (the create task fails)
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

    def take_fault(self, kind: str) -> dict | None:
        with self.lock:
            for fault in self.faults:
                if fault["kind"] == kind:
                    self.faults.remove(fault)
                    return fault
        return None

    def create(self, kind: str, params: dict) -> tuple[int, object, str]:
        """Create a guest: (HTTP status, data, reason)."""
        vmid = int(params.get("vmid", 0))
        fault = self.take_fault(kind)
        if fault and "status" in fault:
            return fault["status"], None, fault["message"]
        with self.lock:
            if any(r["vmid"] == vmid for r in self.resources):
                word = "CT" if kind == "lxc" else "VM"
                return 500, None, f"unable to create {word} {vmid} - {word} {vmid} already exists on node '{NODE}'"
            upid = f"UPID:{NODE}:0000{len(self.tasks):04X}:00000000:{int(time.time()):08X}:{'vzcreate' if kind == 'lxc' else 'qmcreate'}:{vmid}:root@pam:"
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
        match = re.fullmatch(rf"/nodes/{NODE}/(lxc|qemu)/(\d+)/(config|status/current)", path or "")
        if match:
            with standin.lock:
                config = standin.configs.get(int(match.group(2)))
            if config is None:
                return self._send(500, None, f"Configuration file 'nodes/{NODE}/{match.group(1)}/{match.group(2)}.conf' does not exist")
            return self._send(200, config if match.group(3) == "config" else {"status": "stopped"})
        match = re.fullmatch(rf"/nodes/{NODE}/tasks/([^/]+)/(status|log)", path or "")
        if match:
            with standin.lock:
                task = standin.tasks.get(match.group(1))
            if task is None:
                return self._send(500, None, "no such task")
            if match.group(2) == "status":
                return self._send(200, {"status": task["status"], "exitstatus": task["exitstatus"]})
            return self._send(200, [{"n": n + 1, "t": line} for n, line in enumerate(task["log"])])
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
