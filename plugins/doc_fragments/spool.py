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
      - The events wait there per host and backend (files C(q-*.events) of JSON lines, beside C(q-*.state)); any number
        of tasks may write at once, and keeping an event costs the same however many wait already.
      - M(community_scripts.telemetry.pve_telemetry_flush) delivers the kept events later, in order, each host's by a flush
        for that host, and only while that host still consents.
      - The directory is created C(0700) when it is missing. A directory (or a file in it) of another user, a
        directory other users can write (group- or world-writable, as ssh refuses for C(~/.ssh)) and a symlink are
        refused, naming this option.
      - Without it, an event that cannot be delivered is lost, with a warning.
      - With O(ignore:delivery=controller) (the default) the directory is on the controller, and one spool serves every
        host of the play; with O(ignore:delivery=host) it is on each managed host.
    type: path
  spool_max_events:
    description:
      - At most this many events wait in O(spool_dir) for each host and backend (URL and collection).
      - When a host's events for a backend reach it, a new event of that host is not kept, and it is lost; the task
        warns, and returns RV(spool_full=true) and RV(spooled=false). The events already kept stay.
      - The newest event is the one dropped, not the oldest, so an event that an earlier task reported as kept is never
        lost later without a word, and keeping an event never rewrites the spool. A finish refused this way leaves its
        record at C(installing) once its create is delivered.
      - With a backend that is away for a long time, a flush delivers the oldest events first and makes room.
    type: int
    default: 10000
"""
