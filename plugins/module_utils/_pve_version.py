# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The Proxmox VE version of a host, as the record's ``pve_version`` carries it.
PRIVATE to this collection.
"""

from __future__ import annotations

PVE_VERSION_NOT_FOUND = "not found"


def parse_pveversion(output: str) -> str:
    """``pve-manager/8.2.4/faa83925c9641325 (running kernel: ...)`` -> ``8.2.4``; else ``not found``."""
    first_line = (output or "").strip().splitlines()[:1]
    parts = first_line[0].split("/") if first_line else []
    if len(parts) >= 2 and parts[1].strip():
        return parts[1].split()[0]
    return PVE_VERSION_NOT_FOUND


def detect_pve_version(module) -> str:
    """Run ``pveversion`` on the host the module runs on; ``not found`` where it does not exist or fails."""
    pveversion = module.get_bin_path("pveversion")
    if not pveversion:
        return PVE_VERSION_NOT_FOUND
    rc, out, dummy = module.run_command([pveversion])
    return parse_pveversion(out) if rc == 0 else PVE_VERSION_NOT_FOUND
