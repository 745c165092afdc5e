# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # The spool option, documented once: spool_argument_spec() in plugins/module_utils/_argspec.py.
    DOCUMENTATION = r"""
options:
  spool_dir:
    description:
      - A directory where events that cannot be delivered within the time budget
        are kept, so that none is lost. The module then succeeds with C(reported=false) and C(spooled=true).
      - The spool is one file of JSON lines, C(events.jsonl); any number of tasks may write to it at once.
      - M(community_scripts.telemetry.pve_telemetry_flush) delivers the kept events later, in order.
      - Without it, an event that cannot be delivered is lost, with a warning.
      - With O(ignore:delivery=controller) (the default) the directory is on the controller, and one spool serves every
        host of the play; with O(ignore:delivery=host) it is on each managed host.
    type: path
"""
