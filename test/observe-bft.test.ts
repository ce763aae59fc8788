/**
 * Observing a BFT network of four departments, run as real `polity start`
 * processes on loopback:
 * - every node serves Prometheus metrics at /metrics, parsed here strictly
 *   (each sample line is `name{labels} value`, each name declared by a
 *   # TYPE line) and the key series read back;
 * - /healthz answers 200 while the process lives;
 * - with one validator stopped, the other three hold 3/4 of the power, more
 *   than two thirds: their /readyz stays 200;
 * - with two stopped, the two left hold half: /readyz answers 503 with
 *   the reason, the stall warning is logged naming the validators heard
 *   from, and `polity status` says it in words.
 *
 * The nodes run with --stall-after-ms 5000 and --log-format json, so the
 * test reads the warning as a JSON line. It prints what it saw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { runInitNetwork } from '../src/cli/network-init.js';
import { readFile, writeFile } from 'node:fs/promises';
import { whyNotCommitted } from '../src/cli/wait-cause.js';
import type { KeyPair } from '../src/crypto/ed25519.js';
import type { Genesis } from '../src/ledger/genesis.js';
import { anchorTx, freePortRange, randomHash, tempDir } from './helpers.js';
import { BIN, type Dept, quietIo, startNode, stopNode, waitFor } from './node-procs.js';

/** A node here logs JSON lines and reports a stall after 5 s without progress (what the test reads). */
const OBSERVE_ARGS = ['--log-format', 'json', '--stall-after-ms', '5000'];

async function getText(d: Dept, path: string): Promise<{ status: number; text: string }> {
  try {
    const res = await fetch(d.api + path, { signal: AbortSignal.timeout(2000) });
    return { status: res.status, text: await res.text() };
  } catch {
    return { status: -1, text: '' };
  }
}

/**
 * A strict reading of the Prometheus text format (0.0.4): every line is a
 * comment (# HELP / # TYPE) or `name{label="value",...} number`; every
 * sample's metric is declared by a # TYPE line before it. Throws on any
 * other line; returns the samples.
 */
export function parsePrometheus(text: string): Map<string, number> {
  const types = new Map<string, string>();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (m) {
      if (m[1] === 'TYPE') {
        assert.match(m[3]!, /^(counter|gauge|histogram|summary|untyped)$/, `type of ${m[2]}`);
        types.set(m[2]!, m[3]!);
      }
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)( -?[0-9]+)?$/.exec(line);
    assert.ok(m, `not a Prometheus sample line: ${JSON.stringify(line)}`);
    const name = m[1]!;
    const family = types.has(name) ? name : name.replace(/_(bucket|sum|count|total|created)$/, '');
    assert.ok(types.has(family) || types.has(name), `sample ${name} has no # TYPE line`);
    samples.set(name + (m[2] ?? ''), Number(m[3]));
  }
  return samples;
}

const ORGS = ['Civil Registry', 'Tax Office', 'Health Department', 'Land Registry'];
const KEY_SERIES = [
  'polity_height',
  'polity_last_block_age_seconds',
  'polity_transaction_commit_latency_seconds_count',
  'polity_mempool_transactions',
  'polity_mempool_bytes',
  'polity_peers_connected',
  'polity_peers_expected',
  'polity_validators_signing',
  'polity_consensus_rounds_per_height_count',
  'polity_consensus_proposals_total',
  'polity_transactions_committed_total',
  'polity_p2p_received_bytes_total',
  'polity_p2p_sent_bytes_total',
  'polity_notary_pending_hashes',
  'polity_quorum',
  'process_cpu_seconds_total',
  'nodejs_heap_size_used_bytes',
];

test('four validators: /metrics parses and carries the key series; one stopped keeps /readyz 200; two stopped turn it 503 and log the stall', { timeout: 90_000 }, async (t) => {
  const root = await tempDir('polity-observe-');
  const p2pBase = await freePortRange(8);
  const apiBase = await freePortRange(8);
  assert.equal(await runInitNetwork({ validators: '4', data: root, orgs: ORGS.join(','), 'base-port': String(p2pBase), 'api-base-port': String(apiBase), json: false }, [], quietIo), 0);
  const slugs = ['civil-registry', 'tax-office', 'health-department', 'land-registry'];
  const depts: Dept[] = slugs.map((slug, i) => ({ name: slug, dir: join(root, slug), api: `http://127.0.0.1:${apiBase + i}`, log: [] }));
  for (const d of depts) startNode(d, OBSERVE_ARGS);
  const [a, b, c, dd] = depts as [Dept, Dept, Dept, Dept];
  const t0 = Date.now();

  await waitFor('every node at height 3 and ready', async () => (await Promise.all(depts.map((d) => getText(d, '/readyz')))).every((r) => r.status === 200) && (await Promise.all(depts.map((d) => getText(d, '/v1/status')))).every((r) => r.status === 200 && JSON.parse(r.text).height >= 3), 60_000);
  t.diagnostic(`all four ready after ${Date.now() - t0} ms`);

  // A transaction, so the commit latency histogram has a sample.
  const genesis = JSON.parse(await readFile(join(a.dir, 'genesis.json'), 'utf8')) as Genesis;
  const admin = JSON.parse(await readFile(join(a.dir, 'admin-key.json'), 'utf8')) as KeyPair;
  const anchor = await fetch(`${a.api}/v1/tx?wait=commit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(anchorTx(genesis, admin, 0, randomHash())), signal: AbortSignal.timeout(20_000) });
  assert.equal(((await anchor.json()) as { status: string }).status, 'committed');

  const healthz = await getText(a, '/healthz');
  assert.equal(healthz.status, 200);
  const metrics = await getText(a, '/metrics');
  assert.equal(metrics.status, 200);
  // For `promtool check metrics` (scripts/check-metrics.sh): the scrape, as it came.
  if (process.env.POLITY_METRICS_OUT) await writeFile(process.env.POLITY_METRICS_OUT, metrics.text);
  const samples = parsePrometheus(metrics.text);
  const shown: string[] = [];
  for (const series of KEY_SERIES) {
    const hits = [...samples].filter(([k]) => k === series || k.startsWith(series + '{'));
    assert.ok(hits.length > 0, `/metrics has no ${series}`);
    shown.push(...hits.slice(0, 3).map(([k, v]) => `${k} ${v}`));
  }
  assert.ok(samples.get('polity_height')! >= 3);
  assert.equal(samples.get('polity_peers_connected'), 3);
  assert.equal(samples.get('polity_peers_expected'), 3);
  assert.equal(samples.get('polity_quorum'), 1);
  console.log(`# /metrics of ${a.name}: ${samples.size} samples, key series:\n${shown.map((l) => `#   ${l}`).join('\n')}`);
  console.log(`# /healthz ${healthz.status} ${healthz.text}`);
  console.log(`# /readyz ${(await getText(a, '/readyz')).status} ${(await getText(a, '/readyz')).text}`);

  // One validator stopped: three of four hold 3/4 > 2/3 of the power.
  await stopNode(dd);
  const h1 = JSON.parse((await getText(a, '/v1/status')).text).height as number;
  await waitFor('blocks after one validator stopped', async () => JSON.parse((await getText(a, '/v1/status')).text).height >= h1 + 2, 30_000);
  for (const d of [a, b, c]) {
    const r = await getText(d, '/readyz');
    assert.equal(r.status, 200, `${d.name} /readyz with one validator stopped: ${r.text}`);
  }
  console.log(`# one validator stopped: /readyz of ${a.name} ${(await getText(a, '/readyz')).status} ${(await getText(a, '/readyz')).text}`);

  // Two stopped: the two left hold half, no quorum; blocks stop.
  await stopNode(c);
  let red = { status: 0, text: '' };
  await waitFor('/readyz 503', async () => (red = await getText(a, '/readyz')).status === 503, 15_000);
  const reason = JSON.parse(red.text) as { code: string; message: string; reasons: { code: string }[] };
  assert.equal(reason.code, 'NODE_NOT_READY');
  assert.ok(reason.reasons.some((r) => r.code === 'NO_QUORUM'), red.text);
  console.log(`# two validators stopped: /readyz of ${a.name} ${red.status} ${red.text}`);

  const warnings = (): Record<string, unknown>[] =>
    a.log.join('').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 'warn');
  await waitFor('the stall warning', async () => warnings().some((w) => w.event === 'node.stalled'), 15_000);
  const lost = warnings().find((w) => w.event === 'consensus.quorumLost');
  const stall = warnings().find((w) => w.event === 'node.stalled')!;
  assert.ok(lost, 'quorum lost is logged');
  assert.match(String(stall.heardFrom), /Tax Office/);
  assert.equal(lost!.heardPower, 2, 'the loss logged is the one after the second stop');
  console.log(`# log of ${a.name}:\n#   ${JSON.stringify(lost)}\n#   ${JSON.stringify(stall)}`);
  const peerDown = a.log.join('').split('\n').find((l) => l.includes('"peer.down"') && l.includes('Land Registry'));
  assert.ok(peerDown, 'peer down is logged');
  console.log(`#   ${peerDown}`);

  const status = await promisify(execFile)(process.execPath, [BIN, 'status', '--api', a.api]).catch((e: { stdout: string }) => e);
  console.log(`# polity status --api ${a.api}:\n${status.stdout.trimEnd().split('\n').map((l) => `#   ${l}`).join('\n')}`);
  assert.match(status.stdout, /no quorum/);
  assert.match(status.stdout, /last block/);
  // A command that waits for a commit gives up after its timeout and names the cause.
  const doc = join(root, 'minutes.txt');
  await writeFile(doc, 'minutes of the meeting\n');
  const notarize = await promisify(execFile)(process.execPath, [BIN, 'notarize', doc, '--api', a.api, '--key', join(a.dir, 'admin-key.json'), '--timeout-ms', '3000']).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
  const said = `${notarize.stdout}${notarize.stderr}`.trim();
  console.log(`# polity notarize --timeout-ms 3000 with no quorum (exit ${notarize.code}):\n${said.split('\n').map((l) => `#   ${l}`).join('\n')}`);
  assert.notEqual(notarize.code, 0);
  assert.match(said, /not ready: no quorum/);
  assert.match(await whyNotCommitted({ url: c.api }), /^node unreachable/);
  t.diagnostic(`whole test ${Date.now() - t0} ms`);
});
