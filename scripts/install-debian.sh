#!/usr/bin/env bash
# Make sure what the tests need from Debian's packages is on this machine. What is missing is installed with
# apt-get when this runs as root; otherwise it says how, and fails.
#   scripts/install-debian.sh chromium     the fleet report's browser test (tests/integration/targets/fleet_report:
#                                          Playwright drives it with executable_path; its own browser download is
#                                          not used); prints the browser's path
#   scripts/install-debian.sh shellcheck   ansible-test sanity's shellcheck test, and scripts/check.sh's; prints its path
#   scripts/install-debian.sh locale       the en_US.UTF-8 locale ansible-test wants (without it, every ansible-test
#                                          call warns that it uses C.UTF-8); prints en_US.UTF-8
# CHROMIUM and SHELLCHECK override the paths (default /usr/bin/chromium and /usr/bin/shellcheck).
set -euo pipefail

can_install() {  # can_install WHAT PACKAGE: fails, saying how to install it, unless apt-get can be used here
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-debian: $1 is missing and this is not root; install it with: sudo $0 ${what}" >&2
    exit 1
  fi
  if ! command -v apt-get >/dev/null; then
    echo "install-debian: $1 is missing and there is no apt-get here; install Debian's $2 package by hand" >&2
    exit 1
  fi
}

apt_install() {  # apt_install PACKAGE...: waits up to 5 min for another apt-get to finish
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 update -qq
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "$@" >/dev/null
}

program() {  # program PACKAGE PATH: prints PATH, after installing PACKAGE if PATH is missing
  local package=$1 path=$2
  if [ ! -x "$path" ]; then
    can_install "$path" "$package"
    apt_install "$package"
    [ -x "$path" ] || { echo "install-debian: apt-get installed $package, but $path is not there" >&2; exit 1; }
  fi
  echo "$path"
}

has_locale() { locale -a 2>/dev/null | grep -Eqix 'en_US\.utf-?8'; }

locale_en_us() {  # prints en_US.UTF-8, after generating it (package locales, /etc/locale.gen) if it is missing
  if ! has_locale; then
    can_install "the en_US.UTF-8 locale" locales
    command -v locale-gen >/dev/null || apt_install locales
    if grep -Eq '^# *en_US\.UTF-8 UTF-8$' /etc/locale.gen; then
      sed -i -E 's/^# *(en_US\.UTF-8 UTF-8)$/\1/' /etc/locale.gen
    elif ! grep -qx 'en_US.UTF-8 UTF-8' /etc/locale.gen; then
      echo 'en_US.UTF-8 UTF-8' >>/etc/locale.gen
    fi
    locale-gen >/dev/null
    has_locale || { echo "install-debian: locale-gen ran, but there is no en_US.UTF-8 locale" >&2; exit 1; }
  fi
  echo en_US.UTF-8
}

what=${1:-}
case $what in
  chromium) program chromium "${CHROMIUM:-/usr/bin/chromium}" ;;
  shellcheck) program shellcheck "${SHELLCHECK:-/usr/bin/shellcheck}" ;;
  locale) locale_en_us ;;
  *) echo "usage: scripts/install-debian.sh chromium|shellcheck|locale" >&2; exit 2 ;;
esac
