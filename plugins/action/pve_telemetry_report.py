# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""pve_telemetry_report, run from the controller (see plugin_utils/_action.py)."""

from __future__ import annotations

from ansible_collections.community_scripts.telemetry.plugins.module_utils._argspec import report_argument_spec
from ansible_collections.community_scripts.telemetry.plugins.module_utils._tasks import run_report
from ansible_collections.community_scripts.telemetry.plugins.plugin_utils._action import TelemetryAction


class ActionModule(TelemetryAction):
    ARGUMENT_SPEC = staticmethod(report_argument_spec)
    RUN = staticmethod(run_report)
    STARTS_ATTEMPT = True
