# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check a file map (a Markdown table whose first column names paths) against ``git ls-files``.

    python scripts/check_file_map.py docs/files.md

Run in the collection's git tree (scripts/test.sh runs it in build/). Every path the first column names in
backquotes must be in the tree (a name ending in ``/`` is a directory that holds files), and every file of the
tree must be named, itself or by a directory above it. Prints one line and exits 0 if so; else names each
path that is missing, and each file that no row names, and exits 1.
"""

from __future__ import annotations

import re
import subprocess
import sys


def map_paths(text):
    """The backquoted paths in the first column of each table row of ``text``."""
    paths = []
    for line in text.splitlines():
        cells = line.split("|")
        if len(cells) < 3 or not line.lstrip().startswith("|") or set(cells[1].strip()) <= set("-: "):
            continue
        paths.extend(re.findall(r"`([^`\s]+)`", cells[1]))
    return paths


def main(argv):
    if len(argv) != 2:
        sys.exit("usage: python scripts/check_file_map.py MAP.md")
    with open(argv[1], encoding="utf-8") as handle:
        named = map_paths(handle.read())
    listed = subprocess.run(["git", "ls-files", "-z"], check=True, capture_output=True).stdout.decode("utf-8")
    files = sorted(name for name in listed.split("\0") if name)
    directories = [path for path in named if path.endswith("/")]
    problems = []
    for path in named:
        held = any(f.startswith(path) for f in files) if path.endswith("/") else path in files
        if not held:
            problems.append(f"{argv[1]} names {path}, which is not in git ls-files")
    for name in files:
        if name not in named and not any(name.startswith(d) for d in directories):
            problems.append(f"{name} is in git ls-files, and no row of {argv[1]} names it or a directory above it")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        sys.exit(f"FAILED: {argv[1]} and git ls-files disagree ({len(problems)} {'line' if len(problems) == 1 else 'lines'} above)")
    print(f"{argv[1]}: its {len(named)} paths are all in git ls-files, and name all of its {len(files)} files")


if __name__ == "__main__":
    main(sys.argv)
