#!/usr/bin/env bash
# Runs the browser (Playwright) tests in Debian's Chromium. First makes sure Chromium, a Japanese
# font (so screenshots are readable) and poppler-utils (the report test reads its PDF with
# pdftotext and pdftoppm) are installed, installing them when missing and we may (root, or
# password-less sudo). Without Chromium or the font: under CI this fails; outside CI the browser
# tests are skipped with a loud message. Without poppler-utils only the report test's PDF checks
# are affected (report.spec.ts skips them loudly, or fails under CI). Arguments are passed on to
# `playwright test`.
set -euo pipefail
CHROMIUM=/usr/bin/chromium
need_font() { ! fc-list :lang=ja 2>/dev/null | grep -q .; }
need_browser() { [ ! -x "$CHROMIUM" ] || need_font; }
need_tools() { need_browser || ! command -v pdftoppm >/dev/null || ! command -v pdftotext >/dev/null; }
run() { exec npx playwright test -c test/e2e/playwright.config.ts "$@"; }
if ! need_tools; then run "$@"; fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO="none"; fi
fi
if [ "$SUDO" != "none" ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium, fonts-noto-cjk and poppler-utils for the browser tests…"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y chromium fonts-noto-cjk poppler-utils
fi
if ! need_browser; then run "$@"; fi
if [ -n "${CI:-}" ]; then
  echo "ERROR: $CHROMIUM or a Japanese font is missing and could not be installed; under CI the browser tests must run." >&2
  exit 1
fi
echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
echo "!!! SKIPPED: the browser (Playwright) tests: $CHROMIUM or a Japanese font is missing" >&2
echo "!!! and could not be installed here. Install them with:" >&2
echo "!!!   sudo apt-get install -y chromium fonts-noto-cjk poppler-utils" >&2
echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
exit 0
