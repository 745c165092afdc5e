# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # The attributes the modules of this collection share.
    DOCUMENTATION = r"""
options: {}
attributes:
  platform:
    support: full
    platforms: posix
"""

    ACTION_GROUP = r"""
attributes:
  action_group:
    description:
      - Use C(group/community_scripts.telemetry.telemetry) in C(module_defaults) to set the connection options
        once for every module of this collection.
    support: full
    membership:
      - community_scripts.telemetry.telemetry
"""

    CHECK_MODE_READ_ONLY = r"""
options: {}
attributes:
  check_mode:
    support: full
    details:
      - The module only reads; it behaves the same in check mode.
  diff_mode:
    support: none
"""
