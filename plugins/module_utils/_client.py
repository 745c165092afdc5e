# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The HTTP side of the contract: create, look up, read and patch records in a
PocketBase collection. PRIVATE to this collection.

Every failure, whatever ``requests`` raised or PocketBase answered, leaves as
one ``TelemetryError`` carrying the HTTP status and PocketBase's field errors.
"""

from __future__ import annotations

import re
import traceback
from urllib.parse import urlsplit

from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import TelemetryError, TelemetryValueError
from ansible_collections.community_scripts.telemetry.plugins.module_utils._records import check_random_id, pb_quote

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
LOOKUP_FIELDS = "id,random_id,status,exit_code,error"
_COLLECTION_RE = re.compile(r"^\w+$")


def check_url(url: str) -> str:
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TelemetryValueError("url", f"must be an http:// or https:// URL with a host, got {url!r}")
    return url.rstrip("/")


def check_collection(name: str) -> str:
    if not _COLLECTION_RE.match(name or ""):
        raise TelemetryValueError("collection", f"must be a PocketBase collection name (letters, digits, _), got {name!r}")
    return name


def check_timeout(timeout: float) -> float:
    if timeout is None or timeout <= 0:
        raise TelemetryValueError("timeout", f"must be a number of seconds > 0, got {timeout!r}")
    return timeout


class TelemetryClient:
    """One attempt's view of a telemetry collection: every request carries its random_id header."""

    def __init__(self, url: str, collection: str, random_id: str, timeout: float = 5, validate_certs: bool = True):
        self.records_url = f"{check_url(url)}/api/collections/{check_collection(collection)}/records"
        self.random_id = check_random_id(random_id)
        self.timeout = check_timeout(timeout)
        self.session = requests.Session()
        self.session.verify = validate_certs
        self.session.headers.update({
            "Accept": "application/json",
            "User-Agent": "community_scripts.telemetry",
            TELEMETRY_ID_HEADER: random_id,
        })

    def create(self, body: dict) -> dict:
        """POST a new record; return it (with its ``id``)."""
        return self._request("POST", self.records_url, json=body)

    def find(self) -> dict | None:
        """The record of this attempt, looked up by random_id, or None."""
        params = {
            "filter": f"(random_id={pb_quote(self.random_id)})",
            "fields": LOOKUP_FIELDS,
            "perPage": 1,
            "skipTotal": 1,
        }
        answer = self._request("GET", self.records_url, params=params)
        items = answer.get("items")
        if not isinstance(items, list):
            raise TelemetryError(f"Malformed answer from {self.records_url}: no list of items")
        return items[0] if items else None

    def get(self, record_id: str) -> dict | None:
        """The record with this id, or None when PocketBase answers 404 (unknown, or not ours)."""
        try:
            return self._request("GET", f"{self.records_url}/{record_id}", params={"fields": LOOKUP_FIELDS})
        except TelemetryError as error:
            if error.status == 404:
                return None
            raise

    def patch(self, record_id: str, body: dict) -> dict:
        """PATCH a record with ``body``; return the updated record."""
        return self._request("PATCH", f"{self.records_url}/{record_id}", json=body)

    def _request(self, method: str, url: str, **kwargs) -> dict:
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.exceptions.Timeout:
            raise TelemetryError(f"{method} {url}: no answer within {self.timeout:g} s") from None
        except requests.exceptions.RequestException as error:
            raise TelemetryError(f"{method} {url}: {error.__class__.__name__}: {error}") from None
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if response.status_code >= 400:
            raise _error_from_answer(method, url, response.status_code, answer)
        if not isinstance(answer, dict):
            raise TelemetryError(f"{method} {url}: malformed answer (HTTP {response.status_code}, not a JSON object)",
                                 status=response.status_code)
        return answer


def _error_from_answer(method: str, url: str, status: int, answer) -> TelemetryError:
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
    return TelemetryError(f"{method} {url}: {message}", status=status, field_errors=field_errors)
