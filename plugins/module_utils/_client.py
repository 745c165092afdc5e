# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The HTTP side of the contract: create, look up, read, patch and page through
records in a PocketBase collection, in bounded time, with every filter value
quoted. PRIVATE to this collection.

Time: one client spends at most ``timeout * (retries + 1)`` seconds on the
network, whatever the backend does. The budget starts at the client's first
request, so what its caller does before (reading the host's consent file or
``pveversion``, the spool) is not the network's time; from then on it runs
until the client is done. Each attempt is cut off after ``timeout`` seconds
even when the backend trickles its answer a byte at a time, and the waits
between attempts come out of the same budget.

Failures: whatever ``requests`` raised or PocketBase answered leaves as one
``TelemetryError`` carrying the HTTP status and PocketBase's field errors.
Only what a retry can cure is retried: connection errors, timeouts, 429
(after its Retry-After, when that fits the budget), 502, 503 and 504.
"""

from __future__ import annotations

import random
import re
import signal
import threading
import time
import traceback
import warnings
from contextlib import contextmanager
from email.utils import parsedate_to_datetime

from ansible_collections.community_scripts.telemetry.plugins.module_utils._argspec import (
    DEFAULT_COLLECTION,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._checks import (
    check_collection,
    check_random_id,
    check_record_id,
    check_retries,
    check_timeout,
    check_url,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import TelemetryError
from ansible_collections.community_scripts.telemetry.plugins.module_utils._records import LOOKUP_FIELDS, STATUS_FAILED

try:
    import requests
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None


# The header that ties a request to one attempt. A collection whose rules
# compare it with the record's random_id lets only that attempt read or change
# its record; an open collection ignores it.
TELEMETRY_ID_HEADER = "X-Telemetry-Id"
RETRYABLE_STATUSES = (429, 502, 503, 504)
BACKOFF_BASE = 0.5
PAGE_SIZE = 500
# The route of pocketbase/pb_hooks/telemetry.pb.js: the aggregates computed by the server.
AGGREGATES_PATH = "/api/telemetry/aggregates"
SIGN_IN_PATH = "/api/collections/_superusers/auth-with-password"


def pb_quote(value: str) -> str:
    """Quote a value as a PocketBase filter string literal: backslash first, then the quote."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class _AttemptTimeout(BaseException):
    """Raised by the alarm that cuts off one attempt. A BaseException so no library swallows it."""


@contextmanager
def _hard_time_limit(seconds: float):
    """Interrupt the block after ``seconds``, however slowly the peer answers (main thread only)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield  # requests' own connect/read timeouts still apply
        return

    def on_alarm(signum, frame):
        raise _AttemptTimeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    started = time.monotonic()
    outer_delay, dummy = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_delay:
            # An alarm was already set (on the controller: the task's own timeout): give it back what is left.
            signal.setitimer(signal.ITIMER_REAL, max(outer_delay - (time.monotonic() - started), 0.001))


@contextmanager
def _quiet_if_unverified(verify):
    """validate_certs=false is the user's explicit choice; urllib3's warning about it would only reach stderr."""
    with warnings.catch_warnings():
        if verify is False:
            warnings.simplefilter("ignore", requests.packages.urllib3.exceptions.InsecureRequestWarning)
        yield


def _retry_after(response) -> float | None:
    """Seconds from a Retry-After header (delta seconds or an HTTP date), or None."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class TelemetryClient:
    """A PocketBase telemetry collection, reached within a time budget.

    Every request carries the X-Telemetry-Id header of the attempt it is about.
    """

    def __init__(self, url: str, collection: str = DEFAULT_COLLECTION, timeout: float = DEFAULT_TIMEOUT,
                 retries: int = DEFAULT_RETRIES,
                 validate_certs: bool = True, ca_path: str | None = None, token: str | None = None):
        self.url = check_url(url)
        self.collection = check_collection(collection)
        self.records_url = f"{self.url}/api/collections/{self.collection}/records"
        self.timeout = check_timeout(timeout)
        self.retries = check_retries(retries)
        self.budget = self.timeout * (self.retries + 1)
        self._deadline = None  # set by the first request: the budget starts there
        self.session = requests.Session()
        self.session.verify = (ca_path or True) if validate_certs else False
        self.session.headers.update({"Accept": "application/json", "User-Agent": "community_scripts.telemetry"})
        if token:
            self.session.headers["Authorization"] = token

    def create(self, body: dict) -> dict:
        """POST a new record; return it (with its ``id``)."""
        return self._request("POST", self.records_url, body["random_id"], json=body)

    def find(self, random_id: str) -> dict | None:
        """The record of an attempt, looked up by random_id, or None."""
        params = {
            "filter": f"(random_id={pb_quote(check_random_id(random_id))})",
            "fields": ",".join(LOOKUP_FIELDS),
            "perPage": 1,
            "skipTotal": 1,
        }
        answer = self._request("GET", self.records_url, random_id, params=params)
        items = answer.get("items")
        if not isinstance(items, list) or not all(isinstance(item, dict) and "id" in item for item in items):
            raise TelemetryError(f"GET {self.records_url}: malformed answer, no list of records")
        return items[0] if items else None

    def get(self, record_id: str, random_id: str) -> dict | None:
        """The record with this id, or None when PocketBase answers 404 (unknown, or not this attempt's)."""
        try:
            return self._request("GET", self._record_url(record_id), random_id, params={"fields": ",".join(LOOKUP_FIELDS)})
        except TelemetryError as error:
            if error.status == 404:
                return None
            raise

    def patch(self, record_id: str, random_id: str, body: dict) -> dict:
        """PATCH a record with ``body``; return the updated record."""
        return self._request("PATCH", self._record_url(record_id), random_id, json=body)

    def _record_url(self, record_id: str) -> str:
        """The URL of one record; the id is checked, so nothing else ever reaches the path."""
        return f"{self.records_url}/{check_record_id(record_id)}"

    def iter_records(self, filter_expression: str, fields: tuple, after: dict | None = None):
        """Every record matching a PocketBase filter, oldest first (by created, then id), one page at a time,
        from the start or from after the record ``after`` (its ``created`` and ``id``).

        Keyset paging: each page asks for the records after the last one seen, ``(created > last) ||
        (created = last && id > last_id)``, written ``created >= last && (created > last || id > last_id)``: the
        same records, but SQLite seeks to them on the (created, id) index instead of walking the index from its
        start (measured at 1M records, 500k deep: 2 ms instead of 66 ms a page). So a page costs the same at any
        depth and a record created meanwhile cannot shift the pages. Each page gets its own time budget.
        A generator: the caller holds only the page being read.
        """
        fields = tuple(fields) + tuple(field for field in ("id", "created") if field not in fields)
        while True:
            self.renew_budget()
            terms = [f"({filter_expression})"] if filter_expression else []
            if after:
                created, record_id = pb_quote(after["created"]), pb_quote(after["id"])
                terms.append(f"(created>={created} && (created>{created} || id>{record_id}))")
            items = self.list_page(" && ".join(terms), PAGE_SIZE, ",".join(fields))
            yield from items
            if len(items) < PAGE_SIZE:
                return
            after = items[-1]

    def list_page(self, filter_expression: str, per_page: int, fields: str, sort: str = "created,id") -> list:
        """The first page of records matching a PocketBase filter, oldest first unless ``sort`` says otherwise (no
        attempt header: a fleet query). The filter says where the page starts (keyset paging, see iter_records),
        so no page number is sent."""
        params = {"filter": filter_expression, "perPage": per_page, "sort": sort, "skipTotal": 1}
        if fields:
            params["fields"] = fields
        answer = self._request("GET", self.records_url, None, params=params)
        items = answer.get("items")
        if not isinstance(items, list) or not all(isinstance(item, dict) and "id" in item for item in items):
            raise TelemetryError(f"GET {self.records_url}: malformed answer, no list of records")
        return items

    def sign_in(self, email: str, password: str) -> None:
        """Sign in as a superuser; the client then sends the token it got. A refusal raises TelemetryError
        (PocketBase answers 400 for a wrong email or password, 429 when its limiter holds back guesses)."""
        self.renew_budget()
        answer = self._request("POST", f"{self.url}{SIGN_IN_PATH}", None, json={"identity": email, "password": password})
        token = answer.get("token")
        if not isinstance(token, str) or not token:
            raise TelemetryError(f"POST {self.url}{SIGN_IN_PATH}: malformed answer, no token")
        self.session.headers["Authorization"] = token

    def check_superuser_token(self) -> None:
        """Raise TelemetryError (status 401 or 403) unless this client's token is a live superuser token.

        A read that PocketBase's rules refuse answers 200 with no records, which looks like an empty fleet; so
        the token is checked first, on a superuser-only endpoint (the collection's own definition): 401 for no,
        a garbage, an expired or a revoked token, 403 for the token of a user who is not a superuser.
        """
        self.renew_budget()
        self._request("GET", f"{self.url}/api/collections/{self.collection}", None, params={"fields": "id,name"})

    def aggregates(self, query: dict, top_apps: int | None = None) -> dict | None:
        """The server's aggregates of a fleet question (pocketbase/pb_hooks), or None where the backend has no
        such route (404). A 401 or 403 (a guarded collection, asked by someone who is not a superuser) is raised:
        the records' own rule would answer that caller with an empty list. ``top_apps`` is sent as ``top``: the
        route lists that many apps and sums the rest in ``others`` (an older route lists them all)."""
        params = {name: value for name, value in query.items() if value}
        params["collection"] = self.collection
        if top_apps is not None:
            params["top"] = top_apps
        self.renew_budget()
        try:
            answer = self._request("GET", f"{self.url}{AGGREGATES_PATH}", None, params=params)
        except TelemetryError as error:
            if error.status == 404:
                return None
            raise
        if answer.get("version") != 1 or not isinstance(answer.get("by_app_status"), list):
            raise TelemetryError(f"GET {self.url}{AGGREGATES_PATH}: malformed answer, not the aggregates of version 1")
        return answer

    def error_details(self, record_ids: list) -> dict:
        """{record id: its error_detail} of a few records (the recent failures a fleet question shows), in one
        request; "" for a record without one, or on a backend without the field."""
        self.renew_budget()
        terms = " || ".join(f"id={pb_quote(check_record_id(record_id))}" for record_id in record_ids)
        items = self.list_page(f"({terms})", len(record_ids), "id,error_detail")
        return {item["id"]: item.get("error_detail") or "" for item in items}

    def newest_failures(self, filter_expression: str, count: int) -> list:
        """The ``count`` newest failed records matching a filter, newest first (by created, then id, as the
        aggregates route lists its recent failures), with their error_detail."""
        self.renew_budget()
        terms = [f"({filter_expression})"] if filter_expression else []
        terms.append(f"(status={pb_quote(STATUS_FAILED)})")
        return self.list_page(" && ".join(terms), count, "id,created,nsapp,error_detail", sort="-created,-id")

    def renew_budget(self) -> None:
        """Give the next request a new time budget, for many independent requests (the pages of a fleet question)."""
        self._deadline = None

    def remaining(self) -> float:
        """Seconds left of the time budget: all of it until the first request starts it."""
        if self._deadline is None:
            return self.budget
        return self._deadline - time.monotonic()

    def _request(self, method: str, url: str, random_id: str | None, **kwargs) -> dict:
        if self._deadline is None:
            self._deadline = time.monotonic() + self.budget
        attempt = 0
        while True:
            remaining = self.remaining()
            if remaining <= 0:
                raise TelemetryError(f"{method} {url}: no time left of the {self.budget:g} s budget")
            try:
                return self._attempt(method, url, random_id, min(self.timeout, remaining), **kwargs)
            except TelemetryError as error:
                wait = self._wait_before_retry(error, attempt)
                if wait is None:
                    raise
                time.sleep(wait)
                attempt += 1

    def _wait_before_retry(self, error: TelemetryError, attempt: int) -> float | None:
        """Seconds to wait before retrying, or None when a retry cannot help or does not fit the budget."""
        if not error.retryable or attempt >= self.retries:
            return None
        if error.retry_after is not None:
            wait = error.retry_after
        else:
            wait = BACKOFF_BASE * (2 ** attempt) * random.uniform(0.5, 1.5)  # exponential, with jitter
        return wait if wait < self.remaining() else None

    def _attempt(self, method: str, url: str, random_id: str | None, seconds: float, **kwargs) -> dict:
        headers = {TELEMETRY_ID_HEADER: random_id} if random_id else {}
        try:
            with _hard_time_limit(seconds), _quiet_if_unverified(self.session.verify):
                response = self.session.request(method, url, timeout=seconds, headers=headers, **kwargs)
        except (_AttemptTimeout, requests.exceptions.Timeout):
            raise TelemetryError(f"{method} {url}: no answer within {seconds:.1f} s", retryable=True) from None
        except requests.exceptions.SSLError as error:
            raise TelemetryError(f"{method} {url}: TLS error: {error}") from None
        except requests.exceptions.ConnectionError as error:
            raise TelemetryError(f"{method} {url}: cannot connect: {_reason(error)}", retryable=True) from None
        except requests.exceptions.RequestException as error:
            raise TelemetryError(f"{method} {url}: {error.__class__.__name__}: {error}") from None
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if response.status_code >= 400:
            raise _error_from_answer(method, url, response, answer)
        if not isinstance(answer, dict):
            raise TelemetryError(f"{method} {url}: malformed answer (HTTP {response.status_code}, not a JSON object)",
                                 status=response.status_code)
        return answer


def _reason(error: Exception) -> str:
    """The innermost reason of a requests/urllib3 connection error, without object reprs."""
    reason = error
    while getattr(reason, "reason", None) is not None or (reason.args and isinstance(reason.args[0], Exception)):
        reason = getattr(reason, "reason", None) or reason.args[0]
    # urllib3 starts with the connection object ("HTTPConnection(host='127.0.0.1', port=1): Failed to establish a new
    # connection: "): the URL is in the message already.
    return re.sub(r"^(<[^>]+>|\w+Connection\(host=[^)]*\)): (Failed to establish a new connection: )?", "", str(reason))


def _error_from_answer(method: str, url: str, response, answer) -> TelemetryError:
    status = response.status_code
    message = f"HTTP {status}"
    field_errors = {}
    if isinstance(answer, dict):
        message = f"{message}: {answer.get('message') or 'no message'}"
        if isinstance(answer.get("data"), dict):
            field_errors = answer["data"]
    details = "; ".join(
        f"{field}: {error.get('message', error) if isinstance(error, dict) else error}"
        for field, error in sorted(field_errors.items())
    )
    if details:
        message = f"{message} ({details})"
    return TelemetryError(f"{method} {url}: {message}", status=status, field_errors=field_errors,
                          retryable=status in RETRYABLE_STATUSES,
                          retry_after=_retry_after(response) if status == 429 else None)
