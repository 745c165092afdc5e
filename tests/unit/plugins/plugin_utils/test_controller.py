# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The controller delivery's host step: the shell command it runs on the host, run here by a real /bin/sh, and how
its answer is read. No server, no Ansible connection."""

from __future__ import annotations

import os
import subprocess

import pytest

from ansible_collections.community_scripts.telemetry.plugins.module_utils._consent import consent_refusal
from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import TelemetryValueError
from ansible_collections.community_scripts.telemetry.plugins.plugin_utils._controller import (
    HostStepError,
    host_step_command,
    parse_host_step,
)


def run_step(path: str, pve_version: bool = True, bin_dir: str | None = None) -> dict:
    env = dict(os.environ)
    if bin_dir:
        env["PATH"] = f"{bin_dir}:{env['PATH']}"
    done = subprocess.run(["/bin/sh", "-c", host_step_command(str(path), pve_version)], capture_output=True, text=True,
                          env=env, timeout=30, check=False)
    return dict(rc=done.returncode, stdout=done.stdout, stderr=done.stderr)


def read(path, pve_version: bool = True, bin_dir: str | None = None) -> dict:
    return parse_host_step(run_step(path, pve_version, bin_dir), str(path), pve_version)


@pytest.mark.parametrize("text, consent", [
    ("DIAGNOSTICS=yes\n", True),
    ("# opted in\nDIAGNOSTICS='YES'\r\n", True),
    ("DIAGNOSTICS=no\n", False),
    ("DIAGNOSTICS=yes\nDIAGNOSTICS=no\n", False),
    ("", False),
])
def test_the_file_is_judged_as_on_the_host(tmp_path, text, consent):
    path = tmp_path / "diagnostics"
    path.write_text(text)
    answer = read(path)["consent"][str(path)]
    assert answer == {"consent": consent, "reason": consent_refusal("auto", str(path))}


def test_a_missing_file_is_no_consent(tmp_path):
    path = tmp_path / "nothing here"
    answer = read(path)["consent"][str(path)]
    assert answer == {"consent": False, "reason": f"no diagnostics file at {path}: the operator did not opt in"}


@pytest.mark.parametrize("make, why", [
    (lambda path: path.mkdir(), "Is a directory"),
    (lambda path: os.mkfifo(path), "not a regular file"),
])
def test_a_file_that_cannot_be_read_is_bad_input(tmp_path, make, why):
    path = tmp_path / "diagnostics"
    make(path)
    with pytest.raises(TelemetryValueError) as raised:
        read(path)  # a FIFO is never opened: this returns at once
    assert raised.value.option == "diagnostics_file"
    assert why in str(raised.value)


def test_a_path_with_shell_characters_is_only_a_path(tmp_path):
    path = tmp_path / "it's $(touch pwned); `x`"
    path.write_text("DIAGNOSTICS=yes\n")
    assert read(path)["consent"][str(path)]["consent"] is True
    assert not (tmp_path / "pwned").exists() and not os.path.exists("pwned")


def test_only_the_head_of_a_big_file_is_read(tmp_path):
    path = tmp_path / "diagnostics"
    path.write_text("#" * (64 * 1024) + "\nDIAGNOSTICS=yes\n")  # past the first 64 KiB, as on the host
    assert read(path)["consent"][str(path)]["consent"] is False


def test_the_version_is_read_only_when_wanted(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    pveversion = bin_dir / "pveversion"
    pveversion.write_text("#!/bin/sh\necho 'pve-manager/8.2.4/faa83925c9641325 (running kernel: 6.8.12-1-pve)'\n")
    pveversion.chmod(0o755)
    path = tmp_path / "diagnostics"
    assert read(path, True, str(bin_dir))["pve_version"] == "8.2.4"
    assert "pve_version" not in read(path, False, str(bin_dir))


def test_no_pveversion_is_not_found(tmp_path):
    path = tmp_path / "diagnostics"  # missing: only the shell's builtins run, so an empty PATH is enough
    done = subprocess.run(["/bin/sh", "-c", host_step_command(str(path), True)], capture_output=True, text=True,
                          env={"PATH": str(tmp_path)}, timeout=30, check=False)
    answer = parse_host_step(dict(rc=done.returncode, stdout=done.stdout, stderr=done.stderr), str(path), True)
    assert answer["pve_version"] == "not found"


@pytest.mark.parametrize("answer", [
    dict(rc=1, stdout="", stderr="sh: permission denied"),
    dict(rc=0, stdout="garbage", stderr=""),
    dict(rc=0, stdout="--pve-telemetry-consent--\nmaybe\n", stderr=""),
    dict(rc=-1, stderr="the host cannot be reached"),
])
def test_an_answer_that_is_not_the_steps_is_no_answer(answer):
    with pytest.raises(HostStepError):
        parse_host_step(answer, "/usr/local/community-scripts/diagnostics", True)
