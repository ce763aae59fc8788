/**
 * The operations routes in process (src/api/health-routes.ts): /healthz,
 * /readyz and /metrics on a solo node, `--metrics off`, the access log
 * (route patterns only, never the URL as sent), and JSON log lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../src/node/log.js';
import { anchorTx, randomHash, startTestNode } from './helpers.js';
import { generateKeyPair } from '../src/crypto/ed25519.js';

test('a solo node: /healthz alive, /readyz ready, /metrics in the Prometheus text format with the commit counted', async () => {
  const t = await startTestNode();
  try {
    assert.deepEqual((await t.app.inject({ url: '/healthz' })).json(), { status: 'alive' });
    const ready = await t.app.inject({ url: '/readyz' });
    assert.equal(ready.statusCode, 200, ready.body);
    assert.equal(ready.json().status, 'ready');
    const tx = anchorTx(t.genesis, generateKeyPair(), 0, randomHash());
    const committed = await t.app.inject({ method: 'POST', url: '/v1/tx?wait=commit', payload: tx });
    assert.equal(committed.json().status, 'committed');
    const m = await t.app.inject({ url: '/metrics' });
    assert.equal(m.statusCode, 200);
    assert.match(m.headers['content-type'] as string, /^text\/plain; version=0\.0\.4/);
    assert.match(m.body, /^polity_height [1-9]/m);
    assert.match(m.body, /^polity_transaction_commit_latency_seconds_count 1$/m);
    assert.match(m.body, /^polity_transactions_committed_total\{code="OK"\} 1$/m);
    assert.match(m.body, /^polity_quorum 1$/m);
    assert.match(m.body, /^polity_peers_expected 0$/m);
    const status = (await t.app.inject({ url: '/v1/status' })).json();
    assert.equal(status.health.ready, true);
    assert.equal(status.health.quorum, true);
  } finally {
    await t.close();
  }
});

test('--metrics off removes /metrics; the access log names the route pattern, never the path or query as sent', async () => {
  const lines: string[] = [];
  const t = await startTestNode({ log: createLogger('info', (l) => lines.push(l), 'json'), api: { metrics: false, accessLog: 'info' } });
  try {
    assert.equal((await t.app.inject({ url: '/metrics' })).statusCode, 404);
    await t.app.inject({ url: '/v1/txs/' + 'ab'.repeat(32) + '?secret=did:example:alice' });
    const access = lines.map((l) => JSON.parse(l)).filter((l) => l.event === 'http.access');
    assert.ok(access.length >= 2, lines.join('\n'));
    const txLine = access.find((l) => l.route === '/v1/txs/:id');
    assert.ok(txLine, JSON.stringify(access));
    assert.deepEqual(Object.keys(txLine).sort(), ['event', 'level', 'method', 'ms', 'route', 'status', 'time']);
    assert.doesNotMatch(lines.join('\n'), /alice|abab/);
  } finally {
    await t.close();
  }
});

test('log lines: text quotes values with spaces; JSON lines keep time, level and event from being overwritten', () => {
  const text: string[] = [];
  createLogger('info', (l) => text.push(l)).warn('node.stalled', { heardFrom: 'Tax Office (05bd24d1)', height: 6 });
  assert.match(text[0]!, / warn  node\.stalled heardFrom="Tax Office \(05bd24d1\)" height=6$/);
  const json: string[] = [];
  const log = createLogger('info', (l) => json.push(l), 'json');
  log.debug('hidden');
  log.info('peer.up', { peer: 'ab', level: 'sneaky', connected: 3 });
  assert.equal(json.length, 1);
  const record = JSON.parse(json[0]!);
  assert.equal(record.level, 'info');
  assert.equal(record.event, 'peer.up');
  assert.equal(record.connected, 3);
});
