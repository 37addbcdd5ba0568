#!/usr/bin/env bash
# npm run demo: the README's run command on any machine of this kind. Where no
# Docker engine answers, one is started the way the test world starts it
# (root; Debian's docker.io, its pid file in the demo's world dir, so
# `upgrade-wizard demo --down` stops it again); where one answers, it is used
# as it is. Then the wizard opens on the demo stack.
set -euo pipefail
cd "$(dirname "$0")/.."
# Always from the checkout as it is now: a bundle left from before a pull would be stale.
npm run --silent build
# The demo's world (source/demo/demo-stack.ts keeps the same directory).
UW_WORLD_DIR=/var/tmp/upgrade-wizard-demo bash test/world/up.sh --engine
exec node bin/upgrade-wizard.js demo "$@"
