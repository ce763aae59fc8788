#!/bin/sh
# The installed command, as a department's IT team gets it (README "Install"):
# in a fresh folder outside the checkout, `npm pack` the checkout, `npm install -g`
# the tarball into a private prefix, then `polity --version`, `polity init` and
# `polity start` from the installed command, and the node answers.
# Needs Node 24 on PATH and the npm registry (for the dependencies).
# Usage: scripts/check-package.sh [WORK_DIR]    (default: a new temporary folder)
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d /tmp/polity-package-XXXXXX)}
mkdir -p "$work"
cd "$work"
echo "== npm pack ($repo -> $work)"
npm pack "$repo" --pack-destination "$work" --silent
tarball=$(ls "$work"/*.tgz)
echo "$tarball"
echo "== npm install -g (prefix $work/prefix)"
npm install -g --prefix "$work/prefix" --no-audit --no-fund "$tarball"
polity="$work/prefix/bin/polity"
echo "== polity --version"
"$polity" --version
echo "== polity init --encrypt (keys sealed: polity start refuses plaintext ones)"
export POLITY_KEY_PASSPHRASE="package check passphrase"
"$polity" init --encrypt --data "$work/data" --chain-id package-check
port=${POLITY_CHECK_PORT:-18700}
echo "== polity start (port $port)"
"$polity" start --data "$work/data" --port "$port" --log-level warn > "$work/start.out" 2> "$work/start.err" &
pid=$!
i=0
until grep -q 'press Ctrl+C' "$work/start.out" 2>/dev/null; do
  i=$((i + 1))
  if [ "$i" -gt 600 ] || ! kill -0 "$pid" 2>/dev/null; then cat "$work/start.out" "$work/start.err"; echo "polity start did not come up"; exit 1; fi
  sleep 0.1
done
cat "$work/start.out"
node -e "fetch('http://127.0.0.1:$port/v1/status').then(r => r.json()).then(s => console.log('status:', JSON.stringify({ chainId: s.chainId, height: s.height })))"
node -e "Promise.all(['/', '/app/web/pages/explorer.js', '/web/app.css'].map((p) => fetch('http://127.0.0.1:$port' + p).then((r) => p + ' ' + r.status))).then((l) => console.log('pages:', l.join(', ')))"
kill -TERM "$pid"
wait "$pid"
echo "== stopped (exit $?); installed at $work/prefix/lib/node_modules"
