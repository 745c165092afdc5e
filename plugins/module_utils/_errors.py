# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The three error types of the collection. PRIVATE to this collection.

``TelemetryValueError`` is bad input from the playbook: the task fails and the
message names the option. ``TelemetryError`` is a delivery problem (network,
HTTP status, malformed answer): a warning unless the caller asked to fail.
``RecordNotFound``, a ``TelemetryError``, says the attempt has no record to
finish: no retry and no spool can change that.
"""

from __future__ import annotations


class TelemetryValueError(ValueError):
    """An option value that cannot be sent. ``option`` names it."""

    def __init__(self, option: str, message: str):
        super().__init__(f"{option}: {message}")
        self.option = option


class TelemetryError(Exception):
    """The backend could not be reached or refused a request.

    ``status`` is the HTTP status when there was an answer, ``field_errors``
    PocketBase's per-field validation errors (``{field: {code, message}}``),
    ``retryable`` whether trying again may help, ``retry_after`` the seconds
    the backend asked to wait first.
    """

    def __init__(self, message: str, status: int | None = None, field_errors: dict | None = None,
                 retryable: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.field_errors = field_errors or {}
        self.retryable = retryable
        self.retry_after = retry_after

    def is_not_unique(self, field: str) -> bool:
        """True when PocketBase refused the request because ``field`` must be unique."""
        error = self.field_errors.get(field)
        return isinstance(error, dict) and error.get("code") == "validation_not_unique"


class RecordNotFound(TelemetryError):
    """The attempt has no record to finish; trying again cannot change that."""
