# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The bodies the contract sends: the create body and the finish body, with
the status mapping and the exit-code rule. PRIVATE to this collection.

Pure: no network, no module object. Every value is checked (``_checks``)
before it goes into a body.
"""

from __future__ import annotations

import re

from ansible_collections.community_scripts.telemetry.plugins.module_utils._checks import (
    check_count,
    check_random_id,
    check_text,
    parse_size,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import TelemetryValueError
from ansible_collections.community_scripts.telemetry.plugins.module_utils._exit_codes import explain_exit_code
from ansible_collections.community_scripts.telemetry.plugins.module_utils._records import (
    CT_TYPE_BY_TYPE,
    STATUS_FAILED,
    STATUS_INSTALLING,
    STATUS_SUCCESS,
    STATUS_UNKNOWN,
)

# The contract's status mapping: these words finish a record as sucess, these as failed, anything else as unknown.
SUCCESS_WORDS = ("done", "success", "sucess")
FAILURE_WORDS = ("failed",)

_WHOLE_NUMBER_RE = re.compile(r"^[0-9]+$")


def map_status(status: str) -> str:
    """Map free-text status to the schema's value: done/success/sucess, failed, else unknown."""
    if status in SUCCESS_WORDS:
        return STATUS_SUCCESS
    if status in FAILURE_WORDS:
        return STATUS_FAILED
    return STATUS_UNKNOWN


def normalise_exit_code(value) -> int:
    """A whole number >= 0 stays as it is; anything else (missing, negative, text) is 1."""
    if isinstance(value, bool):
        return 1
    if isinstance(value, int):
        return value if value >= 0 else 1
    if isinstance(value, float):
        return int(value) if value.is_integer() and value >= 0 else 1
    if isinstance(value, str) and _WHOLE_NUMBER_RE.match(value.strip()):
        return int(value.strip())
    return 1


def build_finish_body(status: str, exit_code=None) -> dict:
    """The PATCH body that finishes a record: ``status``, ``exit_code`` and ``error``."""
    mapped = map_status(status)
    if mapped == STATUS_SUCCESS:
        return {"status": mapped, "exit_code": 0, "error": ""}
    code = normalise_exit_code(exit_code)
    return {"status": mapped, "exit_code": code, "error": explain_exit_code(code)}


def resolve_ct_type(record_type: str, ct_type: int | None) -> int:
    """The contract's ct_type of a type; a given one must agree with it."""
    expected = CT_TYPE_BY_TYPE[record_type]
    if ct_type is not None and ct_type != expected:
        raise TelemetryValueError("ct_type", f"must be {expected} for type={record_type}, got {ct_type!r}")
    return expected


def build_create_body(params: dict, pve_version: str) -> dict:
    """The POST body of the contract, every field checked. ``params`` are the report module's options."""
    nsapp = check_text(params["nsapp"], "nsapp")
    if not nsapp.strip():
        raise TelemetryValueError("nsapp", "must name the application being installed; the schema refuses an empty one")
    return {
        "ct_type": resolve_ct_type(params["type"], params.get("ct_type")),
        "type": params["type"],
        "disk_size": parse_size(params.get("disk_size")),
        "core_count": check_count(params.get("core_count", 0), "core_count"),
        "ram_size": check_count(params.get("ram_size", 0), "ram_size"),
        "os_type": check_text(params.get("os_type"), "os_type"),
        "os_version": check_text(params.get("os_version"), "os_version"),
        "nsapp": nsapp,
        "method": check_text(params.get("method"), "method"),
        "pve_version": check_text(pve_version, "pve_version"),
        "status": STATUS_INSTALLING,
        "random_id": check_random_id(params["random_id"]),
    }
