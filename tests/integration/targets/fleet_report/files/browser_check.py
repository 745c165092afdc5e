# Copyright (c) community_scripts.telemetry contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Opens the fleet report in a real browser (Debian's chromium, driven by Playwright) at each width and
checks what a reader sees:

    browser_check.py REPORT.html SCREENSHOT_DIR APPS_JSON [--chromium /usr/bin/chromium] [--width 1280 --width 390]
                     [--others] [--details N]

- nothing overflows the page horizontally, and no panel or table has content cut off or scrolled away
  (scrollWidth <= clientWidth for each), nor any element that sticks out of the viewport;
- chart labels are readable: every SVG text is drawn at 10 px or more;
- the per-app chart has one bar per app (APPS_JSON: the list of the fleet's apps);
- every element of the report (trend, recent-failures, exit-codes-by-app, by-type, durations, by-node,
  apps, top-failures, per-app, totals) is there and not empty;
- the page makes no request anywhere (self-contained) and logs no console error;
- the header says when the page was generated (a UTC time within the last hour);
- the trend's axis fits its data: its top is the first step of 1, 2, 2.5 or 5 x 10^k at or above the peak, and no
  label touches a bar; no day's bar is wider than a seventh of the chart (a single day is not one giant bar);
- every duration has the same format (m:ss);
- with --others, the apps past the top ones are one "other apps" line under the chart and one row of the table;
- with --details N, at least N recent failures have their output (error_detail) behind a closed <details>; opened,
  every one of them still fits (nothing overflows or is cut off), and a screenshot shows them open.
Saves a full-page screenshot per width (fleet-report-WIDTH.png, fleet-report-WIDTH-open.png with --details).
Prints a JSON summary; exits 1 on any problem.
"""

import argparse
import json
import os
import re
import sys
from datetime import datetime, timedelta, timezone

from playwright.sync_api import sync_playwright

IDS = ["totals", "trend", "apps", "top-failures", "exit-codes-by-app", "recent-failures", "by-type", "by-node",
       "durations", "per-app"]
MIN_LABEL_PX = 10.0

MEASURE = """(ids) => {
  const doc = document.documentElement;
  const out = {page: {scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, bodyScrollWidth: document.body.scrollWidth},
               cut: [], outside: [], elements: {}, labels: [], bars: []};
  const name = (el) => el.id ? '#' + el.id : (el.closest('[id]') ? '#' + el.closest('[id]').id + ' ' : '') + el.tagName.toLowerCase()
                       + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '');
  for (const el of document.querySelectorAll('.panel, table, .card, .cards, .grid2, header, main, svg.chart')) {
    if (el.scrollWidth > el.clientWidth + 0.5 && el.tagName.toLowerCase() !== 'svg') {
      out.cut.push({element: name(el), scrollWidth: el.scrollWidth, clientWidth: el.clientWidth});
    }
  }
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > doc.clientWidth + 0.5 || r.left < -0.5)) {
      out.outside.push({element: name(el), left: Math.round(r.left), right: Math.round(r.right)});
    }
  }
  for (const id of ids) {
    const el = document.getElementById(id);
    out.elements[id] = el ? {text: el.innerText.trim().length, rows: el.querySelectorAll('tbody tr, li, g, .card').length,
                             height: Math.round(el.getBoundingClientRect().height)} : null;
  }
  for (const t of document.querySelectorAll('svg text')) {
    const size = parseFloat(getComputedStyle(t).fontSize) * (t.getScreenCTM() ? t.getScreenCTM().a : 1);
    const r = t.getBoundingClientRect();
    out.labels.push({text: t.textContent.trim().slice(0, 30), px: Math.round(size * 10) / 10, height: Math.round(r.height * 10) / 10});
  }
  for (const g of document.querySelectorAll('#apps svg g.bar')) {
    out.bars.push(g.getAttribute('data-app'));
  }
  const chart = document.querySelector('#trend svg.chart');
  out.trend = chart ? {peak: +chart.dataset.peak, top: +chart.dataset.axisTop, step: +chart.dataset.axisStep,
                       width: chart.getBoundingClientRect().width, touching: [], widest: 0} : null;
  if (chart) {
    const rects = [...document.querySelectorAll('#trend svg.chart rect')].map((r) => r.getBoundingClientRect()).filter((r) => r.height > 0);
    out.trend.widest = Math.max(0, ...rects.map((r) => r.width));
    for (const t of document.querySelectorAll('#trend svg text')) {
      const a = t.getBoundingClientRect();
      for (const b of rects) {
        if (a.left < b.right + 1 && b.left < a.right + 1 && a.top < b.bottom + 1 && b.top < a.bottom + 1) {
          out.trend.touching.push(t.textContent.trim());
          break;
        }
      }
    }
  }
  out.durations = [...document.querySelectorAll('#durations tbody td.num:nth-child(n+3)')].map((td) => td.innerText.trim());
  const generated = document.querySelector('#generated time');
  out.generated = generated ? generated.getAttribute('datetime') : null;
  out.others = {line: !!document.querySelector('#apps-others'), row: document.querySelectorAll('#per-app tr.others').length};
  out.details = [...document.querySelectorAll('#recent-failures details.detail')].map((d) => ({
    open: d.open, summary: d.querySelector('summary').innerText.trim(), text: d.querySelector('pre').textContent.length}));
  return out;
}"""
STEPS = (1, 2, 2.5, 5)


def check(page, width, apps, shot_dir, expect_others=False, min_details=0, suffix=""):
    problems = []
    m = page.evaluate(MEASURE, IDS)
    if m["page"]["scrollWidth"] > m["page"]["clientWidth"] or m["page"]["bodyScrollWidth"] > m["page"]["clientWidth"]:
        problems.append(f"the page overflows horizontally: {m['page']}")
    problems += [f"content cut off in {c['element']}: scrollWidth {c['scrollWidth']} > clientWidth {c['clientWidth']}" for c in m["cut"]]
    problems += [f"{o['element']} sticks out of the viewport ({o['left']}..{o['right']} px)" for o in m["outside"][:10]]
    small = [label for label in m["labels"] if label["px"] < MIN_LABEL_PX]
    problems += [f"chart label {label['text']!r} drawn at {label['px']} px (< {MIN_LABEL_PX})" for label in small[:10]]
    if not m["labels"]:
        problems.append("no chart labels at all")
    if sorted(m["bars"]) != sorted(apps):
        problems.append(f"the per-app chart has bars for {sorted(m['bars'])}, the fleet has apps {sorted(apps)}")
    trend = m["trend"]
    if not trend:
        problems.append("no trend chart")
    else:
        step = trend["step"]
        magnitude = 10 ** (len(str(int(step))) - 1)
        if not (trend["top"] >= trend["peak"] > trend["top"] - step) or step / magnitude not in STEPS:
            problems.append(f"the trend's axis does not fit its data: peak {trend['peak']}, axis to {trend['top']} in steps of {step}")
        if trend["touching"]:
            problems.append(f"trend labels touch its bars: {trend['touching']}")
        if trend["widest"] > trend["width"] / 7 + 0.5:
            problems.append(f"a trend bar is {trend['widest']:.0f} px wide, more than a seventh of the chart ({trend['width']:.0f} px)")
    odd = [value for value in m["durations"] if not re.fullmatch(r"[0-9]+:[0-5][0-9]|n/a", value)]
    if odd or not m["durations"]:
        problems.append(f"durations not all in one format (m:ss): {odd or 'none shown'}")
    try:
        generated = datetime.strptime(m["generated"] or "", "%Y-%m-%dT%H:%MZ").replace(tzinfo=timezone.utc)
        if not timedelta(minutes=-2) <= datetime.now(timezone.utc) - generated <= timedelta(hours=1):
            problems.append(f"the page says it was generated at {m['generated']}, not within the last hour")
    except ValueError:
        problems.append(f"the header does not say when the page was generated: {m['generated']!r}")
    if expect_others and (not m["others"]["line"] or m["others"]["row"] != 1):
        problems.append(f"no 'other apps' line under the chart and row in the table: {m['others']}")
    if not expect_others and (m["others"]["line"] or m["others"]["row"]):
        problems.append(f"an 'other apps' line for a fleet whose apps are all shown: {m['others']}")
    if len(m["details"]) < min_details or any(detail["open"] or not detail["text"] for detail in m["details"]):
        problems.append(f"recent failures: want at least {min_details} closed outputs, got {m['details']}")
    for element, seen in m["elements"].items():
        if not seen:
            problems.append(f"#{element} is missing")
        elif not seen["text"] or not seen["rows"]:
            problems.append(f"#{element} is empty: {seen}")
    shot = os.path.join(shot_dir, f"fleet-report-{width}{suffix}.png")
    page.screenshot(path=shot, full_page=True)
    summary = {"width": width, "page": m["page"], "bars": len(m["bars"]), "labels": len(m["labels"]),
               "smallest_label_px": min((label["px"] for label in m["labels"]), default=None),
               "elements": m["elements"], "trend": m["trend"], "durations": m["durations"][:4], "generated": m["generated"],
               "others": m["others"], "details": len(m["details"]), "screenshot": shot}
    return problems, summary


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("report")
    parser.add_argument("shot_dir")
    parser.add_argument("apps_json")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--width", type=int, action="append")
    parser.add_argument("--others", action="store_true", help="the apps past the top ones are summed in one line")
    parser.add_argument("--details", type=int, default=0, help="at least this many failures show their output")
    args = parser.parse_args()
    with open(args.apps_json, encoding="utf-8") as handle:
        apps = json.load(handle)
    os.makedirs(args.shot_dir, exist_ok=True)
    url = "file://" + os.path.abspath(args.report)
    problems, summaries = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
        try:
            for width in args.width or [1280, 390]:
                context = browser.new_context(viewport={"width": width, "height": 900}, device_scale_factor=1)
                page = context.new_page()
                errors, requests = [], []
                page.on("console", lambda msg, errors=errors: errors.append(msg.text) if msg.type == "error" else None)
                page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
                page.on("request", lambda request, requests=requests: requests.append(request.url) if request.url != url else None)
                page.goto(url, wait_until="load")
                found, summary = check(page, width, apps, args.shot_dir, args.others, args.details)
                if args.details:  # every output opened: it still fits the page
                    page.evaluate("() => document.querySelectorAll('details.detail').forEach((d) => { d.open = true; })")
                    opened, dummy = check(page, width, apps, args.shot_dir, args.others, 0, "-open")
                    found += [f"outputs opened: {problem}" for problem in opened if "closed outputs" not in problem]
                found += [f"console error: {error}" for error in errors]
                found += [f"request to {request} (the page must be self-contained)" for request in requests]
                problems += [f"{width} px: {problem}" for problem in found]
                summaries.append(summary)
                context.close()
        finally:
            browser.close()
    print(json.dumps({"summaries": summaries, "problems": problems}, indent=1))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
