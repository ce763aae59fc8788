#!/bin/sh
# The idle-chain check at full length: a four-validator localnet without a heartbeat,
# idle for 60 s (or $1 seconds), makes no block; then the next transaction commits.
# Prints the heights and the commit latency. Needs a build (npx tsc -p tsconfig.json).
set -e
cd "$(dirname "$0")/.."
seconds="${1:-60}"
POLITY_IDLE_MS=$((seconds * 1000)) exec node --test --test-reporter=spec dist/test/idle-localnet.test.js
