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
    check_duration,
    check_node,
    check_random_id,
    check_text,
    parse_size,
    shown,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import TelemetryValueError
from ansible_collections.community_scripts.telemetry.plugins.module_utils._exit_codes import explain_exit_code
from ansible_collections.community_scripts.telemetry.plugins.module_utils._pve_version import PVE_VERSION_NOT_FOUND, usable_pve_version
from ansible_collections.community_scripts.telemetry.plugins.module_utils._records import (
    CREATE_FIELDS,
    CT_TYPE_BY_TYPE,
    ERROR_DETAIL_MAX_BYTES,
    ERROR_DETAIL_MAX_LINES,
    STATUS_FAILED,
    STATUS_INSTALLING,
    STATUS_SUCCESS,
    STATUS_UNKNOWN,
    STATUSES,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._scrub import scrub

# The contract's status mapping: these words finish a record as sucess, these as failed, anything else as unknown.
SUCCESS_WORDS = ("done", "success", "sucess")
FAILURE_WORDS = ("failed",)

_WHOLE_NUMBER_RE = re.compile(r"^[0-9]+$")
# How much of a step's output the scrubber reads: its end, 16 times what error_detail keeps, so that what is kept
# was scrubbed with its context (the BEGIN line of a key, the key of a value) and the scrubber's time stays bounded.
SCRUB_WINDOW = 16 * ERROR_DETAIL_MAX_BYTES


def _window(text: str) -> str:
    """The end of ``text`` the scrubber reads: at most SCRUB_WINDOW characters, from the start of a line (or
    of a word, in one long line), so that no secret is cut from the key before it."""
    if len(text) <= SCRUB_WINDOW:
        return text
    text = text[-SCRUB_WINDOW:]
    for separator in ("\n", " "):
        cut = text.find(separator)
        if cut >= 0:
            return text[cut + 1:]
    return ""


def error_detail_tail(output: str, max_lines: int = ERROR_DETAIL_MAX_LINES, max_bytes: int = ERROR_DETAIL_MAX_BYTES) -> str:
    """The tail of a failing step's output as ``error_detail`` carries it: scrubbed (``_scrub``: secrets, e-mail
    and IP addresses masked), then the last ``max_lines`` lines that are not blank at the end, then at most
    ``max_bytes`` bytes of UTF-8 (the end is kept, cut at a character boundary)."""
    if output is None:
        return ""
    text = str(output).encode("utf-8", "replace").decode("utf-8")  # lone surrogates become ?
    text = scrub(_window(text.replace("\r\n", "\n").replace("\r", "\n").rstrip()))
    lines = text.rstrip().split("\n")
    text = "\n".join(lines[-max_lines:]) if max_lines > 0 else ""
    data = text.encode("utf-8")
    if len(data) > max_bytes:
        text = data[len(data) - max_bytes:].decode("utf-8", "ignore")  # a character cut in two is dropped whole
    return text


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


def build_finish_body(status: str, exit_code=None, install_duration=None, error_detail=None) -> dict:
    """The PATCH body that finishes a record: ``status``, ``exit_code`` and ``error``, the contract's fields.
    ``install_duration`` and ``error_detail`` (the extended fields) are added only when given."""
    mapped = map_status(status)
    if mapped == STATUS_SUCCESS:
        body = {"status": mapped, "exit_code": 0, "error": ""}
    else:
        code = normalise_exit_code(exit_code)
        body = {"status": mapped, "exit_code": code, "error": explain_exit_code(code)}
    if install_duration is not None:
        body["install_duration"] = check_duration(install_duration)
    if error_detail is not None:
        if not isinstance(error_detail, str):
            raise TelemetryValueError("error_detail", f"must be text (a step's output), got {type(error_detail).__name__}")
        body["error_detail"] = error_detail_tail(error_detail)
    return body


def resolve_ct_type(record_type: str, ct_type: int | None) -> int:
    """The contract's ct_type of a type; a given one must agree with it."""
    expected = CT_TYPE_BY_TYPE[record_type]
    if ct_type is not None and ct_type != expected:
        raise TelemetryValueError("ct_type", f"must be {expected} for type={record_type}, got {ct_type!r}")
    return expected


def check_pve_version(value) -> str:
    """A Proxmox VE version such as 8.2.4, or ``not found``: never free text (a host's answer is checked too)."""
    version = check_text(value, "pve_version")
    if usable_pve_version(version) != version:
        raise TelemetryValueError("pve_version", f"must be a Proxmox VE version such as 8.2.4, or '{PVE_VERSION_NOT_FOUND}', "
                                                 f"got {shown(version)}")
    return version


def build_create_body(params: dict, pve_version: str) -> dict:
    """The POST body of the contract, every field checked. ``params`` are the report module's options."""
    nsapp = check_text(params["nsapp"], "nsapp")
    if not nsapp.strip():
        raise TelemetryValueError("nsapp", "must name the application being installed; the schema refuses an empty one")
    body = {
        "ct_type": resolve_ct_type(params["type"], params.get("ct_type")),
        "type": params["type"],
        "disk_size": parse_size(params.get("disk_size")),
        "core_count": check_count(params.get("core_count", 0), "core_count"),
        "ram_size": check_count(params.get("ram_size", 0), "ram_size"),
        "os_type": check_text(params.get("os_type"), "os_type"),
        "os_version": check_text(params.get("os_version"), "os_version"),
        "nsapp": nsapp,
        "method": check_text(params.get("method"), "method"),
        "pve_version": check_pve_version(pve_version),
        "status": STATUS_INSTALLING,
        "random_id": check_random_id(params["random_id"]),
    }
    if params.get("node") is not None:  # an extended field: only when given
        body["node"] = check_node(params["node"])
    return body


# --- a body made earlier (a spooled event): valid when the builders would have made exactly it ------------

def check_create_body(body) -> dict:
    """Raise ValueError unless ``body`` is a create body that build_create_body makes: the same fields, every
    value one the report module accepts, already in the form it sends (a spooled body is rebuilt from its own
    values, so what makes a body valid is written once, above)."""
    if not isinstance(body, dict):
        raise ValueError("not a create body")
    try:
        params = {field: body[field] for field in CREATE_FIELDS if field != "pve_version"}
        params["node"] = body.get("node")
        rebuilt = build_create_body(params, body["pve_version"])
    except (KeyError, TypeError) as error:
        raise ValueError(f"not a create body ({error})") from None
    if rebuilt != body or any(type(rebuilt[key]) is not type(body[key]) for key in body if key != "disk_size"):
        raise ValueError("not a create body the report module would send")
    return body


def check_finish_body(body) -> dict:
    """Raise ValueError unless ``body`` is a finish body that build_finish_body makes from its own status, exit
    code and extended fields. Only ``error`` may differ from today's explanation of the exit code: the table
    of explanations may have changed since the body was made, so any text within the limits is kept."""
    if not isinstance(body, dict) or "error" not in body or body.get("status") not in STATUSES:
        raise ValueError("not a finish body")
    detail = body.get("error_detail")
    if detail is not None and (not isinstance(detail, str) or len(detail.encode("utf-8", "replace")) > ERROR_DETAIL_MAX_BYTES):
        raise ValueError("error_detail is not the tail of a step's output")
    if isinstance(body.get("exit_code"), bool) or not isinstance(body.get("exit_code"), int):
        raise ValueError("exit_code is not a whole number")
    rebuilt = build_finish_body(body["status"], body["exit_code"], body.get("install_duration"))
    if detail is not None:
        rebuilt["error_detail"] = check_text(detail, "error_detail")
    if rebuilt != dict(body, error=rebuilt["error"]):
        raise ValueError("not a finish body the update module would send")
    check_text(body["error"], "error")
    return body
