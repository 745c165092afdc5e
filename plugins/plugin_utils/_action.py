# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A telemetry task run by an action plugin on the controller. PRIVATE to this collection.

With O(delivery=controller) (the default of the argument spec) the request leaves
from the controller, through the same ``_tasks`` functions the modules call, and
only what belongs to the host is read there (``_controller``). With
O(delivery=host) the module itself runs on the managed host, and checks its
options there, as it always did. Every task with a O(delivery) option honours it
(report, update, flush, info); only pve_telemetry_consent, which has none, always
runs here.

Everything is imported when the plugin is: Ansible loads an action plugin's class
in its main process before it forks a worker per task, so the workers inherit
``requests`` and the collection's code instead of importing them once a task
(measured: importing them in each worker doubled the controller row of
docs/benchmarks.md). For the same reason the Jinja filter and test plugins are
loaded here too (load_jinja_plugins_before_fork).
"""

from __future__ import annotations

import importlib
import pkgutil
import time
import uuid

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.module_utils.basic import env_fallback, missing_required_lib
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase
from ansible.plugins.loader import filter_loader, test_loader
from ansible.utils.display import Display

from ansible_collections.community_scripts.telemetry.plugins import filter as filters_package
from ansible_collections.community_scripts.telemetry.plugins.module_utils._argspec import (
    DELIVERY_HOST,
    ON_FAILURE_WARN,
    delivery_argument_spec,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._checks import check_random_id
from ansible_collections.community_scripts.telemetry.plugins.module_utils._client import HAS_REQUESTS
from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import TelemetryValueError
from ansible_collections.community_scripts.telemetry.plugins.plugin_utils._controller import ControllerContext


def failure_as_warning(result: dict, where: str) -> dict:
    """O(on_failure=warn): a failed result becomes a warning at default verbosity, and the task goes on.

    The result keeps what says why (C(msg), C(error_kind), C(option)), so that a play can still tell; not a
    traceback, which Ansible would show as an error. The warning names ``where`` (the host, and the attempt when
    the task has one), so that Ansible does not fold the warnings of many hosts or attempts into one."""
    if not result.get("failed"):
        return result
    result = {key: value for key, value in result.items() if key not in ("failed", "exception")}
    why = result.get("msg") or "the task failed"
    result["warnings"] = [*result.get("warnings", []), f"Telemetry failed {where}, and the play goes on (on_failure=warn): {why}"]
    return result


def _valid_random_id(value):
    """The task's random_id when it is a UUID, else None (it may be anything a template gave, a huge string too)."""
    try:
        return check_random_id(value)
    except TelemetryValueError:
        return None


class TelemetryAction(ActionBase):
    """The action plugin of a telemetry module: ARGUMENT_SPEC validates the options, RUN does the task."""

    ARGUMENT_SPEC = None  # a function returning the module's argument spec (module_utils/_argspec.py)
    RUN = None  # the task (module_utils/_tasks.py)
    CONTROLLER_ONLY = False  # True when the task never runs as a module on the host (consent: it has no delivery)
    NEEDS_REQUESTS = True  # False when the task sends nothing (consent)
    STARTS_ATTEMPT = False  # True for the report: it draws the attempt's random_id when none is given

    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        if self.STARTS_ATTEMPT:
            result.update(self._start_attempt())
        if self._task.args.get("on_failure") != ON_FAILURE_WARN:
            result.update(self._run_task(task_vars or {}))
            return result
        # on_failure=warn: whatever fails, the option check, the module on the host or this plugin, is a warning.
        try:
            result.update(self._run_task(task_vars or {}))
        except Exception as error:  # pylint: disable=broad-exception-caught
            message = error.message if isinstance(error, AnsibleError) else f"{type(error).__name__}: {error}"
            result.update(failed=True, msg=message)
        attempt = _valid_random_id(self._task.args.get("random_id"))
        where = f"on {(task_vars or {}).get('inventory_hostname')}" + (f" for the attempt {attempt}" if attempt else "")
        return failure_as_warning(result, where)

    def _start_attempt(self) -> dict:
        """A new attempt: its random_id, drawn here when the task gives none (whichever way the request leaves), and
        when it started. Both are in every result of the task, a failed one too, so that what runs after it (the
        provisioning, the finish) can name the attempt."""
        if self._task.args.get("random_id") is None:
            self._task.args = dict(self._task.args, random_id=str(uuid.uuid4()))
        attempt = _valid_random_id(self._task.args["random_id"])  # a bad one is the option check's to refuse, not to echo
        return dict(random_id=attempt, started_at=round(time.time(), 3)) if attempt else dict(started_at=round(time.time(), 3))

    def _run_task(self, task_vars: dict) -> dict:
        if self._task.args.get("delivery", delivery_argument_spec()["delivery"]["default"]) == DELIVERY_HOST and not self.CONTROLLER_ONLY:
            # The module checks its options on the host, as it always did.
            return self._execute_module(module_name=self._task.resolved_action, module_args=self._task.args,
                                        task_vars=task_vars)
        params, deprecations = self._validated_options()
        if self.NEEDS_REQUESTS and not HAS_REQUESTS:
            return dict(failed=True, error_kind="missing_library",
                        msg=f"{missing_required_lib('requests')} With delivery=controller (the default) it is needed on "
                            "the controller; delivery=host needs it on the managed host.")
        ctx = ControllerContext(self, params, task_vars)
        result = type(self).RUN(params, ctx)
        result.update(ctx.facts())
        if ctx.warnings:
            result.setdefault("warnings", []).extend(ctx.warnings)
        if deprecations:  # a deprecated option, said as the module says it on the host
            result["deprecations"] = deprecations
        return result

    def _validated_options(self) -> tuple:
        """The task's options, checked against the module's argument spec, as the module would check them,
        and the deprecations of the options given.

        An option with an environment fallback (E(PVE_TELEMETRY_URL), E(PVE_TELEMETRY_TOKEN)) takes the
        variable from the task's C(environment) first, then from the controller's: a play that sets it with
        C(environment) means the same backend whichever way the request leaves.
        """
        spec = type(self).ARGUMENT_SPEC()
        args = dict(self._task.args)
        environment = self._task_environment()
        for name, option in spec.items():
            fallback = option.get("fallback")
            if args.get(name) is None and fallback and fallback[0] is env_fallback:
                for variable in fallback[1]:
                    if environment.get(variable):
                        args[name] = environment[variable]
                        break
        validation = ArgumentSpecValidator(spec).validate(args)
        if validation.error_messages:
            raise AnsibleActionFail(f"{self._task.resolved_action}: {'; '.join(validation.error_messages)}")
        return validation.validated_parameters, list(validation._deprecations)  # pylint: disable=protected-access

    def _task_environment(self) -> dict:
        environment = {}
        try:
            self._compute_environment_string(raw_environment_out=environment)
        except (AttributeError, TypeError):  # no connection shell to compute it for: nothing from the task
            return {}
        return {str(key): str(value) for key, value in environment.items()}


def load_jinja_plugins_before_fork() -> None:
    """Load ansible-core's Jinja filter and test plugins, and import this collection's filters, in the process that
    imports this plugin: Ansible's main process, before it forks the workers of a telemetry task and of every task
    after it.

    ansible-core loads them lazily, in the process that first templates a filter or a test, and its main process
    seldom does: each worker would load every filter and test file of ansible.builtin (and of the configured
    filter and test directories), and every filter file of this collection when it uses one of them, anew (the
    provision role: 59 plugin files per host, docs/benchmarks.md). Loaded here, the workers inherit them. A role's
    filter_plugins added later still clears the loaders' caches, as without this. This collection's filter files
    are imported one by one: one that cannot be imported is left to the task that uses it, which says why, as
    without this; only -vvv says it here."""
    try:
        filter_loader.get("ansible.builtin.default")  # the first lookup loads every non-collection filter file
        test_loader.get("ansible.builtin.success")  # and test file
    except Exception as error:  # pylint: disable=broad-exception-caught
        Display().vvv(f"community_scripts.telemetry: the Jinja plugins are loaded in each worker instead ({error})")
    for module in pkgutil.iter_modules(filters_package.__path__, prefix=filters_package.__name__ + "."):
        try:
            importlib.import_module(module.name)
        except Exception as error:  # pylint: disable=broad-exception-caught
            Display().vvv(f"community_scripts.telemetry: {module.name} is loaded in each worker instead ({error})")


load_jinja_plugins_before_fork()
