# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The option groups every telemetry module shares, one function a group.
PRIVATE to this collection.

Each group is documented once, in the doc fragment of the same name:
``community_scripts.telemetry.connection``, ``community_scripts.telemetry.consent``
and ``community_scripts.telemetry.spool``. The defaults come from the code that
uses them (``_client``, ``_consent``), so there is one home for each.
"""

from __future__ import annotations

from ansible.module_utils.basic import env_fallback

from ansible_collections.community_scripts.telemetry.plugins.module_utils._client import (
    DEFAULT_COLLECTION,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    DEFAULT_URL,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._consent import (
    CHOICES,
    DEFAULT_CHOICE,
    DEFAULT_DIAGNOSTICS_FILE,
)


def connection_argument_spec() -> dict:
    """How to reach the backend, and what to do when it cannot be reached."""
    return dict(
        url=dict(type="str", default=DEFAULT_URL, fallback=(env_fallback, ["PVE_TELEMETRY_URL"])),
        collection=dict(type="str", default=DEFAULT_COLLECTION),
        timeout=dict(type="float", default=DEFAULT_TIMEOUT),
        retries=dict(type="int", default=DEFAULT_RETRIES),
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path"),
        fail_on_error=dict(type="bool", default=False),
    )


def consent_argument_spec() -> dict:
    """Whether the operator opted in."""
    return dict(
        diagnostics=dict(type="str", default=DEFAULT_CHOICE, choices=list(CHOICES)),
        diagnostics_file=dict(type="path", default=DEFAULT_DIAGNOSTICS_FILE),
    )


def spool_argument_spec(required: bool = False) -> dict:
    """Where events that cannot be delivered are kept."""
    return dict(spool_dir=dict(type="path", required=required))
