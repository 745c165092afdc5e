# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Prints a superuser token of the PocketBase at URL: sign_in.py URL EMAIL PASSWORD."""

import json
import sys
import urllib.request


def main(url, email, password):
    request = urllib.request.Request(
        f"{url}/api/collections/_superusers/auth-with-password",
        data=json.dumps({"identity": email, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        print(json.load(answer)["token"])
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
