# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.community_scripts.telemetry.plugins.module_utils._lifecycle import is_already_final


@pytest.mark.parametrize("current, wanted, final", [
    ("installing", "sucess", False),
    ("installing", "unknown", False),
    ("sucess", "failed", True),
    ("failed", "sucess", True),
    ("unknown", "sucess", False),
    ("unknown", "failed", False),
    ("unknown", "unknown", True),
])
def test_is_already_final(current, wanted, final):
    assert is_already_final(current, wanted) is final
