# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Which of the contract's exit codes a Proxmox VE error means. PRIVATE to this collection.

The messages come from the Proxmox VE API as the community.proxmox modules
report them: synchronous API errors, and the last log line of a failed task.
"""

from __future__ import annotations

import re

CONTAINER_CREATION_FAILED = 209
GENERAL_ERROR = 1

# First match wins: a missing template is reported as a volume that does not exist, so it comes before storage.
_PATTERNS = (
    (206, r"(CT|VM|vmid|CTID)\s*\d*\s*(already exists|is already in use|already in use)|config file already exists"),
    (210, r"no quorum|not quorate|cluster not ready"),
    (214, r"not enough (free )?(disk )?space|no space left on device|insufficient (free )?space|out of (disk )?space"),
    (225, r"ostemplate .* does not exist|template .*(does not exist|not found)|no such template|vztmpl/\S* does not exist"),
    (217, r"storage '[^']*' (is not available|does not exist|is not online|not active)|storage .*not accessible"
          r"|unable to activate storage|could not activate storage"),
)
_COMPILED = tuple((code, re.compile(pattern, re.IGNORECASE)) for code, pattern in _PATTERNS)


def exit_code_for_proxmox_error(message: str, kind: str = "lxc") -> int:
    """The exit code of a failed LXC or VM creation, from the Proxmox VE error message."""
    for code, pattern in _COMPILED:
        if pattern.search(message or ""):
            return code
    return CONTAINER_CREATION_FAILED if kind == "lxc" else GENERAL_ERROR
