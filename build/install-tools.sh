#!/bin/sh
# Installs the Debian tools `npm run build` (and so `npm start`) needs, if any is
# missing (the list: need_build_tools in build/apt-need.sh).
set -u
# shellcheck source=build/apt-need.sh
. "$(dirname "$0")/apt-need.sh"
need_build_tools
install_missing "build tools"
