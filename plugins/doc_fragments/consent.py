# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # The consent options, documented once: consent_argument_spec() in plugins/module_utils/_argspec.py,
    # with the defaults of plugins/module_utils/_consent.py.
    DOCUMENTATION = r"""
options:
  diagnostics:
    description:
      - The operator's consent to send telemetry. Nothing leaves the host without it.
      - V(auto) reads the consent from O(diagnostics_file), as the community scripts do.
      - V(yes) is the operator opting in for this task; V(no) sends nothing.
    type: str
    choices: [auto, 'yes', 'no']
    default: auto
  diagnostics_file:
    description:
      - The consent file read when O(diagnostics=auto), on the managed host.
      - Only a line C(DIAGNOSTICS=yes) counts as consent. The key is upper case, as the shell variable the community
        scripts source; spaces, quotes around the value and the value's case do not matter; the last such line wins.
        No file, no such line, or any other value means no, and the task is skipped, saying why.
      - A file that exists but cannot be read (no permission, a directory, a FIFO or a device) fails the task,
        since the operator's choice is then unknown.
    type: path
    default: /usr/local/community-scripts/diagnostics
"""
