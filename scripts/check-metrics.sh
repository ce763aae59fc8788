#!/bin/sh
# Scrape /metrics of a validator in a 4-validator network of real `polity start`
# processes (test/observe-bft.test.ts) and check it with Prometheus' own linter,
# `promtool check metrics` (Debian: apt-get install prometheus). Not part of
# `npm test`: it needs promtool. Run after `npx tsc -p tsconfig.json`.
set -eu
command -v promtool >/dev/null || { echo "promtool not found: apt-get install prometheus" >&2; exit 2; }
out=$(mktemp /tmp/polity-metrics.XXXXXX)
POLITY_METRICS_OUT="$out" node --test dist/test/observe-bft.test.js >/dev/null
echo "scraped $(grep -c '^[a-z]' "$out") samples; promtool check metrics:"
promtool check metrics < "$out" && echo "promtool: no problems"
grep -E '^polity_(height|last_block_age_seconds|peers_connected|quorum|validators_signing|transaction_commit_latency_seconds_count|p2p_sent_bytes_total) ' "$out"
rm -f "$out"
echo "promtool check rules packaging/prometheus/polity-rules.yml:"
promtool check rules packaging/prometheus/polity-rules.yml
