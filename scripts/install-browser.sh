#!/usr/bin/env bash
# Make sure Debian's chromium is installed, for the fleet report's browser test (tests/integration/targets/fleet_report,
# Playwright drives it with executable_path; Playwright's own browser download is not used).
#   scripts/install-browser.sh      # prints the browser's path; installs it with apt-get when missing and root
# CHROMIUM overrides the path (default /usr/bin/chromium).
set -euo pipefail

chromium=${CHROMIUM:-/usr/bin/chromium}
if [ -x "$chromium" ]; then
  echo "$chromium"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-browser: $chromium is missing and this is not root; install it with: sudo apt-get install -y chromium" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "install-browser: $chromium is missing and there is no apt-get here; install Debian's chromium package by hand" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
if [ ! -x "$chromium" ]; then
  echo "install-browser: apt-get installed chromium, but $chromium is not there" >&2
  exit 1
fi
echo "$chromium"
