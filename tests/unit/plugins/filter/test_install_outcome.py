# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The install_outcome filter: the provision role's reading of a backend's result, and the rules of its contract."""

from __future__ import annotations

import pytest

from ansible_collections.community_scripts.telemetry.plugins.filter.install_outcome import FilterModule


@pytest.fixture
def outcome():
    return FilterModule().filters()["install_outcome"]


@pytest.mark.parametrize("result, expected", [
    # a command's results: stderr says why, else its msg
    ({"rc": 0, "stdout": "done", "stderr": "", "msg": ""}, ("done", 0, "")),
    ({"rc": 0, "stderr": "a warning on stderr"}, ("done", 0, "")),
    ({"rc": 214, "stderr": "  no space left\n", "msg": "non-zero return code"}, ("failed", 214, "no space left")),
    ({"rc": 2, "stderr": "", "msg": "non-zero return code"}, ("failed", 2, "non-zero return code")),
    # a backend's own outcome
    ({"rc": 209, "msg": "the container did not start"}, ("failed", 209, "the container did not start")),
    ({"rc": "3", "msg": ""}, ("failed", 3, "")),
    # signals, as a shell counts them
    ({"rc": -9, "stderr": "", "msg": ""}, ("failed", 137, "")),
    ({"rc": "-15", "msg": "terminated"}, ("failed", 143, "terminated")),
])
def test_a_result_gives_the_status_exit_code_and_why(outcome, result, expected):
    got = outcome(result)
    assert (got["status"], got["rc"], got["msg"], got["problem"]) == (*expected, "")


def test_why_is_cut_to_2000_characters(outcome):
    got = outcome({"rc": 1, "stderr": "x" * 5000})
    assert len(got["msg"]) == 2000 and got["msg"].endswith("...")


@pytest.mark.parametrize("result", [None, "failed", {}, {"rc": 1}, {"rc": True, "msg": ""}, {"rc": "one", "msg": ""},
                                    {"rc": 1.5, "msg": ""}, {"rc": 0, "msg": 7}, [0, ""]])
def test_anything_else_is_no_outcome_and_counts_as_a_failure(outcome, result):
    got = outcome(result)
    assert (got["status"], got["rc"], got["msg"]) == ("failed", 1, "")
    assert got["problem"].startswith("an outcome has an integer rc and a string msg, this is "), got["problem"]


def test_the_problem_does_not_repeat_a_huge_result_whole(outcome):
    got = outcome({"rc": "x", "msg": "y" * 100000})
    assert len(got["problem"]) < 2100
