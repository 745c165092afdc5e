# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The operator's consent: where it is kept, how the file reads, and the
decision whether anything may be sent. PRIVATE to this collection.

Consent is an allow-list: only O(diagnostics=yes), or a diagnostics file
whose DIAGNOSTICS line says yes, lets anything leave the host.
"""

from __future__ import annotations

import errno
import os
import stat

from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import TelemetryValueError

# Where the community scripts keep the operator's choice.
DEFAULT_DIAGNOSTICS_FILE = "/usr/local/community-scripts/diagnostics"
CHOICES = ("auto", "yes", "no")
DEFAULT_CHOICE = "auto"
MAX_CONSENT_FILE_SIZE = 64 * 1024
# The host fact that keeps what telemetry read on a host, its consent and its Proxmox VE version
# (the controller delivery keeps there what its host step read, sealed for the run; see plugin_utils/_controller.py).
HOST_FACT = "pve_telemetry_host"


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


# Why a consent file that is neither missing nor a regular file is not read.
NOT_A_REGULAR_FILE = "not a regular file (a FIFO or a device is never read)"


def _read_consent_file(path: str) -> str:
    """The text of a consent file. Only a regular file is read, and only its first 64 KiB: a FIFO or a
    device would otherwise keep the task waiting for ever (O_NONBLOCK lets the open return at once)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise OSError(errno.EISDIR, os.strerror(errno.EISDIR))
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, NOT_A_REGULAR_FILE)
        return handle.read(MAX_CONSENT_FILE_SIZE).decode("utf-8", errors="replace")


def consent_refusal(choice: str, path: str) -> str | None:
    """None when the operator opted in; otherwise why nothing may be sent.

    A consent file that exists but cannot be read raises ``TelemetryValueError``
    for O(diagnostics_file): the operator's choice is unknown, and guessing
    either way would be wrong.
    """
    if choice == "yes":
        return None
    if choice == "no":
        return "diagnostics=no: the operator did not opt in"
    try:
        text = _read_consent_file(path)
    except FileNotFoundError:
        text = None
    except OSError as error:
        raise unreadable(path, error.strerror) from None
    return file_refusal(path, text)


def file_refusal(path: str, text: str | None) -> str | None:
    """None when the consent file's text says yes; otherwise why not (``text`` None: there is no file)."""
    if text is None:
        return f"no diagnostics file at {path}: the operator did not opt in"
    if parse_consent(text):
        return None
    return f"{path} does not say DIAGNOSTICS=yes: the operator did not opt in"


def unreadable(path: str, why: str) -> TelemetryValueError:
    """The error of a consent file that exists and cannot be read."""
    return TelemetryValueError("diagnostics_file", f"cannot read {path}: {why}")
