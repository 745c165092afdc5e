# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The spool: telemetry events that could not be delivered, kept in O(spool_dir)
until a flush delivers them (on the controller with O(delivery=controller), on
each managed host with O(delivery=host)). PRIVATE to this collection.

Queues. Every event has an owner, the host whose consent let it be kept (none
for the events of a module on the host itself, and for those older versions
kept), and waits in the queue of its owner, backend URL and collection. A queue
is three files, named after a hash of those three:

- ``q-<hash>.events``: its events, one JSON line each, oldest first, only ever appended to;
- ``q-<hash>.state``: a 64-byte header (where the undelivered events start, how many wait, and which
  events file that offset belongs to), then the queue's owner, URL and collection; writers hold an
  exclusive ``flock`` on it while they append one whole line;
- ``q-<hash>.flush``: the lock of the queue's one flush at a time.

``waiting/<hash>`` marks each waiting event (by its identity, ``_lifecycle.event_identity``), so a task
knows in one look-up whether the same event, or its attempt's create, waits already. An append, and a
finish asking whether its create waits, therefore cost the same with 10^5 events waiting as with none.
A flush reads only the queues it delivers (its host's, and those without an owner), streams them line by
line, and notes after each event where the next one starts, so the next flush resumes there (after its
time budget ran out, or a kill). A flush cuts the delivered lines off once they are most of the file.

The cap (O(spool_max_events)) is per queue: a queue that holds that many events takes no new one. The
newest event is the one not kept, so an event a task once reported as kept is never dropped later, and
the task that loses its event says so (``SpoolFull``, a warning and ``spool_full`` in its result).

The spool trusts nothing it reads or opens: the directory must be a real directory owned by this user
that no other user can write (as ssh refuses such a ``~/.ssh``), its files are opened without following
symlinks and must be this user's regular files, and every line is checked as the modules check their
input before it is delivered. A line that fails the check is dropped, counted and warned about; the
events after it are still delivered.

Older versions kept every event in one file, ``events.jsonl``; a flush moves its events into the queues,
as events without an owner.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import stat
from contextlib import contextmanager
from datetime import datetime, timezone

from ansible_collections.community_scripts.telemetry.plugins.module_utils._checks import shown
from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import (
    RecordNotFound,
    TelemetryError,
    TelemetryValueError,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._lifecycle import (
    EVENT_CREATE,
    check_event as check_step,
    event_identity,
)

LEGACY_FILE = "events.jsonl"  # older versions: all events in one file, moved into the queues by a flush
MARKS_DIR = "waiting"
HEADER_SIZE = 64
MAX_META_SIZE = 64 * 1024
MAX_LINE = 1024 * 1024  # no event the modules make comes near it: a longer line is dropped as invalid
COMPACT_AFTER = 1024 * 1024  # a flush cuts the delivered lines off once they are this many bytes and half the file
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class SpoolFull(Exception):
    """The event's queue holds O(spool_max_events) events already: the new one is not kept."""


def make_event(kind: str, client, random_id: str, body: dict, owner: str | None = None, **extra) -> dict:
    """A spool event: what to deliver, to which backend, and whose consent allowed it (``owner``)."""
    event = dict(event=kind, url=client.url, collection=client.collection, random_id=random_id, body=body,
                 queued_at=datetime.now(timezone.utc).isoformat(), **extra)
    if owner is not None:
        event["owner"] = owner
    return event


def parse_event(line) -> dict | None:
    """The event of a spool line, or None when the line is not a valid event."""
    try:
        event = json.loads(line)
        check_event(event)
    except (ValueError, RecursionError, TypeError, KeyError):  # TelemetryValueError is a ValueError
        return None
    return event


def check_event(event) -> None:
    """Raise ValueError unless ``event`` is an event the modules could have kept, with values they accept."""
    if not isinstance(event, dict) or not isinstance(event.get("url"), str) or not isinstance(event.get("collection"), str):
        raise ValueError("not an event for a backend")
    owner = event.get("owner")
    if owner is not None and (not isinstance(owner, str) or not owner):
        raise ValueError("owner is not a host name")
    check_step(event)


def _queue_of(event: dict) -> tuple:
    return (event.get("owner"), event["url"], event["collection"])


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode("utf-8", "surrogatepass")).hexdigest()


def queue_name(owner: str | None, url: str, collection: str) -> str:
    """The file name (without suffix) of the queue of ``owner``'s events for that backend."""
    return "q-" + _digest([owner, url, collection])[:40]


def _mark_name(queue: tuple, identity: list) -> str:
    return _digest([list(queue), identity])


class _State:
    """A queue's state file: where its undelivered events start (``offset`` in the events file ``inode``),
    and how many wait. Read and written under the queue's lock (``lock``)."""

    def __init__(self, fd: int, name: str):
        self.fd, self.name = fd, name
        self.offset = self.waiting = self.inode = 0

    def lock(self, shared: bool = False) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)

    def unlock(self) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)

    def load(self) -> bool:
        """Read the header; False when the file is new (empty). A header that does not parse counts as none waiting."""
        head = os.pread(self.fd, HEADER_SIZE, 0)
        if not head:
            return False
        try:
            self.offset, self.waiting, self.inode = (int(part) for part in head.decode("ascii").split())
        except ValueError:
            self.offset = self.waiting = self.inode = 0
        return True

    def save(self) -> None:
        header = f"{self.offset:020d} {max(self.waiting, 0):020d} {self.inode:020d}".ljust(HEADER_SIZE - 1) + "\n"
        os.pwrite(self.fd, header.encode("ascii"), 0)

    def create(self, queue: tuple) -> None:
        meta = json.dumps(dict(owner=queue[0], url=queue[1], collection=queue[2]), sort_keys=True, ensure_ascii=False)
        self.offset = self.waiting = self.inode = 0
        self.save()
        os.pwrite(self.fd, meta.encode("utf-8", "surrogatepass") + b"\n", HEADER_SIZE)
        os.fsync(self.fd)

    def queue(self) -> tuple | None:
        """The owner, URL and collection the file says; None unless they are the ones its name stands for."""
        try:
            meta = json.loads(os.pread(self.fd, MAX_META_SIZE, HEADER_SIZE).split(b"\n", 1)[0])
            queue = (meta["owner"], meta["url"], meta["collection"])
        except (ValueError, KeyError, TypeError, RecursionError):
            return None
        return queue if queue_name(*queue) == self.name else None


class Spool:
    def __init__(self, directory: str, max_events: int | None = None):
        if not directory or not isinstance(directory, str) or not os.path.isabs(directory):
            raise TelemetryValueError("spool_dir", f"must be an absolute path, got {directory!r}")
        if max_events is not None and (isinstance(max_events, bool) or not isinstance(max_events, int) or max_events < 1):
            raise TelemetryValueError("spool_max_events", f"must be a whole number >= 1, got {shown(max_events)}")
        self.directory = directory
        self.path = directory  # where the events are kept, as messages name it
        self.max_events = max_events
        self._marks = os.path.join(directory, MARKS_DIR)
        self._check_directory(directory)

    # --- the directory and its files ---------------------------------------------------------

    @staticmethod
    def _check_directory(path: str) -> None:
        """The directory, if it exists, is a real directory (not a symlink) of this user that no one else can write."""
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            return
        except OSError as error:
            raise TelemetryValueError("spool_dir", f"cannot use {path}: {error.strerror}") from None
        if not stat.S_ISDIR(info.st_mode):
            kind = "a symlink" if stat.S_ISLNK(info.st_mode) else "not a directory"
            raise TelemetryValueError("spool_dir", f"{path} is {kind}; the spool needs a directory of its own")
        if info.st_uid != os.geteuid():
            raise TelemetryValueError("spool_dir", f"{path} belongs to uid {info.st_uid}, not to this user ({os.geteuid()}); "
                                                   "the spool keeps its events only in a directory of its own")
        if info.st_mode & 0o022:
            who = "other users" if info.st_mode & 0o002 else "its group"
            raise TelemetryValueError("spool_dir", f"{path} can be written by {who} (mode {stat.S_IMODE(info.st_mode):04o}); "
                                                   f"the spool refuses such a directory, as ssh refuses such a ~/.ssh: chmod go-w {path}")

    def _make_directories(self) -> None:
        for path in (self.directory, self._marks):
            try:
                os.makedirs(path, mode=0o700, exist_ok=True)
            except OSError as error:
                raise TelemetryValueError("spool_dir", f"cannot create {path}: {error.strerror}") from None
            self._check_directory(path)

    def _open(self, name: str, flags: int, create: bool = True) -> int | None:
        """A file of the spool directory, never through a symlink, and only this user's regular file (made 0600).
        None when it does not exist and ``create`` is false."""
        path = os.path.join(self.directory, name)
        try:
            fd = os.open(path, flags | os.O_NOFOLLOW | _CLOEXEC | (os.O_CREAT if create else 0), 0o600)
        except FileNotFoundError:
            if create:
                raise TelemetryValueError("spool_dir", f"cannot open {path}: the directory is gone") from None
            return None
        except OSError as error:
            why = "a symlink is refused" if error.errno == errno.ELOOP else error.strerror
            raise TelemetryValueError("spool_dir", f"cannot open {path}: {why}") from None
        info = os.fstat(fd)
        problem = None
        if not stat.S_ISREG(info.st_mode):
            problem = "is not a regular file"
        elif info.st_uid != os.geteuid():
            problem = f"belongs to uid {info.st_uid}, not to this user ({os.geteuid()}); the spool uses only files of its own"
        if problem:
            os.close(fd)
            raise TelemetryValueError("spool_dir", f"{path} {problem}")
        if info.st_mode & 0o077:
            os.fchmod(fd, 0o600)
        return fd

    @contextmanager
    def _queue(self, queue: tuple, create: bool):
        """The queue's state, under its exclusive lock; None when the queue does not exist and ``create`` is false."""
        name = queue_name(*queue)
        fd = self._open(name + ".state", os.O_RDWR, create)
        if fd is None:
            yield None
            return
        state = _State(fd, name)
        try:
            state.lock()
            if not state.load():
                if not create:
                    yield None
                    return
                state.create(queue)
            yield state
        finally:
            os.close(fd)

    def _marked(self, mark: str) -> bool:
        return os.path.lexists(os.path.join(self._marks, mark))

    def _mark(self, mark: str) -> None:
        os.close(os.open(os.path.join(self._marks, mark), os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | _CLOEXEC, 0o600))

    def _unmark(self, mark: str) -> None:
        try:
            os.unlink(os.path.join(self._marks, mark))
        except FileNotFoundError:
            pass

    # --- writing ------------------------------------------------------------------------------

    def append(self, event: dict) -> bool:
        """Keep an event unless the same one waits already. Returns whether it was kept; raises SpoolFull when
        its queue holds O(spool_max_events) events."""
        self._make_directories()
        return self._append(event, self.max_events)

    def _append(self, event: dict, cap: int | None, sync: bool = True) -> bool:
        queue = _queue_of(event)
        mark = _mark_name(queue, event_identity(event))
        line = (json.dumps(event, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8", "surrogatepass")
        with self._queue(queue, create=True) as state:
            if self._marked(mark):
                return False
            if cap and state.waiting >= cap:
                owner = f"host {shown(queue[0])}" if queue[0] is not None else "events without a host"
                raise SpoolFull(f"the spool {self.directory} holds {state.waiting} events of {owner} for {queue[1]} "
                                f"(collection {queue[2]}) already, its limit (spool_max_events={cap}): this event is not "
                                "kept; a flush for that host makes room")
            fd = self._open(state.name + ".events", os.O_RDWR | os.O_APPEND)
            try:
                info = os.fstat(fd)
                if info.st_ino != state.inode:  # a new events file: the undelivered events start at its beginning
                    state.inode, state.offset = info.st_ino, 0
                if info.st_size and os.pread(fd, 1, info.st_size - 1) != b"\n":
                    line = b"\n" + line  # a line cut short (a crash mid-write) stays apart, dropped as invalid
                view = memoryview(line)
                while view:
                    view = view[os.write(fd, view):]
                if sync:
                    os.fsync(fd)
            finally:
                os.close(fd)
            self._mark(mark)
            state.waiting += 1
            state.save()
        return True

    # --- reading ------------------------------------------------------------------------------

    def has_waiting(self, kind: str, client, random_id: str, owner: str | None = None) -> bool:
        """Whether the create of attempt ``random_id`` waits for ``client``'s backend, kept by ``owner`` or by no host."""
        if kind != EVENT_CREATE:
            raise ValueError("only a create is known by its attempt alone")
        identity = event_identity(dict(event=kind, random_id=random_id))
        for who in dict.fromkeys((owner, None)):
            if self._marked(_mark_name((who, client.url, client.collection), identity)):
                return True
        needle = random_id.encode("ascii", "replace")
        return any(event["event"] == kind and event["random_id"] == random_id and _queue_of(event)[1:] == (client.url, client.collection)
                   for event in self._legacy_events(lambda line: needle in line))

    def _queues(self):
        """Each queue of the directory with how many events wait in it: (queue, waiting), from their headers."""
        try:
            names = sorted(os.listdir(self.directory))
        except FileNotFoundError:
            return
        except OSError as error:
            raise TelemetryValueError("spool_dir", f"cannot read {self.directory}: {error.strerror}") from None
        for name in names:
            if not (name.startswith("q-") and name.endswith(".state")):
                continue
            fd = self._open(name, os.O_RDONLY, create=False)
            if fd is None:
                continue
            state = _State(fd, name[:-len(".state")])
            try:
                state.lock(shared=True)
                if state.load():
                    queue = state.queue()
                    if queue is not None:
                        yield queue, state.waiting
            finally:
                os.close(fd)

    def summary(self, owner: str | None, client, kept_for: str | None = None) -> dict:
        """How many events wait: ``selected``, those a flush for ``owner`` delivers to ``client`` (or, with
        ``kept_for``, those kept for that URL); ``elsewhere``, the owner's (and ownerless) events for other
        backends, by (url, collection); ``other_hosts``, the events of other hosts, and ``other_host_names``."""
        selected = set(self._selected(owner, client, kept_for))
        result = dict(selected=0, elsewhere={}, other_hosts=0, other_host_names=set())
        counts = list(self._queues())
        counts.extend(((None, event["url"], event["collection"]), 1) for event in self._legacy_events())
        for queue, waiting in counts:
            if not waiting:
                continue
            if queue in selected:
                result["selected"] += waiting
            elif queue[0] in (owner, None):
                backend = queue[1:]
                result["elsewhere"][backend] = result["elsewhere"].get(backend, 0) + waiting
            else:
                result["other_hosts"] += waiting
                result["other_host_names"].add(queue[0])
        return result

    def events(self):
        """Every waiting event, queue by queue, each queue's oldest first (for reading only)."""
        for queue, dummy in list(self._queues()):
            handle = None
            with self._queue(queue, create=False) as state:
                fd = None if state is None else self._open(state.name + ".events", os.O_RDONLY, create=False)
                if fd is not None:
                    handle = os.fdopen(fd, "rb")
                    start, end = self._extent(state, handle)
            if handle is None:
                continue
            with handle:  # read after the lock is let go: the lines before ``end`` are whole and stay as they are
                handle.seek(start)
                for line, dummy_position in _lines(handle, start, end):
                    event = parse_event(line) if line is not None else None
                    if event is not None and _queue_of(event) == queue:
                        yield event
        yield from self._legacy_events()

    def pending(self) -> list:
        """The waiting events as a list (see ``events``); for tests and small spools."""
        return list(self.events())

    @staticmethod
    def _extent(state: _State, handle) -> tuple:
        """Where the undelivered events of the queue start and end (under the queue's lock)."""
        info = os.fstat(handle.fileno())
        start = state.offset if info.st_ino == state.inode and state.offset <= info.st_size else 0
        return start, info.st_size

    def _legacy_events(self, wanted=None):
        """The valid events of an older version's ``events.jsonl`` (only lines ``wanted`` passes), none without it."""
        fd = self._open(LEGACY_FILE, os.O_RDONLY, create=False)
        if fd is None:
            return
        with os.fdopen(fd, "rb") as handle:
            for line, dummy in _lines(handle, 0, os.fstat(fd).st_size):
                if line is not None and (wanted is None or wanted(line)):
                    event = parse_event(line)
                    if event is not None:
                        yield event

    # --- delivering ----------------------------------------------------------------------------

    @staticmethod
    def _selected(owner: str | None, client, kept_for: str | None) -> list:
        """The queues a flush for ``owner`` reads, in order: the events without an owner (kept by older versions,
        or by the module on the host itself) first, as they may be the creates that the owner's finishes wait for."""
        url = kept_for or client.url
        queues = [(None, url, client.collection)]
        if owner is not None:
            queues.append((owner, url, client.collection))
        return queues

    def flush(self, client, deliver, owner: str | None = None, kept_for: str | None = None) -> dict:
        """Deliver ``owner``'s events (and those without an owner) meant for ``client``'s backend, in order, with
        ``deliver(client, event)``.

        With ``kept_for``, the events kept for that URL are delivered to ``client`` instead, for events
        spooled with a URL that was wrong. Stops at the first event that cannot be delivered, so none
        overtakes another, and the next flush starts there; an event whose record can never exist (a finish
        without any record) is dropped, and so is a line that is not a valid event (counted in ``invalid``
        too). Other hosts' events are not read. Returns the counts and the error that stopped the flush, if any.
        """
        result = dict(delivered=0, dropped=0, invalid=0, error=None)

        def handle(event):
            try:
                deliver(client, event)
            except RecordNotFound:
                return "dropped"
            return "delivered"

        return self._drain_all(owner, client, kept_for, handle, result)

    def drop(self, client, owner: str | None = None, kept_for: str | None = None) -> dict:
        """Remove, unsent, the events a flush for ``owner`` would deliver (its host no longer consents)."""
        return self._drain_all(owner, client, kept_for, lambda event: "dropped_no_consent",
                               dict(dropped_no_consent=0, dropped=0, invalid=0, error=None))

    def _drain_all(self, owner, client, kept_for, handle, result: dict) -> dict:
        self._make_directories()
        self._move_legacy(result)
        for queue in self._selected(owner, client, kept_for):
            self._drain(queue, handle, result)
            if result["error"]:
                break
        return result

    def _drain(self, queue: tuple, handle, result: dict) -> None:
        """Hand each waiting event of the queue to ``handle``, oldest first, noting after each where the next starts."""
        name = queue_name(*queue)
        if not os.path.lexists(os.path.join(self.directory, name + ".state")):
            return
        with os.fdopen(self._open(name + ".flush", os.O_WRONLY), "wb") as flush_lock:
            fcntl.flock(flush_lock, fcntl.LOCK_EX)  # one flush of a queue at a time; writers go on meanwhile
            with self._queue(queue, create=False) as state:
                if state is None:
                    return
                fd = self._open(name + ".events", os.O_RDONLY, create=False)
                if fd is None:
                    state.offset, state.waiting = 0, 0
                    state.save()
                    return
                reader = os.fdopen(fd, "rb")
                start, end = self._extent(state, reader)
                state.offset, state.inode = start, os.fstat(fd).st_ino
                state.save()
                state.unlock()  # writers append while the flush delivers; the lines up to ``end`` are whole
                try:
                    reader.seek(start)
                    for line, position in _lines(reader, start, end):
                        event = parse_event(line) if line is not None else None
                        if event is None or _queue_of(event) != queue:
                            result["invalid"] += 1
                            result["dropped"] += 1
                        else:
                            try:
                                outcome = handle(event)
                            except TelemetryError as error:
                                result["error"] = error
                                break
                            result[outcome] += 1
                            self._unmark(_mark_name(queue, event_identity(event)))
                        state.lock()
                        state.load()
                        state.offset, state.waiting = position, state.waiting - 1
                        state.save()
                        state.unlock()
                finally:
                    reader.close()
                    state.lock()
                    state.load()
                    self._compact(state)

    def _compact(self, state: _State) -> None:
        """Empty a queue whose events were all delivered; cut the delivered lines off when they are most of the file."""
        fd = self._open(state.name + ".events", os.O_RDWR, create=False)
        if fd is None:
            return
        try:
            size = os.fstat(fd).st_size
            if os.fstat(fd).st_ino != state.inode:
                return
            if state.offset >= size:
                os.ftruncate(fd, 0)
                state.offset = state.waiting = 0
            elif state.offset >= COMPACT_AFTER and state.offset * 2 >= size:
                state.inode = self._copy_tail(fd, state.name + ".events", state.offset, size)
                state.offset = 0  # the header now points into the new file; a crash before this sees its inode change
            state.save()
        finally:
            os.close(fd)

    def _copy_tail(self, fd: int, name: str, start: int, end: int) -> int:
        temp = name + ".new"
        path, temp_path = os.path.join(self.directory, name), os.path.join(self.directory, temp)
        try:
            os.unlink(temp_path)  # left by a flush that was killed
        except FileNotFoundError:
            pass
        out = os.open(temp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | _CLOEXEC, 0o600)
        try:
            position = start
            while position < end:
                chunk = os.pread(fd, min(1024 * 1024, end - position), position)
                if not chunk:
                    break
                view = memoryview(chunk)
                while view:
                    view = view[os.write(out, view):]
                position += len(chunk)
            os.fsync(out)
            inode = os.fstat(out).st_ino
        finally:
            os.close(out)
        os.replace(temp_path, path)
        return inode

    def _move_legacy(self, result: dict) -> None:
        """Move the events of an older version's ``events.jsonl`` into the queues, as events without an owner."""
        fd = self._open(LEGACY_FILE, os.O_RDWR, create=False)
        if fd is None:
            return
        path = os.path.join(self.directory, LEGACY_FILE)
        with os.fdopen(fd, "rb") as handle:
            fcntl.flock(fd, fcntl.LOCK_EX)  # as older versions' writers do
            try:
                if os.lstat(path).st_ino != os.fstat(fd).st_ino:
                    return  # an older version's flush replaced it meanwhile: the next flush moves it
            except FileNotFoundError:
                return
            touched = set()
            for line, dummy in _lines(handle, 0, os.fstat(fd).st_size):
                event = parse_event(line) if line is not None else None
                if event is None:
                    result["invalid"] += 1
                    result["dropped"] += 1
                    continue
                event.pop("owner", None)
                self._append(event, cap=None, sync=False)  # once kept, never dropped by the cap
                touched.add(queue_name(*_queue_of(event)))
            for name in touched:
                synced = self._open(name + ".events", os.O_RDONLY, create=False)
                if synced is not None:
                    os.fsync(synced)
                    os.close(synced)
            os.unlink(path)


def _lines(handle, start: int, end: int):
    """The lines of ``handle`` from ``start`` (where it is) to ``end``, each with the position after it; a line
    longer than MAX_LINE comes as None (read to its end, never held whole)."""
    position = start
    while position < end:
        line = handle.readline(min(MAX_LINE, end - position))
        if not line:
            return  # the file is shorter than it was
        position += len(line)
        if not line.endswith(b"\n") and position < end:
            while position < end:
                rest = handle.readline(min(MAX_LINE, end - position))
                if not rest:
                    return
                position += len(rest)
                if rest.endswith(b"\n"):
                    break
            line = None
        yield line, position
