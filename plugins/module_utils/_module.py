# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What every telemetry module does the same way: build the module with the
shared option groups (``_argspec``), build the client and the spool, and end
the task, whether it sends nothing, fails on bad input, or meets a delivery
problem. PRIVATE to this collection.

Every function here that ends the task is typed ``NoReturn``; the others
return their object or end the task through one of those.
"""

from __future__ import annotations

from typing import NoReturn

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.community_scripts.telemetry.plugins.module_utils._argspec import (
    connection_argument_spec,
    consent_argument_spec,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._client import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    TelemetryClient,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._consent import consent_refusal
from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import TelemetryError, TelemetryValueError
from ansible_collections.community_scripts.telemetry.plugins.module_utils._spool import Spool


def create_module(argument_spec: dict, connection: bool = True, **kwargs) -> AnsibleModule:
    """An AnsibleModule with the shared option groups merged in, failing clearly without ``requests``."""
    spec = consent_argument_spec()
    if connection:
        spec.update(connection_argument_spec())
    spec.update(argument_spec)
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True, **kwargs)
    if connection and not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
    return module


def create_client(module: AnsibleModule) -> TelemetryClient:
    """The client of this task; its time budget starts now. Bad options end the task naming the option."""
    params = module.params
    try:
        return TelemetryClient(
            url=params["url"],
            collection=params["collection"],
            timeout=params["timeout"],
            retries=params["retries"],
            validate_certs=params["validate_certs"],
            ca_path=params["ca_path"],
            token=params.get("token"),
        )
    except TelemetryValueError as error:
        fail_on_bad_input(module, error)


def open_spool(module: AnsibleModule) -> Spool | None:
    """The spool of O(spool_dir), or None when the task has none."""
    if not module.params.get("spool_dir"):
        return None
    try:
        return Spool(module.params["spool_dir"])
    except TelemetryValueError as error:
        fail_on_bad_input(module, error)


def find_consent_refusal(module: AnsibleModule) -> str | None:
    """None when the operator opted in; otherwise why nothing may be sent. An unreadable consent file fails the task."""
    try:
        return consent_refusal(module.params["diagnostics"], module.params["diagnostics_file"])
    except TelemetryValueError as error:
        fail_on_bad_input(module, error)


def end_without_consent(module: AnsibleModule, result: dict) -> None:
    """End the task, sending nothing, when the operator did not opt in; return when they did."""
    refusal = find_consent_refusal(module)
    if refusal:
        result.update(skip_reason=refusal, msg=f"nothing sent: {refusal}")
        module.exit_json(**result)


def fail_on_bad_input(module: AnsibleModule, error: TelemetryValueError, result: dict | None = None) -> NoReturn:
    """Bad input always fails the task, naming the option."""
    module.fail_json(**dict(result or {}, msg=str(error), option=error.option))


def end_on_delivery_error(module: AnsibleModule, error: TelemetryError, result: dict,
                          spool: Spool | None = None, event: dict | None = None) -> NoReturn:
    """A delivery problem: keep the event in the spool when there is one, then warn, or fail with O(fail_on_error=true)."""
    result["msg"] = str(error)
    if spool and event and not module.check_mode:
        result["spooled"] = True
        result["changed"] = spool.append(event)
        result["msg"] = f"{error}; kept in the spool {spool.path}"
    if module.params["fail_on_error"]:
        module.fail_json(http_status=error.status, field_errors=error.field_errors, **result)
    module.warn(f"Telemetry not delivered: {result['msg']}")
    module.exit_json(**result)
