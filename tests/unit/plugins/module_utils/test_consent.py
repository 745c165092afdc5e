# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import os
import signal

import pytest

from ansible_collections.community_scripts.telemetry.plugins.module_utils._consent import consent_refusal, parse_consent
from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import TelemetryValueError


# --- consent ----------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "DIAGNOSTICS=yes\n",
    "# comment\nDIAGNOSTICS=yes",
    "DIAGNOSTICS=YES\r\n",
    'DIAGNOSTICS="yes"\n',
    "DIAGNOSTICS='Yes'\n",
    "  DIAGNOSTICS = yes  \n",
    "DIAGNOSTICS=no\nDIAGNOSTICS=yes\n",
])
def test_consent_given(text):
    assert parse_consent(text) is True


@pytest.mark.parametrize("text", [
    "",
    "# DIAGNOSTICS=yes\n",
    "DIAGNOSTICS=no\n",
    "DIAGNOSTICS=\n",
    "DIAGNOSTICS=true\n",
    "DIAGNOSTICS=y\n",
    "DIAGNOSTICS=yes please\n",
    "diagnostics=yes\n",
    "DIAGNOSTICS_X=yes\n",
    "DIAGNOSTICS=yes\nDIAGNOSTICS=no\n",
    "yes\n",
])
def test_anything_else_is_no_consent(text):
    assert parse_consent(text) is False


# --- the consent file ------------------------------------------------------------------------

def test_a_consent_fifo_is_refused_at_once(tmp_path):
    fifo = tmp_path / "diagnostics"
    os.mkfifo(fifo)

    def hung(signum, frame):
        raise AssertionError("reading a FIFO as the consent file hangs")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(5)  # without the fix the open() blocks for ever: fail instead of hanging the test run
    try:
        with pytest.raises(TelemetryValueError) as caught:
            consent_refusal("auto", str(fifo))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert caught.value.option == "diagnostics_file"
