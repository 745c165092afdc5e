# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The exit-code table of the telemetry contract. PRIVATE to this collection.

This is the only copy of the table in the code: the modules, the filter
plugin and the roles all explain exit codes through this file. It mirrors
the contract's ``exit-codes.yml`` entry for entry; a unit test compares them.
"""

from __future__ import annotations

UNKNOWN_ERROR = 'Unknown error'

EXIT_CODES = {
    1: 'General error / Operation not permitted',
    2: 'Misuse of shell builtins (e.g. syntax error)',
    6: 'curl: DNS resolution failed (could not resolve host)',
    7: 'curl: Failed to connect (network unreachable / host down)',
    22: 'curl: HTTP error returned (404, 429, 500+)',
    28: 'curl: Operation timeout (network slow or server not responding)',
    35: 'curl: SSL/TLS handshake failed (certificate error)',
    100: 'APT: Package manager error (broken packages / dependency problems)',
    101: 'APT: Configuration error (bad sources.list, malformed config)',
    102: 'APT: Lock held by another process (dpkg/apt still running)',
    124: 'Command timed out (timeout command)',
    126: 'Command invoked cannot execute (permission problem?)',
    127: 'Command not found',
    128: 'Invalid argument to exit',
    130: 'Terminated by Ctrl+C (SIGINT)',
    134: 'Process aborted (SIGABRT - possibly Node.js heap overflow)',
    137: 'Killed (SIGKILL / Out of memory?)',
    139: 'Segmentation fault (core dumped)',
    141: 'Broken pipe (SIGPIPE - output closed prematurely)',
    143: 'Terminated (SIGTERM)',
    150: 'Systemd: Service failed to start',
    151: 'Systemd: Service unit not found',
    152: 'Permission denied (EACCES)',
    153: 'Build/compile failed (make/gcc/cmake)',
    154: 'Node.js: Native addon build failed (node-gyp)',
    160: 'Python: Virtualenv / uv environment missing or broken',
    161: 'Python: Dependency resolution failed',
    162: 'Python: Installation aborted (permissions or EXTERNALLY-MANAGED)',
    170: 'PostgreSQL: Connection failed (server not running / wrong socket)',
    171: 'PostgreSQL: Authentication failed (bad user/password)',
    172: 'PostgreSQL: Database does not exist',
    173: 'PostgreSQL: Fatal error in query / syntax',
    180: 'MySQL/MariaDB: Connection failed (server not running / wrong socket)',
    181: 'MySQL/MariaDB: Authentication failed (bad user/password)',
    182: 'MySQL/MariaDB: Database does not exist',
    183: 'MySQL/MariaDB: Fatal error in query / syntax',
    190: 'MongoDB: Connection failed (server not running)',
    191: 'MongoDB: Authentication failed (bad user/password)',
    192: 'MongoDB: Database not found',
    193: 'MongoDB: Fatal query error',
    200: 'Proxmox: Failed to create lock file',
    203: 'Proxmox: Missing CTID variable',
    204: 'Proxmox: Missing PCT_OSTYPE variable',
    205: 'Proxmox: Invalid CTID (<100)',
    206: 'Proxmox: CTID already in use',
    207: 'Proxmox: Password contains unescaped special characters',
    208: 'Proxmox: Invalid configuration (DNS/MAC/Network format)',
    209: 'Proxmox: Container creation failed',
    210: 'Proxmox: Cluster not quorate',
    211: 'Proxmox: Timeout waiting for template lock',
    212: "Proxmox: Storage type 'iscsidirect' does not support containers (VMs only)",
    213: "Proxmox: Storage type does not support 'rootdir' content",
    214: 'Proxmox: Not enough storage space',
    215: 'Proxmox: Container created but not listed (ghost state)',
    216: 'Proxmox: RootFS entry missing in config',
    217: 'Proxmox: Storage not accessible',
    218: 'Proxmox: Template file corrupted or incomplete',
    219: 'Proxmox: CephFS does not support containers - use RBD',
    220: 'Proxmox: Unable to resolve template path',
    221: 'Proxmox: Template file not readable',
    222: 'Proxmox: Template download failed',
    223: 'Proxmox: Template not available after download',
    224: 'Proxmox: PBS storage is for backups only',
    225: 'Proxmox: No template available for OS/Version',
    231: 'Proxmox: LXC stack upgrade failed',
    243: 'Node.js: Out of memory (JavaScript heap out of memory)',
    245: 'Node.js: Invalid command-line option',
    246: 'Node.js: Internal JavaScript Parse Error',
    247: 'Node.js: Fatal internal error',
    248: 'Node.js: Invalid C++ addon / N-API failure',
    249: 'npm/pnpm/yarn: Unknown fatal error',
    255: 'DPKG: Fatal internal error',
}


def explain_exit_code(code: int) -> str:
    """Return the contract's description of a (normalised) exit code."""
    return EXIT_CODES.get(code, UNKNOWN_ERROR)
