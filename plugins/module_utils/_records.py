# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What a telemetry record contains: the create and finish bodies, the status
mapping, consent and ``pveversion`` parsing. PRIVATE to this collection.

Everything here is pure: no network, no module object. PocketBase silently
coerces bad numbers to 0 and drops unknown keys, so every value is checked
here, before anything is sent, and a bad one raises ``TelemetryValueError``
naming the option.
"""

from __future__ import annotations

import math
import re

from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import TelemetryValueError
from ansible_collections.community_scripts.telemetry.plugins.module_utils._exit_codes import explain_exit_code

STATUS_INSTALLING = "installing"
STATUS_SUCCESS = "sucess"  # sic: the schema's select value is misspelled on purpose
STATUS_FAILED = "failed"
STATUS_UNKNOWN = "unknown"
FINAL_STATUSES = (STATUS_SUCCESS, STATUS_FAILED)

_SUCCESS_WORDS = ("done", "success", "sucess")
_FAILURE_WORDS = ("failed",)

# PocketBase caps a text field at 5000 characters unless its schema says otherwise.
MAX_TEXT_LENGTH = 5000
PVE_VERSION_NOT_FOUND = "not found"

_UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_RECORD_ID_RE = re.compile(r"^[A-Za-z0-9]{1,64}$")
_WHOLE_NUMBER_RE = re.compile(r"^[0-9]+$")
_SIZE_RE = re.compile(r"^([0-9]+(?:\.[0-9]+)?)[gG]?$")
_CT_TYPE_BY_TYPE = {"lxc": 1, "vm": 2}


def map_status(status: str) -> str:
    """Map free-text status to the schema's value: done/success/sucess, failed, else unknown."""
    if status in _SUCCESS_WORDS:
        return STATUS_SUCCESS
    if status in _FAILURE_WORDS:
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


def is_already_final(current_status: str, wanted_status: str) -> bool:
    """True when a record's status must not be overwritten without force.

    ``sucess`` and ``failed`` are final. ``unknown`` is final too, except that
    a real final status may supersede it.
    """
    if current_status in FINAL_STATUSES:
        return True
    return current_status == STATUS_UNKNOWN and wanted_status not in FINAL_STATUSES


def check_random_id(value: str, option: str = "random_id") -> str:
    if not isinstance(value, str) or not _UUID_RE.match(value):
        raise TelemetryValueError(option, f"must be a UUID such as 3f0c0d9e-5c8a-4c1e-9d5b-2b7f4f0a1c2d, got {value!r}")
    return value


def check_record_id(value: str, option: str = "record_id") -> str:
    if not _RECORD_ID_RE.match(value):
        raise TelemetryValueError(option, f"must be a PocketBase record id (letters and digits), got {value!r}")
    return value


def check_text(value, option: str) -> str:
    """A string PocketBase stores unchanged: valid UTF-8, within the text limit."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TelemetryValueError(option, f"must be a string, got {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise TelemetryValueError(option, "is not valid UTF-8 text") from None
    if len(value) > MAX_TEXT_LENGTH:
        raise TelemetryValueError(option, f"is {len(value)} characters long; at most {MAX_TEXT_LENGTH} are stored")
    return value


def check_count(value, option: str) -> int:
    """A whole number >= 0 (cores, MB of RAM)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TelemetryValueError(option, f"must be a whole number >= 0, got {value!r}")
    return value


def parse_size(value, option: str = "disk_size"):
    """A disk size in GB: a number, or a string such as ``20``, ``20G`` or ``12.5G``."""
    if value is None:
        return 0
    if isinstance(value, bool):
        raise TelemetryValueError(option, f"must be a size in GB such as 20 or '20G', got {value!r}")
    if isinstance(value, (int, float)):
        number = value
    else:
        match = _SIZE_RE.match(str(value).strip())
        if not match:
            raise TelemetryValueError(option, f"must be a size in GB such as 20 or '20G', got {value!r}")
        number = float(match.group(1))
    if not math.isfinite(number) or number < 0:
        raise TelemetryValueError(option, f"must be a size in GB >= 0, got {value!r}")
    return int(number) if float(number).is_integer() else number


def resolve_ct_type(record_type: str, ct_type: int | None) -> int:
    expected = _CT_TYPE_BY_TYPE[record_type]
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


def parse_consent(text: str) -> bool:
    """Read a diagnostics file: True only for a ``DIAGNOSTICS`` line whose value is ``yes``.

    Comments and blank lines are ignored; the value is trimmed, unquoted and
    compared case-insensitively; the last ``DIAGNOSTICS`` line wins, as when
    the file is sourced by the shell. Anything else means no.
    """
    consent = False
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        if key.strip() != "DIAGNOSTICS":
            continue
        consent = value.strip().strip("\"'").strip().lower() == "yes"
    return consent


def parse_pveversion(output: str) -> str:
    """``pve-manager/8.2.4/faa83925c9641325 (running kernel: ...)`` -> ``8.2.4``; else ``not found``."""
    first_line = (output or "").strip().splitlines()[:1]
    parts = first_line[0].split("/") if first_line else []
    if len(parts) >= 2 and parts[1].strip():
        return parts[1].split()[0]
    return PVE_VERSION_NOT_FOUND


def pb_quote(value: str) -> str:
    """Quote a value as a PocketBase filter string literal: backslash first, then the quote."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
