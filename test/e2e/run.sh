#!/usr/bin/env bash
# Runs the browser (Playwright) tests in Debian's Chromium. First makes sure Chromium (and a
# Japanese font, so screenshots are readable) is installed, installing it when it is missing and
# we may (root, or password-less sudo). Without it: under CI this fails; outside CI the browser
# tests are skipped with a loud message. Arguments are passed on to `playwright test`.
set -euo pipefail
CHROMIUM=/usr/bin/chromium
need_font() { ! fc-list :lang=ja 2>/dev/null | grep -q .; }
run() { exec npx playwright test -c test/e2e/playwright.config.ts "$@"; }
if [ -x "$CHROMIUM" ] && ! need_font; then run "$@"; fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO="none"; fi
fi
if [ "$SUDO" != "none" ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium and fonts-noto-cjk for the browser tests…"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y chromium fonts-noto-cjk
fi
if [ -x "$CHROMIUM" ]; then run "$@"; fi
if [ -n "${CI:-}" ]; then
  echo "ERROR: $CHROMIUM is missing and could not be installed; under CI the browser tests must run." >&2
  exit 1
fi
echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
echo "!!! SKIPPED: the browser (Playwright) tests: $CHROMIUM is missing and could not be" >&2
echo "!!! installed here. Install it with: sudo apt-get install -y chromium" >&2
echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
exit 0
