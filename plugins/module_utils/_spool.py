# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The spool: telemetry events that could not be delivered, kept on the host
until a flush delivers them. PRIVATE to this collection.

The spool is one file of JSON lines, ``events.jsonl``, in the spool directory,
one event a line, oldest first. Writers hold an exclusive ``flock`` on it while
they append one whole line, so any number of forks can write at once; a flush
rewrites it by atomic rename, and a writer that opened the old file notices the
rename and appends to the new one. Only one flush runs at a time.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from contextlib import contextmanager
from datetime import datetime, timezone

from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import (
    RecordNotFound,
    TelemetryError,
    TelemetryValueError,
)

SPOOL_FILE = "events.jsonl"
FLUSH_LOCK_FILE = ".flush.lock"
EVENT_CREATE = "create"
EVENT_FINISH = "finish"


def make_event(kind: str, client, random_id: str, body: dict, **extra) -> dict:
    """A spool event: what to deliver, and to which backend."""
    return dict(event=kind, url=client.url, collection=client.collection, random_id=random_id, body=body,
                queued_at=datetime.now(timezone.utc).isoformat(), **extra)


def _identity(event: dict) -> dict:
    return {key: value for key, value in event.items() if key != "queued_at"}


class Spool:
    def __init__(self, directory: str):
        if not directory or not os.path.isabs(directory):
            raise TelemetryValueError("spool_dir", f"must be an absolute path, got {directory!r}")
        self.directory = directory
        self.path = os.path.join(directory, SPOOL_FILE)

    def append(self, event: dict) -> bool:
        """Add an event unless the same one is waiting already. Returns whether it was added."""
        line = json.dumps(event, sort_keys=True, ensure_ascii=False) + "\n"
        with self._locked() as handle:
            if any(_identity(waiting) == _identity(event) for waiting in self._events(handle)):
                return False
            handle.write(line.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        return True

    def pending(self) -> list:
        """The waiting events, oldest first (without taking the lock; for reading only)."""
        try:
            with open(self.path, "rb") as handle:
                return list(self._events(handle))
        except FileNotFoundError:
            return []

    def has_waiting(self, kind: str, client, random_id: str) -> bool:
        return any(event.get("event") == kind and event.get("random_id") == random_id and self.is_for(event, client)
                   for event in self.pending())

    @staticmethod
    def is_for(event: dict, client) -> bool:
        return event.get("url") == client.url and event.get("collection") == client.collection

    def flush(self, client, deliver) -> dict:
        """Deliver the events meant for ``client``'s backend, in order, with ``deliver(client, event)``.

        Stops at the first event that cannot be delivered, so none overtakes another; an event whose
        record can never exist (a finish without any record) is dropped. Returns the counts and the
        error that stopped the flush, if any.
        """
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        with open(os.path.join(self.directory, FLUSH_LOCK_FILE), "ab") as flush_lock:
            fcntl.flock(flush_lock, fcntl.LOCK_EX)
            with self._locked() as handle:
                snapshot = handle.read().splitlines(keepends=True)
            kept, result = self._deliver_lines(snapshot, client, deliver)
            with self._locked() as handle:
                arrived_meanwhile = handle.read().splitlines(keepends=True)[len(snapshot):]
                self._replace(kept + arrived_meanwhile)
        result["remaining"] = len(kept) + len(arrived_meanwhile)
        return result

    def _deliver_lines(self, lines: list, client, deliver) -> tuple:
        kept = []
        result = dict(delivered=0, dropped=0, error=None)
        for line in lines:
            event = _parse(line)
            if event is None:
                result["dropped"] += 1
                continue
            if result["error"] or not self.is_for(event, client):
                kept.append(line)
                continue
            try:
                deliver(client, event)
                result["delivered"] += 1
            except RecordNotFound:
                result["dropped"] += 1
            except TelemetryError as error:
                result["error"] = error
                kept.append(line)
        return kept, result

    @contextmanager
    def _locked(self):
        """The spool file, opened for reading and appending, under an exclusive lock."""
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        while True:
            handle = open(self.path, "a+b")
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                if os.fstat(handle.fileno()).st_ino == os.stat(self.path).st_ino:
                    break
            except FileNotFoundError:
                pass
            handle.close()  # a flush replaced the file while we waited: lock the new one
        try:
            os.chmod(self.path, 0o600)
            handle.seek(0)
            yield handle
        finally:
            handle.close()

    def _replace(self, lines: list) -> None:
        fd, temp = tempfile.mkstemp(dir=self.directory, prefix=".events-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.writelines(lines)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self.path)
        except BaseException:
            if os.path.exists(temp):
                os.unlink(temp)
            raise

    @staticmethod
    def _events(handle):
        for line in handle.read().splitlines():
            event = _parse(line)
            if event is not None:
                yield event


def _parse(line) -> dict | None:
    try:
        event = json.loads(line)
    except ValueError:
        return None
    return event if isinstance(event, dict) and event.get("event") in (EVENT_CREATE, EVENT_FINISH) else None
