# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A fault-injecting HTTP(S) proxy, written for the tests, that sits in front of a real PocketBase.

By default it forwards every request to the upstream server unchanged. Faults
are queued through its control endpoint and applied, in order, to the next
requests they match:

    PUT  /__faults__   [{"action": "status", "status": 503, "times": 2, "method": "POST"}, ...]  (replaces the queue)
    GET  /__faults__   {"faults": [...still queued...], "log": [{"method", "path", "outcome", "body"}, ...]}
                       (body: the request's JSON body as the proxy received it, null when it had none)
    DELETE /__faults__ empties the queue and the log (a new round of tests)

Actions:
    hang        read the request and never answer (the connection stays open)
    trickle     forward, then send the answer one byte per ``interval`` seconds (default 1)
    status      answer ``status`` with ``body`` (default: a PocketBase-style error) and ``headers``,
                without forwarding
    after       forward (so the upstream acts on it), then answer ``status`` instead of its answer
    malformed   answer 200 with a body that is not JSON, without forwarding
    slow        forward, then wait ``seconds`` (default 5) before answering: a server that needs longer

Run it:  python fault_proxy.py --upstream http://127.0.0.1:8090 --port 0 [--tls-cert C --tls-key K]
It prints ``listening on <url>`` once it accepts connections, and stops by itself after ``--lifetime`` seconds.
It only ever listens on and connects to loopback addresses.
"""

from __future__ import annotations

import argparse
import http.client
import json
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

CONTROL_PATH = "/__faults__"
HANG_LIMIT = 120  # a hung answer ends by itself after this many seconds


class FaultProxy:
    def __init__(self, upstream: str, port: int = 0, tls_cert: str | None = None, tls_key: str | None = None):
        parts = urlsplit(upstream)
        if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"upstream must be a loopback address, got {upstream}")
        self.upstream = (parts.hostname, parts.port or 80)
        self.faults: list = []
        self.log: list = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self.server.daemon_threads = True
        self.server.proxy = self
        scheme = "http"
        if tls_cert:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(tls_cert, tls_key)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "FaultProxy":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()

    def queue(self, faults: list, replace: bool = False) -> None:
        with self.lock:
            if replace:
                self.faults.clear()
            self.faults.extend(dict(fault, times=fault.get("times", 1)) for fault in faults)

    def take_fault(self, method: str, path: str) -> dict | None:
        with self.lock:
            for fault in self.faults:
                if fault.get("method", method) == method and path.startswith(fault.get("path", "")):
                    fault["times"] -= 1
                    if fault["times"] <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def record(self, method: str, path: str, outcome: str, body: bytes = b"") -> None:
        try:
            sent = json.loads(body) if body else None
        except ValueError:
            sent = body.decode("utf-8", "replace")
        with self.lock:
            self.log.append({"method": method, "path": path, "outcome": outcome, "body": sent})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def do_PATCH(self):
        self._handle()

    def do_PUT(self):
        self._handle()

    def do_DELETE(self):
        self._handle()

    def _handle(self):
        proxy = self.server.proxy
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.startswith(CONTROL_PATH):
            return self._control(proxy, body)
        fault = proxy.take_fault(self.command, self.path)
        action = fault["action"] if fault else "forward"
        proxy.record(self.command, self.path, action if action != "status" else f"status {fault['status']}", body)
        if action == "hang":
            proxy.stopping.wait(HANG_LIMIT)
            self.close_connection = True
            return None
        if action == "status":
            default = {"data": {}, "message": "Injected fault.", "status": fault["status"]}
            return self._answer(fault["status"], json.dumps(fault.get("body", default)).encode(), fault.get("headers"))
        if action == "malformed":
            return self._answer(200, b"<html>not json</html>", {"Content-Type": "application/json"})
        status, headers, answer = self._forward(proxy, body)
        if action == "after":
            default = {"data": {}, "message": "Injected fault after forwarding.", "status": fault["status"]}
            return self._answer(fault["status"], json.dumps(fault.get("body", default)).encode(), fault.get("headers"))
        if action == "trickle":
            return self._trickle(proxy, status, answer, float(fault.get("interval", 1)))
        if action == "slow" and proxy.stopping.wait(float(fault.get("seconds", 5))):
            self.close_connection = True
            return None
        return self._answer(status, answer, {"Content-Type": headers.get("Content-Type", "application/json")})

    def _control(self, proxy, body):
        if self.command == "PUT":
            proxy.queue(json.loads(body or b"[]"), replace=True)
        with proxy.lock:
            if self.command == "DELETE":
                proxy.faults.clear()
                proxy.log.clear()
            state = {"faults": list(proxy.faults), "log": list(proxy.log)}
        return self._answer(200, json.dumps(state).encode())

    def _forward(self, proxy, body):
        connection = http.client.HTTPConnection(*proxy.upstream, timeout=30)
        try:
            headers = {key: value for key, value in self.headers.items() if key.lower() not in ("host", "connection")}
            connection.request(self.command, self.path, body=body or None, headers=headers)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def _answer(self, status, body, headers=None):
        self.send_response(status)
        for key, value in dict({"Content-Type": "application/json"}, **(headers or {})).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _trickle(self, proxy, status, body, interval):
        raw = (f"HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
        try:
            for index in range(len(raw)):
                if proxy.stopping.wait(interval):
                    break
                self.wfile.write(raw[index:index + 1])
                self.wfile.flush()
        except OSError:
            pass  # the client gave up
        self.close_connection = True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--lifetime", type=float, default=1800, help="stop by itself after this many seconds")
    args = parser.parse_args(argv)
    proxy = FaultProxy(args.upstream, args.port, args.tls_cert, args.tls_key).start()
    print(f"listening on {proxy.url}", flush=True)
    try:
        time.sleep(args.lifetime)
    except KeyboardInterrupt:
        pass
    proxy.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
