# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The checks of the connection options (plugins/module_utils/_checks.py); no server needed."""

from __future__ import annotations

import pytest

from ansible_collections.community_scripts.telemetry.plugins.module_utils._checks import (
    check_collection,
    check_retries,
    check_timeout,
    check_url,
)
from ansible_collections.community_scripts.telemetry.plugins.module_utils._errors import TelemetryValueError


@pytest.mark.parametrize("url", ["ftp://127.0.0.1", "http://", "127.0.0.1:8090", "", "file:///etc/passwd"])
def test_check_url_accepts_only_http_urls_with_a_host(url):
    with pytest.raises(TelemetryValueError) as caught:
        check_url(url)
    assert caught.value.option == "url"


def test_check_url_names_the_option_it_checks():
    with pytest.raises(TelemetryValueError) as caught:
        check_url("ftp://127.0.0.1", "from_url")
    assert caught.value.option == "from_url"


def test_good_connection_options_pass_unchanged_but_for_a_trailing_slash():
    assert check_url("https://127.0.0.1:8090/") == "https://127.0.0.1:8090"
    assert check_collection("_dev_telemetry_data") == "_dev_telemetry_data"
    assert (check_timeout(0.5), check_retries(0)) == (0.5, 0)


@pytest.mark.parametrize("value", [None, -1])
def test_retries_must_be_a_whole_number_of_at_least_zero(value):
    with pytest.raises(TelemetryValueError) as caught:
        check_retries(value)
    assert caught.value.option == "retries"
