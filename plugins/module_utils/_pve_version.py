# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The Proxmox VE version of a host, as the record's ``pve_version`` carries it.
PRIVATE to this collection.
"""

from __future__ import annotations

import re

PVE_VERSION_NOT_FOUND = "not found"
# What pveversion prints between its first two slashes: digits, dots and a suffix such as ~beta1 or -1.
_VERSION_RE = re.compile(r"[0-9][0-9A-Za-z.+~_-]{0,31}")


def parse_pveversion(output: str) -> str:
    """``pve-manager/8.2.4/faa83925c9641325 (running kernel: ...)`` -> ``8.2.4``; else ``not found``."""
    first_line = (output or "").strip().splitlines()[:1]
    parts = first_line[0].split("/") if first_line else []
    if len(parts) >= 2 and parts[1].strip():
        return usable_pve_version(parts[1].split()[0])
    return PVE_VERSION_NOT_FOUND


def detect_pve_version(module) -> str:
    """Run ``pveversion`` on the host the module runs on; ``not found`` where it does not exist or fails."""
    pveversion = module.get_bin_path("pveversion")
    if not pveversion:
        return PVE_VERSION_NOT_FOUND
    rc, out, dummy = module.run_command([pveversion])
    return parse_pveversion(out) if rc == 0 else PVE_VERSION_NOT_FOUND


def usable_pve_version(value) -> str:
    """A version as the record may carry it (``8.2.4``, ``9.0.0~beta1``), else ``not found``.

    Whatever a host answers is checked: a value with control characters, markup or spaces is no version."""
    if isinstance(value, str) and (value == PVE_VERSION_NOT_FOUND or _VERSION_RE.fullmatch(value)):
        return value
    return PVE_VERSION_NOT_FOUND
