# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: install_outcome
short_description: The outcome of an install from the result of the task that ran it
version_added: 0.4.0
author:
  - Community Scripts telemetry maintainers (@community-scripts)
description:
  - Reads a registered task result (of P(ansible.builtin.command#module) or P(ansible.builtin.shell#module), say) or
    a mapping with C(rc) and C(msg), and returns what M(community_scripts.telemetry.pve_telemetry_update) is told
    about the install, in its words.
  - The exit code is C(rc); a negative one is a signal N and counts as 128 + N, as in a shell (V(-9), SIGKILL, is
    V(137)).
  - Why it failed is the result's C(stderr) when it has one, else its C(msg), trimmed and cut to 2000 characters; it
    is empty for a success.
  - A result without a whole-number C(rc), or without a C(msg) or C(stderr) string, is no outcome; it counts as a
    failure with exit code V(1), and RV(_value.problem) says why.
  - The provision role reads its backends' results with it.
options:
  _input:
    description: The task's result, or a mapping with C(rc) and C(msg).
    type: raw
    required: true
seealso:
  - module: community_scripts.telemetry.pve_telemetry_update
  - plugin: community_scripts.telemetry.finish_fields
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Install
  ansible.builtin.command: /usr/local/bin/install-app
  register: install
  failed_when: false

- name: Finish the record with the install's outcome
  community_scripts.telemetry.pve_telemetry_update:
    url: http://127.0.0.1:8090
    random_id: "{{ install_id }}"
    status: "{{ outcome.status }}"
    exit_code: "{{ outcome.rc }}"
  vars:
    outcome: "{{ install | community_scripts.telemetry.install_outcome }}"
"""

RETURN = r"""
_value:
  description: The install's outcome.
  type: dict
  contains:
    status:
      description: V(done) for exit code 0, else V(failed).
      type: str
    rc:
      description: The exit code, 0 for a success.
      type: int
    msg:
      description: Why it failed, empty for a success.
      type: str
    problem:
      description: Why the input is no outcome, empty when it is one.
      type: str
"""

import json
import re
from collections.abc import Mapping

MSG_MAX_CHARS = 2000
_INTEGER_RE = re.compile(r"^-?[0-9]+$")


def install_outcome(result) -> dict:
    texts = [result.get(key) for key in ("stderr", "msg") if isinstance(result.get(key), str)] if isinstance(result, Mapping) else []
    rc = result.get("rc") if isinstance(result, Mapping) else None
    if isinstance(rc, bool) or not _INTEGER_RE.match(str(rc)) or not texts:
        return dict(status="failed", rc=1, msg="",
                    problem=f"an outcome has an integer rc and a string msg, this is {json.dumps(result, default=str)[:MSG_MAX_CHARS]}")
    rc = int(rc)
    rc = 128 - rc if rc < 0 else rc
    msg = next((text for text in texts if text.strip()), "").strip() if rc else ""
    if len(msg) > MSG_MAX_CHARS:
        msg = msg[:MSG_MAX_CHARS - 3] + "..."
    return dict(status="done" if rc == 0 else "failed", rc=rc, msg=msg, problem="")


class FilterModule:
    def filters(self):
        return {"install_outcome": install_outcome}
