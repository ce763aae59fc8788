#!/usr/bin/env bash
# Fetch W3C's VC conformance suites and install their npm dependencies in a
# folder of their own, outside Polity (never in Polity's node_modules or
# package.json).
#
#   conformance/prepare.sh WORKDIR
#
# Clones (unless already there) into WORKDIR:
#   w3c/vc-data-model-2.0-test-suite, w3c/vc-di-eddsa-test-suite,
#   w3c/vc-bitstring-status-list-test-suite, and the two packages they take
#   from GitHub instead of npm: w3c/vc-test-suite-implementations and
#   w3c-ccg/data-integrity-test-suite-assertion.
# Those two are packed into WORKDIR/tarballs and each suite's package.json is
# pointed at the tarballs (patch-deps.cjs), so `npm install` needs only the
# npm registry (no git URLs). GIT_BASE (default https://github.com) may name
# a mirror holding owner/name clones.
set -euo pipefail
WORK=$(mkdir -p "${1:?usage: conformance/prepare.sh WORKDIR}" && cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
GIT_BASE=${GIT_BASE:-https://github.com}
cd "$WORK"
for repo in w3c/vc-data-model-2.0-test-suite w3c/vc-di-eddsa-test-suite w3c/vc-bitstring-status-list-test-suite \
            w3c/vc-test-suite-implementations w3c-ccg/data-integrity-test-suite-assertion; do
  name=${repo#*/}
  [ -d "$name" ] || git clone -q "$GIT_BASE/$repo" "$name"
  echo "$name $(git -C "$name" log -1 --format='%h %cs')"
done
mkdir -p tarballs
(cd tarballs && npm pack --silent ../vc-test-suite-implementations ../data-integrity-test-suite-assertion >/dev/null)
for suite in vc-data-model-2.0-test-suite vc-di-eddsa-test-suite vc-bitstring-status-list-test-suite; do
  git -C "$suite" checkout -q package.json
  node "$HERE/patch-deps.cjs" "$suite"
  (cd "$suite" && npm install --no-audit --no-fund --loglevel=error)
done
echo "ready: conformance/run.sh $WORK/<suite>"
