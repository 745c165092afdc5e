# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What every telemetry module shares: the connection, consent and spool
options, building the module and the client, consent, and how failures end a
task. PRIVATE to this collection. The options are documented once, in the
``community_scripts.telemetry.connection`` and ``community_scripts.telemetry.spool``
doc fragments.
"""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.community_scripts.telemetry.plugins.module_utils._client import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    TelemetryClient,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import TelemetryError, TelemetryValueError
from ansible_collections.community_scripts.telemetry.plugins.module_utils._records import parse_consent
from ansible_collections.community_scripts.telemetry.plugins.module_utils._spool import Spool

DEFAULT_URL = "http://db.community-scripts.org"
DEFAULT_COLLECTION = "_dev_telemetry_data"
DEFAULT_DIAGNOSTICS_FILE = "/usr/local/community-scripts/diagnostics"
DEFAULT_TIMEOUT = 4
DEFAULT_RETRIES = 2


def connection_argument_spec() -> dict:
    """The options that say how to reach the backend, shared by every module of the action group."""
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
    """The options that say whether the operator opted in."""
    return dict(
        diagnostics=dict(type="str", default="auto", choices=["auto", "yes", "no"]),
        diagnostics_file=dict(type="path", default=DEFAULT_DIAGNOSTICS_FILE),
    )


def spool_argument_spec(required: bool = False) -> dict:
    """The spool option of the modules that deliver events."""
    return dict(spool_dir=dict(type="path", required=required))


def create_module(argument_spec: dict, connection: bool = True, **kwargs) -> AnsibleModule:
    """An AnsibleModule with the shared options merged in, failing clearly without ``requests``."""
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


def consent_refusal(module: AnsibleModule) -> str | None:
    """None when the operator opted in; otherwise why nothing may be sent.

    Consent is an allow-list: only O(diagnostics=yes), or a diagnostics file
    whose DIAGNOSTICS line says yes, lets anything leave the host. A consent
    file that exists but cannot be read fails the task: the operator's choice
    is unknown, and guessing either way would be wrong.
    """
    choice = module.params["diagnostics"]
    if choice == "yes":
        return None
    if choice == "no":
        return "diagnostics=no: the operator did not opt in"
    path = module.params["diagnostics_file"]
    try:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return f"no diagnostics file at {path}: the operator did not opt in"
    except OSError as error:
        fail_on_bad_input(module, TelemetryValueError("diagnostics_file", f"cannot read {path}: {error.strerror}"))
    if parse_consent(text):
        return None
    return f"{path} does not say DIAGNOSTICS=yes: the operator did not opt in"


def end_without_consent(module: AnsibleModule, result: dict) -> None:
    """End the task, sending nothing, when the operator did not opt in; return when they did."""
    refusal = consent_refusal(module)
    if refusal:
        result.update(skip_reason=refusal, msg=f"nothing sent: {refusal}")
        module.exit_json(**result)


def fail_on_bad_input(module: AnsibleModule, error: TelemetryValueError, result: dict | None = None) -> None:
    """Bad input always fails the task, naming the option."""
    module.fail_json(**dict(result or {}, msg=str(error), option=error.option))


def end_on_delivery_error(module: AnsibleModule, error: TelemetryError, result: dict,
                          spool: Spool | None = None, event: dict | None = None) -> None:
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
