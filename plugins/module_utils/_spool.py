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

The spool trusts nothing it reads or opens: the directory must be a real
directory owned by this user, its files are opened without following
symlinks, and every line is checked as the modules check their input before
it is delivered. A line that fails the check is dropped, counted and warned
about; the events after it are still delivered.
"""

from __future__ import annotations

import fcntl
import json
import os
import stat
import tempfile
from contextlib import contextmanager
from datetime import datetime, timezone

from ansible_collections.community_scripts.telemetry.plugins.module_utils._checks import (
    check_count,
    check_duration,
    check_node,
    check_random_id,
    check_record_id,
    check_text,
    parse_size,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import (
    RecordNotFound,
    TelemetryError,
    TelemetryValueError,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._records import (
    CREATE_FIELDS,
    CT_TYPE_BY_TYPE,
    EXTENDED_CREATE_FIELDS,
    EXTENDED_FINISH_FIELDS,
    FINISH_FIELDS,
    STATUS_INSTALLING,
    STATUSES,
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
        if not directory or not isinstance(directory, str) or not os.path.isabs(directory):
            raise TelemetryValueError("spool_dir", f"must be an absolute path, got {directory!r}")
        self.directory = directory
        self.path = os.path.join(directory, SPOOL_FILE)
        self._check_directory()

    def _check_directory(self) -> None:
        """The spool directory, if it exists, is a real directory (not a symlink) owned by this user."""
        try:
            info = os.lstat(self.directory)
        except FileNotFoundError:
            return
        except OSError as error:
            raise TelemetryValueError("spool_dir", f"cannot use {self.directory}: {error.strerror}") from None
        if not stat.S_ISDIR(info.st_mode):
            kind = "a symlink" if stat.S_ISLNK(info.st_mode) else "not a directory"
            raise TelemetryValueError("spool_dir", f"{self.directory} is {kind}; the spool needs a directory of its own")
        if info.st_uid != os.geteuid():
            raise TelemetryValueError("spool_dir", f"{self.directory} belongs to uid {info.st_uid}, not to this user ({os.geteuid()})")

    def _make_directory(self) -> None:
        try:
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
        except OSError as error:
            raise TelemetryValueError("spool_dir", f"cannot create {self.directory}: {error.strerror}") from None
        self._check_directory()

    def _open(self, name: str, flags: int):
        """A file of the spool directory, never through a symlink, and only a regular file."""
        path = os.path.join(self.directory, name)
        try:
            fd = os.open(path, flags | os.O_CREAT | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), 0o600)
        except OSError as error:
            raise TelemetryValueError("spool_dir", f"cannot open {path}: {error.strerror} (a symlink is refused)") from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise TelemetryValueError("spool_dir", f"{path} is not a regular file")
        return fd

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
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW)
        except FileNotFoundError:
            return []
        except OSError as error:
            raise TelemetryValueError("spool_dir", f"cannot open {self.path}: {error.strerror} (a symlink is refused)") from None
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise TelemetryValueError("spool_dir", f"{self.path} is not a regular file")
            return list(self._events(handle))

    def has_waiting(self, kind: str, client, random_id: str) -> bool:
        return any(event.get("event") == kind and event.get("random_id") == random_id and self.is_for(event, client)
                   for event in self.pending())

    @staticmethod
    def is_for(event: dict, client, kept_for: str | None = None) -> bool:
        """Whether the event waits for ``client``'s backend (or, with ``kept_for``, was kept for that URL)."""
        return event.get("url") == (kept_for or client.url) and event.get("collection") == client.collection

    def flush(self, client, deliver, kept_for: str | None = None) -> dict:
        """Deliver the events meant for ``client``'s backend, in order, with ``deliver(client, event)``.

        With ``kept_for``, the events kept for that URL are delivered to ``client`` instead, for events
        spooled with a URL that was wrong. Stops at the first event that cannot be delivered, so none
        overtakes another; an event whose record can never exist (a finish without any record) is
        dropped, and so is a line that is not a valid event (counted in ``invalid`` too). Returns the
        counts and the error that stopped the flush, if any.
        """
        self._make_directory()
        with os.fdopen(self._open(FLUSH_LOCK_FILE, os.O_WRONLY), "wb") as flush_lock:
            fcntl.flock(flush_lock, fcntl.LOCK_EX)
            with self._locked() as handle:
                snapshot = handle.read().splitlines(keepends=True)
            kept, result = self._deliver_lines(snapshot, client, deliver, kept_for)
            with self._locked() as handle:
                arrived_meanwhile = handle.read().splitlines(keepends=True)[len(snapshot):]
                self._replace(kept + arrived_meanwhile)
        result["remaining"] = len(kept) + len(arrived_meanwhile)
        return result

    def _deliver_lines(self, lines: list, client, deliver, kept_for: str | None) -> tuple:
        kept = []
        result = dict(delivered=0, dropped=0, invalid=0, error=None)
        for line in lines:
            event = parse_event(line)
            if event is None:
                result["dropped"] += 1
                result["invalid"] += 1
                continue
            if result["error"] or not self.is_for(event, client, kept_for):
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
        self._make_directory()
        while True:
            handle = os.fdopen(self._open(SPOOL_FILE, os.O_RDWR | os.O_APPEND), "a+b")
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                if os.fstat(handle.fileno()).st_ino == os.lstat(self.path).st_ino:
                    break
            except FileNotFoundError:
                pass
            handle.close()  # a flush replaced the file while we waited: lock the new one
        try:
            os.fchmod(handle.fileno(), 0o600)
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
            event = parse_event(line)
            if event is not None:
                yield event


def parse_event(line) -> dict | None:
    """The event of a spool line, or None when the line is not a valid event."""
    try:
        event = json.loads(line)
        check_event(event)
    except (ValueError, RecursionError, TypeError, KeyError):  # TelemetryValueError is a ValueError
        return None
    return event


def check_event(event) -> None:
    """Raise ValueError unless ``event`` is an event the modules could have written, with values they accept."""
    if not isinstance(event, dict) or event.get("event") not in (EVENT_CREATE, EVENT_FINISH):
        raise ValueError("not an event")
    if not isinstance(event.get("url"), str) or not isinstance(event.get("collection"), str):
        raise ValueError("no backend")
    random_id = check_random_id(event["random_id"])
    body = event["body"]
    if not isinstance(body, dict):
        raise ValueError("no body")
    if event["event"] == EVENT_CREATE:
        _check_create_body(body, random_id)
    else:
        _check_finish_body(body)
        if event.get("record_id") is not None:
            check_record_id(event["record_id"])
        if not isinstance(event.get("force", False), bool):
            raise ValueError("force is not a boolean")


def _check_create_body(body: dict, random_id: str) -> None:
    if not set(CREATE_FIELDS) <= set(body) <= set(CREATE_FIELDS + EXTENDED_CREATE_FIELDS):
        raise ValueError("not a create body")
    if body["random_id"] != random_id or body["status"] != STATUS_INSTALLING:
        raise ValueError("not this attempt's create body")
    if "node" in body:
        check_node(body["node"])
    if CT_TYPE_BY_TYPE.get(body["type"]) != body["ct_type"]:
        raise ValueError("type and ct_type disagree")
    parse_size(body["disk_size"])
    for field in ("core_count", "ram_size"):
        check_count(body[field], field)
    for field in ("os_type", "os_version", "nsapp", "method", "pve_version"):
        check_text(body[field], field)


def _check_finish_body(body: dict) -> None:
    if not set(FINISH_FIELDS) <= set(body) <= set(FINISH_FIELDS + EXTENDED_FINISH_FIELDS):
        raise ValueError("not a finish body")
    if body["status"] not in STATUSES or body["status"] == STATUS_INSTALLING:
        raise ValueError("not a final status")
    check_count(body["exit_code"], "exit_code")
    check_text(body["error"], "error")
    if "install_duration" in body:
        check_duration(body["install_duration"])
    if "error_detail" in body:
        check_text(body["error_detail"], "error_detail")
