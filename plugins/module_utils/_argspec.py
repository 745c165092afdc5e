# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The options of the telemetry modules: the groups they share, one function a
group, and each module's whole argument spec, which its module (on the host)
and its action plugin (on the controller) both validate against.
PRIVATE to this collection.

Each group is documented once, in the doc fragment of the same name:
``community_scripts.telemetry.connection``, ``community_scripts.telemetry.consent``,
``community_scripts.telemetry.delivery`` and ``community_scripts.telemetry.spool``.
The connection defaults are here, the consent defaults in ``_consent``: one home
for each.
"""

from __future__ import annotations

from ansible.module_utils.basic import env_fallback

from ansible_collections.community_scripts.telemetry.plugins.module_utils._consent import (
    CHOICES,
    DEFAULT_CHOICE,
    DEFAULT_DIAGNOSTICS_FILE,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._records import INSTALL_TYPES, STATUSES, TYPES

# The connection's defaults, the one home of each: the client's and the documentation's are these.
DEFAULT_URL = "http://db.community-scripts.org"  # the public backend of the original scripts
DEFAULT_COLLECTION = "_dev_telemetry_data"
DEFAULT_TIMEOUT = 4
DEFAULT_RETRIES = 2

# The spool's cap: at most this many events wait for each host and backend (see doc_fragments/spool.py).
DEFAULT_SPOOL_MAX_EVENTS = 10000

DELIVERY_CONTROLLER = "controller"
DELIVERY_HOST = "host"
DELIVERIES = (DELIVERY_CONTROLLER, DELIVERY_HOST)

ON_FAILURE_FAIL = "fail"
ON_FAILURE_WARN = "warn"
# fail_on_error is deprecated for on_failure=fail; it is removed in this version of the collection.
FAIL_ON_ERROR_REMOVED_IN = "1.0.0"


def connection_argument_spec() -> dict:
    """How to reach the backend, and what to do when it cannot be reached."""
    return dict(
        url=dict(type="str", default=DEFAULT_URL, fallback=(env_fallback, ["PVE_TELEMETRY_URL"])),
        collection=dict(type="str", default=DEFAULT_COLLECTION),
        timeout=dict(type="float", default=DEFAULT_TIMEOUT),
        retries=dict(type="int", default=DEFAULT_RETRIES),
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path"),
        on_failure=dict(type="str", choices=[ON_FAILURE_FAIL, ON_FAILURE_WARN]),
        fail_on_error=dict(type="bool", default=False, removed_in_version=FAIL_ON_ERROR_REMOVED_IN,
                           removed_from_collection="community_scripts.telemetry"),
    )


def consent_argument_spec() -> dict:
    """Whether the operator opted in."""
    return dict(
        diagnostics=dict(type="str", default=DEFAULT_CHOICE, choices=list(CHOICES)),
        diagnostics_file=dict(type="path", default=DEFAULT_DIAGNOSTICS_FILE),
    )


def spool_argument_spec(flush: bool = False) -> dict:
    """Where events that cannot be delivered are kept, and how many. The flush needs the directory and
    takes no cap: it only takes events out."""
    spec = dict(spool_dir=dict(type="path", required=flush))
    if not flush:
        spec["spool_max_events"] = dict(type="int", default=DEFAULT_SPOOL_MAX_EVENTS)
    return spec


def delivery_argument_spec() -> dict:
    """Where the request leaves from: the controller, or the managed host."""
    return dict(delivery=dict(type="str", default=DELIVERY_CONTROLLER, choices=list(DELIVERIES)))


def _module_spec(*groups: dict, **options) -> dict:
    spec = {}
    for group in groups:
        spec.update(group)
    spec.update(options)
    return spec


def report_argument_spec() -> dict:
    """pve_telemetry_report."""
    return _module_spec(
        consent_argument_spec(), connection_argument_spec(), delivery_argument_spec(), spool_argument_spec(),
        random_id=dict(type="str"),  # drawn by the action plugin when not given (plugin_utils/_action.py)
        type=dict(type="str", default="lxc", choices=list(INSTALL_TYPES)),
        ct_type=dict(type="int", choices=[1, 2]),
        nsapp=dict(type="str", required=True),
        disk_size=dict(type="raw", default=0),
        core_count=dict(type="int", default=0),
        ram_size=dict(type="int", default=0),
        os_type=dict(type="str", default=""),
        os_version=dict(type="str", default=""),
        method=dict(type="str", default="default"),
        pve_version=dict(type="str"),
        node=dict(type="str"),
        flush_spool=dict(type="bool", default=False),
    )


def update_argument_spec() -> dict:
    """pve_telemetry_update."""
    return _module_spec(
        consent_argument_spec(), connection_argument_spec(), delivery_argument_spec(), spool_argument_spec(),
        random_id=dict(type="str", required=True),
        record_id=dict(type="str"),
        status=dict(type="str", required=True),
        exit_code=dict(type="raw"),
        force=dict(type="bool", default=False),
        install_duration=dict(type="raw"),
        error_detail=dict(type="str"),
    )


def flush_argument_spec() -> dict:
    """pve_telemetry_flush."""
    return _module_spec(
        consent_argument_spec(), connection_argument_spec(), delivery_argument_spec(), spool_argument_spec(flush=True),
        from_url=dict(type="str"),
    )


def info_argument_spec() -> dict:
    """pve_telemetry_info."""
    return _module_spec(
        consent_argument_spec(), connection_argument_spec(), delivery_argument_spec(),
        token=dict(type="str", no_log=True, fallback=(env_fallback, ["PVE_TELEMETRY_TOKEN"])),
        email=dict(type="str", fallback=(env_fallback, ["PVE_TELEMETRY_EMAIL"])),
        password=dict(type="str", no_log=True, fallback=(env_fallback, ["PVE_TELEMETRY_PASSWORD"])),
        app=dict(type="str"),
        status=dict(type="str", choices=list(STATUSES)),
        type=dict(type="str", choices=list(TYPES)),
        since=dict(type="str"),
        before=dict(type="str"),
        limit=dict(type="int", default=100),
        top=dict(type="int", default=5),
        node=dict(type="str"),
        top_apps=dict(type="int", default=50),
        include_ids=dict(type="bool", default=False),
    )
