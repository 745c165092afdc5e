# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The checks of the values a record or a request carries, and of the options
that say where and how requests are sent. PRIVATE to this collection.

PocketBase silently coerces bad numbers to 0 and drops unknown keys, so every
value is checked here, before anything is sent. A bad one raises
``TelemetryValueError`` naming the option. Pure: no network, no module object.
"""

from __future__ import annotations

import math
import re
from urllib.parse import urlsplit, urlunsplit

from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import TelemetryValueError
from ansible_collections.community_scripts.telemetry.plugins.module_utils._records import MAX_NODE_LENGTH, MAX_TEXT_LENGTH

# Every pattern is matched with fullmatch: "$" would also match before a trailing newline.
_UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_RECORD_ID_RE = re.compile(r"[A-Za-z0-9]{1,64}")
_SIZE_RE = re.compile(r"([0-9]+(?:\.[0-9]+)?)[gG]?")
_COLLECTION_RE = re.compile(r"\w+")
# PocketBase's own collections: never a telemetry collection (the auth ones hold password hashes).
SYSTEM_COLLECTIONS = ("_superusers", "_authorigins", "_externalauths", "_mfas", "_otps")
SHOWN_LENGTH = 80


def shown(value) -> str:
    """A value as an error message shows it: its repr, cut short when it is long."""
    text = repr(value)
    if len(text) <= SHOWN_LENGTH:
        return text
    return f"{text[:SHOWN_LENGTH]}... ({len(value) if isinstance(value, (str, bytes)) else len(text)} characters)"


def check_random_id(value: str, option: str = "random_id") -> str:
    """The UUID of one attempt."""
    if not isinstance(value, str) or not _UUID_RE.fullmatch(value):
        raise TelemetryValueError(option, f"must be a UUID such as 3f0c0d9e-5c8a-4c1e-9d5b-2b7f4f0a1c2d, got {shown(value)}")
    return value


def check_record_id(value: str, option: str = "record_id") -> str:
    """A PocketBase record id."""
    if not isinstance(value, str) or not _RECORD_ID_RE.fullmatch(value):
        raise TelemetryValueError(option, f"must be a PocketBase record id (letters and digits), got {shown(value)}")
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
        raise TelemetryValueError(option, f"must be a whole number >= 0, got {shown(value)}")
    return value


def parse_size(value, option: str = "disk_size"):
    """A disk size in GB: a number, or a string such as ``20``, ``20G`` or ``12.5G``."""
    if value is None:
        return 0
    if isinstance(value, bool):
        raise TelemetryValueError(option, f"must be a size in GB such as 20 or '20G', got {shown(value)}")
    if isinstance(value, (int, float)):
        number = value
    else:
        match = _SIZE_RE.fullmatch(str(value).strip())
        if not match:
            raise TelemetryValueError(option, f"must be a size in GB such as 20 or '20G', got {shown(value)}")
        number = float(match.group(1))
    if not math.isfinite(number) or number < 0:
        raise TelemetryValueError(option, f"must be a size in GB >= 0, got {shown(value)}")
    return int(number) if float(number).is_integer() else number


def check_node(value, option: str = "node") -> str:
    """The Proxmox VE node or inventory host of an attempt: text, not empty, at most the schema's length."""
    text = check_text(value, option).strip()
    if not text or len(text) > MAX_NODE_LENGTH:
        raise TelemetryValueError(option, f"must be a node or host name of 1 to {MAX_NODE_LENGTH} characters, got {value!r}")
    return text


def check_duration(value, option: str = "install_duration"):
    """Seconds, a number >= 0 (a whole number stays whole)."""
    if isinstance(value, bool):
        raise TelemetryValueError(option, f"must be a number of seconds >= 0, got {value!r}")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise TelemetryValueError(option, f"must be a number of seconds >= 0, got {value!r}") from None
    if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise TelemetryValueError(option, f"must be a number of seconds >= 0, got {value!r}")
    return int(value) if float(value).is_integer() else round(float(value), 3)


# --- the connection: where and how the requests are sent ---------------------------------

def redact_url(url) -> str:
    """A URL as messages and files may show it: a password in it is replaced by ***."""
    try:
        parts = urlsplit(str(url))
        if parts.password is None:
            return str(url)
        return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)))
    except ValueError:
        return re.sub(r"//([^/@:]*):[^/@]*@", r"//\1:***@", str(url))


def check_url(url: str, option: str = "url") -> str:
    """An http(s) URL with a host, and nothing PocketBase's API paths could not follow."""
    try:
        parts = urlsplit(url or "")
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError as error:
        raise TelemetryValueError(option, f"is not a valid URL ({error}), got {shown(redact_url(url))}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TelemetryValueError(option, f"must be an http:// or https:// URL with a host, got {shown(redact_url(url))}")
    if parts.username is not None or parts.password is not None:
        raise TelemetryValueError(option, f"must not carry credentials (user:password@), got {shown(redact_url(url))}; "
                                          "a guarded backend's fleet questions take a token instead")
    if parts.query or parts.fragment:
        raise TelemetryValueError(option, f"must be the server's base URL, without ?query or #fragment, got {shown(url)}")
    return url.rstrip("/")


def check_collection(name: str) -> str:
    """A telemetry collection's name: one path segment, and none of PocketBase's own collections."""
    if not isinstance(name, str) or not _COLLECTION_RE.fullmatch(name):
        raise TelemetryValueError("collection", f"must be a PocketBase collection name (letters, digits, _), got {shown(name)}")
    if name.lower() in SYSTEM_COLLECTIONS:
        raise TelemetryValueError("collection", f"must be a telemetry collection, not PocketBase's own {name}")
    return name


def check_timeout(timeout: float) -> float:
    """The seconds one HTTP attempt may take."""
    if timeout is None or not math.isfinite(timeout) or timeout <= 0:
        raise TelemetryValueError("timeout", f"must be a finite number of seconds > 0, got {timeout!r}")
    return timeout


def check_retries(retries: int) -> int:
    """How many times a failed request is tried again."""
    if retries is None or retries < 0:
        raise TelemetryValueError("retries", f"must be a whole number >= 0, got {retries!r}")
    return retries
