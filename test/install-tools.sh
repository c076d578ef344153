#!/bin/sh
# Installs the Debian tools the test suite uses, if any is missing.
# Runs first in `npm test` (not a "pretest" script: .npmrc sets ignore-scripts, which skips pre-scripts); needs root and apt-get to
# install, otherwise it only names what is missing (the tests that need a
# missing tool then fail and say which).
set -u
# shellcheck source=build/apt-need.sh
. "$(dirname "$0")/../build/apt-need.sh"
need busybox busybox-static
need shellcheck shellcheck
# The build's own tools: the e2e suite builds dist/nxs.
need_build_tools
need redis-server redis-server
need bwrap bubblewrap
need git git
need dash dash
need prlimit util-linux
need bash bash
need curl curl
# The console's e2e test drives Debian's browser through playwright-core (which downloads none).
need chromium chromium
# promtool checks /metrics and the alert rules; prometheus scrapes a real host (test/unit/metrics).
need promtool prometheus
install_missing "test tools"
