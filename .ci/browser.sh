#!/usr/bin/env bash
# Browser tests of the web app (issue 16): Debian's Chromium, driven from Node with
# playwright-core against the real `fascia` binary on 127.0.0.1. Installs chromium and
# chromium-driver with apt when missing, then `npm ci` in tests/browser. Screenshots of
# the main pages at 390x844 land in docs/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  echo "installing chromium and chromium-driver"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# The tests start the binary themselves. The smoke test has just built the release one,
# so this is a no-op in CI; it makes sure the embedded web files are current. Set
# FASCIA_BIN to test another build (e.g. target/debug/fascia while iterating).
if [ -z "${FASCIA_BIN:-}" ]; then
  cargo build --release -p fascia --bin fascia
  FASCIA_BIN="$PWD/target/release/fascia"
fi
# The tests run from tests/browser, so a relative path (as in the README) is made absolute.
FASCIA_BIN="$(realpath "$FASCIA_BIN")"
export FASCIA_BIN

cd tests/browser
npm ci --no-audit --no-fund --silent
timeout 300 npm test
