# -*- coding: utf-8 -*-
# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""warn: a warning at default verbosity, from the controller (see plugins/modules/warn.py)."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        validation = ArgumentSpecValidator(dict(msg=dict(type="str", required=True))).validate(self._task.args)
        if validation.error_messages:
            raise AnsibleActionFail(f"warn: {'; '.join(validation.error_messages)}")
        message = validation.validated_parameters["msg"]
        result.update(changed=False, msg=message, warnings=[message])
        return result
