# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks that an HTML file is well formed (every element closed, in order), self-contained
(no external scripts, styles, images or fonts), and contains the given texts."""

import sys
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.problems, self.doctype = [], [], False

    def handle_decl(self, decl):
        self.doctype = self.doctype or decl.lower().startswith("doctype html")

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value and not value.startswith(("#", "data:")):
                self.problems.append(f"external reference <{tag} {name}={value!r}>")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1] if self.stack else 'nothing'}>")
        else:
            self.stack.pop()


def main(path, *texts):
    with open(path, encoding="utf-8") as handle:
        page = handle.read()
    checker = Checker()
    checker.feed(page)
    checker.close()
    problems = checker.problems + [f"<{tag}> never closed" for tag in checker.stack]
    if not checker.doctype:
        problems.append("no <!DOCTYPE html>")
    problems += [f"missing text {text!r}" for text in texts if text not in page]
    if problems:
        print("\n".join(problems))
        return 1
    print(f"{path}: well formed, self-contained, {len(texts)} texts found")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
