# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""on_failure=warn on the controller: a failed result becomes a warning that keeps what says why."""

from __future__ import annotations

from ansible_collections.community_scripts.telemetry.plugins.plugin_utils._action import failure_as_warning


def test_a_failure_becomes_a_warning_and_keeps_why():
    failed = dict(failed=True, msg="url: must be an http:// or https:// URL with a host", option="url",
                  error_kind="bad_input", reported=False, warnings=["an earlier warning"])
    result = failure_as_warning(failed, "on pve-01")
    assert "failed" not in result
    assert result["error_kind"] == "bad_input" and result["option"] == "url" and result["msg"] == failed["msg"]
    assert result["warnings"] == ["an earlier warning",
                                  f"Telemetry failed on pve-01, and the play goes on (on_failure=warn): {failed['msg']}"]
    assert failed["failed"] is True  # the result given is left as it was


def test_a_module_crash_without_msg_still_warns():
    result = failure_as_warning(dict(failed=True, module_stderr="Traceback ...", exception="Traceback ..."), "on pve-01")
    assert result["warnings"] == ["Telemetry failed on pve-01, and the play goes on (on_failure=warn): the task failed"]
    assert "exception" not in result and result["module_stderr"] == "Traceback ..."


def test_a_result_that_did_not_fail_is_left_alone():
    ok = dict(changed=True, reported=True, msg="record created")
    assert failure_as_warning(ok, "on pve-01") is ok
    skipped = dict(skipped=True, skip_reason="diagnostics=no: the operator did not opt in")
    assert failure_as_warning(skipped, "on pve-01") is skipped
