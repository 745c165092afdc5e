# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ansible_collections.community_scripts.telemetry.plugins.module_utils._exit_codes import (
    EXIT_CODES,
    UNKNOWN_ERROR,
    explain_exit_code,
)

# The project's statement of the contract's exit codes, with where each part comes from (see its header).
CONTRACT = yaml.safe_load((Path(__file__).parents[2] / "fixtures" / "contract-exit-codes.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("code, description", sorted(CONTRACT["codes"].items()))
def test_every_contract_code_is_explained_verbatim(code, description):
    assert explain_exit_code(code) == description


def test_table_has_no_code_the_contract_lacks():
    assert sorted(EXIT_CODES) == sorted(CONTRACT["codes"])


@pytest.mark.parametrize("code", [0, 3, 99, 256, 9999])
def test_codes_outside_the_table_are_unknown_error(code):
    assert code not in CONTRACT["codes"]
    assert explain_exit_code(code) == CONTRACT["unknown"] == UNKNOWN_ERROR
