# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # The connection options, documented once: connection_argument_spec() in plugins/module_utils/_argspec.py,
    # where their defaults live too (tests/unit/plugins/module_utils/test_argspec.py keeps the two the same).
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
      - The most one HTTP attempt may take, in seconds, from connecting to the last byte of the answer.
        A backend that accepts connections and never answers, or answers one byte at a time, is cut off then.
      - "One module call spends at most O(timeout) * (O(retries) + 1) seconds on the network, waits between
        attempts included: 12 seconds with the defaults. The budget starts at the call's first request. When it
        is spent, the module gives up (see O(on_failure) and O(ignore:spool_dir))."
    type: float
    default: 4
  retries:
    description:
      - How many times a failed HTTP request is tried again, within the time budget described in O(timeout).
      - Only what a retry can cure is retried. Connection errors, timeouts, and the HTTP statuses 502, 503 and 504,
        after an exponential backoff with jitter (about 0.5, 1, 2 seconds); HTTP 429 after the C(Retry-After) the
        backend asks for, when that fits the budget.
      - A validation error (HTTP 400) or a refusal (HTTP 403) is never retried.
    type: int
    default: 2
  validate_certs:
    description:
      - Whether to verify the TLS certificate of an C(https://) O(url).
      - Set to V(false) only for a test server with a self-signed certificate; prefer O(ca_path).
    type: bool
    default: true
  ca_path:
    description:
      - A PEM file of the certificate authorities to trust for an C(https://) O(url), for a backend whose
        certificate a private CA signed. When not set, the system's trusted authorities are used.
    type: path
  on_failure:
    description:
      - What a failure of the task does. A failure is anything that keeps the task from doing its job, such as the backend
        cannot be reached, is too slow or refuses the request, an option value is bad (the consent file cannot be read
        among them), C(requests) is missing where the request leaves from, or the task itself breaks.
      - V(warn) turns every failure into a warning at default verbosity, and the task goes on, not failed; its
        result keeps RV(error_kind) and C(msg), which say what failed. Telemetry then never stops the play it
        describes, which is what the C(community_scripts.telemetry.provision) role asks for.
      - V(fail) fails the task on every failure, a delivery problem included.
      - When not set, a bad option value fails the task and a delivery problem is a warning (with O(ignore:spool_dir),
        the event is kept for a later flush), or a failure with O(fail_on_error=true).
      - When set, O(fail_on_error) does not matter.
    type: str
    choices: [fail, warn]
  fail_on_error:
    description:
      - Deprecated, use O(on_failure=fail) instead, which does the same. It is removed in version 1.0.0 of this
        collection.
      - V(true) fails the task when the backend cannot be reached or refuses a request, where by default that is a
        warning. Not used when O(on_failure) is set.
    type: bool
    default: false
requirements:
  - requests
notes:
  - Every request carries the header C(X-Telemetry-Id) with the C(random_id) of the attempt it is about, so that
    a collection whose rules tie a record to its creator works with these modules unchanged.
"""
