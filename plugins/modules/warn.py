#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: warn
short_description: Show a warning at default verbosity
version_added: 0.2.0
description:
  - Shows O(msg) as a warning, at default verbosity, and changes nothing.
  - The C(community_scripts.telemetry.provision) role uses it so that a telemetry problem it goes on after
    (a bad option value, a missing library) is never silent.
  - Runs on the controller; it needs no connection to the host.
author:
  - Community Scripts telemetry maintainers (@community-scripts)
extends_documentation_fragment:
  - community_scripts.telemetry.attributes
  - community_scripts.telemetry.attributes.check_mode_read_only
  - ansible.builtin.action_common_attributes
options:
  msg:
    description: The warning.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Say that telemetry was not sent, and go on
  community_scripts.telemetry.warn:
    msg: "Telemetry not sent: {{ report.msg }}"
  when: report.error_kind is defined
"""

RETURN = r"""
msg:
  description: The warning shown.
  returned: always
  type: str
  sample: "Telemetry not sent: url: must be an http:// or https:// URL with a host"
"""
