#!/usr/bin/env bash
# Run one of W3C's VC conformance suites against a fresh Polity node on loopback.
#
#   conformance/run.sh SUITE_DIR [mocha arguments…]
#
# SUITE_DIR: a checkout of w3c/vc-data-model-2.0-test-suite,
# w3c/vc-di-eddsa-test-suite or w3c/vc-bitstring-status-list-test-suite with
# its npm dependencies installed (conformance/prepare.sh). Polity must be
# built (npx tsc -p tsconfig.json). Nothing here runs in `npm test`.
#
# What it does: `polity init` + `polity start` with a temporary data folder
# on 127.0.0.1 (a one-node chain whose genesis organisation the admin key
# speaks for), running the issuing desk with the admin key and a fresh bearer
# token (--issuing-key, --issuing-token-file) and the default type
# ConformanceTest (--issuing-default-type: the suites' requests name no type
# of the chain); through governance defines that credential type (any
# credentialSubject) and accredits that organisation to issue it; starts bearer-proxy.mjs, which adds the token to
# the desk's routes; points the suite at the proxy (conformance/
# localConfig.cjs, read through APP_ROOT_PATH); runs mocha with the spec
# reporter; prints the counts; stops both and removes the folder.
#
# Environment: POLITY_PORT (default: a free port), KEEP=1 keeps the data
# folder and node log, OUT=FILE tees the suite's output there too,
# SUITE_NODE the Node.js that runs the suite (default /usr/bin/node; Node 20
# here — see below), POLITY_ISSUE_OPTIONS the `options` sent with each issue
# request (JSON), ADAPT=1 has the proxy give each issue request the type
# ["VerifiableCredential", "ConformanceTest"] and the VC 2.0 context alone
# (a measurement of the rest; the official count is without it).
set -euo pipefail

SUITE_DIR=$(cd "${1:?usage: conformance/run.sh SUITE_DIR [mocha args…]}" && pwd)
shift
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
POLITY="node $REPO/bin/polity.js"
[ -f "$REPO/dist/src/main.js" ] || { echo "build Polity first: npx tsc -p tsconfig.json" >&2; exit 2; }
[ -d "$SUITE_DIR/node_modules" ] || { echo "$SUITE_DIR has no node_modules: run conformance/prepare.sh" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/polity-conformance-XXXXXX")
DATA="$WORK/node"
PORT=${POLITY_PORT:-$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")}
API="http://127.0.0.1:$PORT"
NODE_PID=
PROXY_PID=
cleanup() {
  if [ -n "$PROXY_PID" ]; then kill "$PROXY_PID" 2>/dev/null || true; fi
  if [ -n "$NODE_PID" ]; then kill "$NODE_PID" 2>/dev/null || true; wait "$NODE_PID" 2>/dev/null || true; fi
  if [ "${KEEP:-}" = 1 ]; then echo "kept $WORK (node log: $WORK/node.log)"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# The genesis organisation's admin key (which holds every role, issuer included) runs the
# issuing desk; machine clients reach it with a bearer token, which the proxy below adds.
$POLITY init --data "$DATA" >"$WORK/init.log"
node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))" >"$WORK/token"
PROXY_PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
PROXY="https://127.0.0.1:$PROXY_PORT"
openssl req -x509 -newkey ed25519 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$WORK/tls-key.pem" -out "$WORK/tls-cert.pem" 2>/dev/null
$POLITY start --data "$DATA" --host 127.0.0.1 --port "$PORT" --public-url "$PROXY" --log-level warn \
  --issuing-key "$DATA/admin-key.json" --issuing-token-file "$WORK/token" --issuing-default-type ConformanceTest >"$WORK/node.log" 2>&1 &
NODE_PID=$!
for _ in $(seq 1 300); do
  curl -sf "$API/v1/status" >/dev/null 2>&1 && break
  kill -0 "$NODE_PID" 2>/dev/null || { cat "$WORK/node.log" >&2; exit 1; }
  sleep 0.1
done
curl -sf "$API/v1/status" >/dev/null || { echo "the node did not answer on $API" >&2; cat "$WORK/node.log" >&2; exit 1; }
TLS_CERT="$WORK/tls-cert.pem" TLS_KEY="$WORK/tls-key.pem" \
ADAPT_TYPE=$([ "${ADAPT:-}" = 1 ] && echo ConformanceTest || true) node "$HERE/bearer-proxy.mjs" "$PROXY_PORT" "$API" "$WORK/token" >"$WORK/proxy.log" 2>&1 &
PROXY_PID=$!
# The CLI signs requests for the node's public URL (the proxy's), and trusts its certificate.
export NODE_EXTRA_CA_CERTS="$WORK/tls-cert.pem"
for _ in $(seq 1 100); do curl -sf --cacert "$WORK/tls-cert.pem" "$PROXY/v1/status" >/dev/null 2>&1 && break; sleep 0.1; done

KEY="$DATA/admin-key.json"
ORG=$(node -e "console.log(JSON.parse(require('fs').readFileSync(process.argv[1],'utf8')).organisations[0].id)" "$DATA/genesis.json")
decide() {
  local out id
  out=$($POLITY credential propose "$@" --api "$PROXY" --key "$KEY")
  id=$(sed -nE 's/.*proposal ([0-9a-f]{64}) executed.*/\1/p' <<<"$out")
  [ -n "$id" ] || { echo "governance proposal did not execute: $out" >&2; exit 1; }
  $POLITY credential enact "$id" --api "$PROXY" --key "$KEY" >/dev/null
}
decide define-type --name ConformanceTest --title "W3C conformance test credential" --schema "$HERE/conformance-schema.json"
decide accredit --org "$ORG" --type ConformanceTest --role issuer

# The issuer the suites name in the credentials they ask Polity to issue: the desk key's did:key.
ISSUER_DID=$(node --input-type=module -e "
    import { readFileSync } from 'node:fs';
    import { didKeyFromPublicKey } from '$REPO/dist/src/crypto/multikey.js';
    const k = JSON.parse(readFileSync(process.argv[1], 'utf8'));
    console.log(didKeyFromPublicKey(k.publicKey));" "$KEY")

echo "Polity node $API (chain height $(curl -sf "$API/v1/status" | node -pe 'JSON.parse(require("fs").readFileSync(0,"utf8")).height')), organisation $ORG accredited for ConformanceTest, issuer $ISSUER_DID"
[ "${ADAPT:-}" = 1 ] && echo "ADAPT=1: issue requests get type [VerifiableCredential, ConformanceTest] and @context [VC 2.0] (not the official count)"
echo "suite: $SUITE_DIR ($(git -C "$SUITE_DIR" log -1 --format='%h %cs' 2>/dev/null || echo 'not a git checkout'))"

# The suites run on their own Node: they were written for Node 18-22, and the eddsa suite's
# structuredClone() of a context holding a URL object throws DataCloneError on Node 24.
SUITE_NODE=${SUITE_NODE:-$(command -v /usr/bin/node || command -v node)}
echo "suite runs on $("$SUITE_NODE" -v) ($SUITE_NODE), Polity on $(node -v)"
export POLITY_BASE_URL="$PROXY" POLITY_ISSUER_DID="$ISSUER_DID" APP_ROOT_PATH="$HERE"
export POLITY_ISSUE_OPTIONS=${POLITY_ISSUE_OPTIONS:-'{}'}
set +e
(cd "$SUITE_DIR" && "$SUITE_NODE" node_modules/mocha/bin/mocha.js tests/ --reporter spec --timeout 15000 --preserve-symlinks "$@") 2>&1 | tee "${OUT:-/dev/null}" | tee "$WORK/suite.txt"
set -e
echo
echo "== $(basename "$SUITE_DIR") against Polity: $(grep -E '^\s+[0-9]+ (passing|failing|pending)' "$WORK/suite.txt" | sed -E 's/^\s+//; s/ \(.*//' | paste -sd, - | sed 's/,/, /g')"
