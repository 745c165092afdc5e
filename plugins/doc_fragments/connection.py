# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # The options of plugins/module_utils/_module.py telemetry_argument_spec(), documented once.
    DOCUMENTATION = r"""
options:
  url:
    description:
      - Base URL of the PocketBase server that stores the telemetry records.
      - The default is the public backend of the Proxmox VE community scripts.
        Point it at your own server for anything that is not a real, opted-in install.
      - If not set, the value of the E(PVE_TELEMETRY_URL) environment variable is used.
      - Only C(http://) and C(https://) URLs are accepted.
    type: str
    default: http://db.community-scripts.org
  collection:
    description:
      - Name of the PocketBase collection that holds the records.
    type: str
    default: _dev_telemetry_data
  timeout:
    description:
      - Seconds to wait for the backend on each HTTP request, for connecting and for each read.
    type: float
    default: 5
  validate_certs:
    description:
      - Whether to verify the TLS certificate of an C(https://) O(url).
      - Set to V(false) only for a test server with a self-signed certificate.
    type: bool
    default: true
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
      - The consent file read when O(diagnostics=auto), on the host the module runs on.
      - Only a line C(DIAGNOSTICS=yes) (spaces, quotes and case do not matter) counts as consent.
        No file, no such line, any other value, or a file that cannot be read means no.
    type: path
    default: /usr/local/community-scripts/diagnostics
  fail_on_error:
    description:
      - What to do when the backend cannot be reached or refuses a request.
      - By default telemetry never fails the task it describes. The problem becomes a warning
        and the module returns C(reported=false).
      - Set to V(true) to fail the task instead. Bad option values always fail the task.
    type: bool
    default: false
requirements:
  - requests
notes:
  - Every request carries the header C(X-Telemetry-Id) with the attempt's O(random_id), so that
    a collection whose rules tie a record to its creator works with these modules unchanged.
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
