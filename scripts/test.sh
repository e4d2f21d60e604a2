#!/usr/bin/env bash
# Runs every test: unit tests, CLI and fixture tests, the preview server over
# real sockets and the browser tests in headless Chromium (with axe-core),
# including `smsdoc pdf` checked with pdftotext and pdfinfo (poppler-utils).
#
# Chromium and chromedriver are installed from Debian's packages when they
# are missing and apt-get is usable (as root, or through sudo without a
# password). Elsewhere nothing is installed: the browser tests then skip
# with one printed reason, unless SMSDOC_REQUIRE_BROWSER=1 (set by .ci/run)
# makes a missing browser a failure. To use a browser from elsewhere, set
# SMSDOC_CHROMIUM and SMSDOC_CHROMEDRIVER to the two executables.
#
# First run: about 7-10 minutes on 2 cores (compiling) and about 2.5 GB in
# target/; later runs take about 2 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

have_browser() {
  { [ -n "${SMSDOC_CHROMIUM:-}" ] || command -v chromium >/dev/null 2>&1; } &&
    { [ -n "${SMSDOC_CHROMEDRIVER:-}" ] || command -v chromedriver >/dev/null 2>&1; } &&
    command -v pdftotext >/dev/null 2>&1 && command -v pdfinfo >/dev/null 2>&1
}

if ! have_browser; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; else sudo="none"; fi
  fi
  if command -v apt-get >/dev/null 2>&1 && [ "$sudo" != "none" ]; then
    echo "== installing chromium, chromium-driver and poppler-utils (Debian packages) for the browser and PDF tests"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver poppler-utils >/dev/null
  else
    echo "== no Chromium/chromedriver and no apt-get as root here: the browser tests will skip."
    echo "   Install Chromium and its WebDriver, or set SMSDOC_CHROMIUM and SMSDOC_CHROMEDRIVER."
  fi
fi

# axe-core (pinned in tests/axe/package-lock.json) for the accessibility
# checks of the browser tests; without npm they skip (or fail when required).
if [ ! -f tests/axe/node_modules/axe-core/axe.min.js ]; then
  if ! command -v npm >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
    echo "== installing npm (Debian package) for axe-core"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
  fi
  if command -v npm >/dev/null 2>&1; then
    echo "== installing axe-core for the browser tests (npm ci in tests/axe)"
    npm ci --prefix tests/axe --no-audit --no-fund --silent
  else
    echo "== no npm here: the accessibility checks of the browser tests will skip."
  fi
fi

cargo test --locked --all-targets "$@"
