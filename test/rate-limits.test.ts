/**
 * Per-client limits and heavy work that cannot starve cheap reads:
 * - a flood of POST /v1/auth/challenge from one address is answered
 *   429 RATE_LIMITED with Retry-After once over its limit, while another
 *   address is still served;
 * - the general per-address limit, with loopback exempt by default;
 * - 24 concurrent notary batches of 100,000 hashes against a node process:
 *   what the large-body gate cannot queue is refused 503 NODE_BUSY at once,
 *   GET /v1/status keeps answering (its latency and the node's memory are
 *   printed; only that it answered is asserted).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { generateKeyPair } from '../src/crypto/ed25519.js';
import { initDataDir } from '../src/node/data-dir.js';
import { openSession } from '../src/sdk/http-auth.js';
import { describeWatch, freePort, startTestNode, tempDir, until, watchNode } from './helpers.js';

const BIN = fileURLToPath(new URL('../../bin/polity.js', import.meta.url));

test('a challenge flood from one address is refused 429 after its limit; other addresses are served', async (t) => {
  const node = await startTestNode();
  try {
    const ask = (remoteAddress: string) =>
      node.app.inject({ method: 'POST', url: '/v1/auth/challenge', remoteAddress, payload: JSON.stringify({ subject: generateKeyPair().publicKey }), headers: { 'content-type': 'application/json' } });
    const answers = [];
    for (let i = 0; i < 100; i++) answers.push(await ask('203.0.113.7'));
    const ok = answers.filter((a) => a.statusCode === 200).length;
    const limited = answers.filter((a) => a.statusCode === 429);
    t.diagnostic(`100 challenges from one address: ${ok} answered, ${limited.length} refused 429`);
    assert.equal(ok, 60);
    assert.equal(limited.length, 40);
    assert.equal(limited[0]!.json().code, 'RATE_LIMITED');
    assert.match(limited[0]!.json().message, /more than 60 requests from this address/);
    assert.ok(Number(limited[0]!.headers['retry-after']) >= 1);
    // Another client, and loopback too (the challenge limit spares no one), have their own count.
    assert.equal((await ask('198.51.100.20')).statusCode, 200);
    const local = [];
    for (let i = 0; i < 61; i++) local.push((await ask('127.0.0.1')).statusCode);
    assert.deepEqual([local.filter((s) => s === 200).length, local.at(-1)], [60, 429]);
  } finally {
    await node.close();
  }
});

test('every route has a per-address limit; loopback is exempt by default, and that is configurable', async () => {
  const node = await startTestNode({ api: { limits: { clientRequestsMax: 20 } } });
  try {
    const get = (remoteAddress: string) => node.app.inject({ method: 'GET', url: '/v1/status', remoteAddress });
    const remote = [];
    for (let i = 0; i < 25; i++) remote.push(await get('192.0.2.55'));
    assert.equal(remote.filter((r) => r.statusCode === 200).length, 20);
    const refused = remote.at(-1)!;
    assert.equal(refused.statusCode, 429);
    assert.deepEqual(Object.keys(refused.json()).sort(), ['code', 'message']);
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    for (let i = 0; i < 25; i++) assert.equal((await get('127.0.0.1')).statusCode, 200);
  } finally {
    await node.close();
  }
  const strict = await startTestNode({ api: { limits: { clientRequestsMax: 5, loopbackExempt: false } } });
  try {
    const codes = [];
    for (let i = 0; i < 6; i++) codes.push((await strict.app.inject({ method: 'GET', url: '/v1/status' })).statusCode);
    assert.deepEqual(codes, [200, 200, 200, 200, 200, 429]);
  } finally {
    await strict.close();
  }
});

test('24 concurrent batches of 100,000 hashes: the excess is refused at once and GET /v1/status keeps answering', async (t) => {
  const data = await tempDir('polity-batch-flood-');
  const { genesis } = await initDataDir(data);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, [BIN, 'start', '--data', data, '--port', String(port), '--log-level', 'error'], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await until(async () => (await fetch(`${url}/v1/status`).catch(() => undefined))?.ok || undefined, 20_000, 'the node to answer');
    const key = generateKeyPair();
    const { token } = await openSession(url, { subject: key.publicKey, publicKey: key.publicKey, secretKey: key.secretKey, chainId: genesis.chainId });
    const bodies = Array.from({ length: 24 }, () => JSON.stringify({ hashes: Array.from({ length: 100_000 }, () => randomBytes(32).toString('hex')) }));
    const watch = await watchNode(child.pid!, url);
    const t0 = performance.now();
    const answers = await Promise.all(
      bodies.map(async (body) => {
        const res = await fetch(`${url}/v1/notary/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body, signal: AbortSignal.timeout(120_000) });
        const json = (await res.json()) as { code?: string };
        return { status: res.status, code: json.code, ms: performance.now() - t0 };
      }),
    );
    const seen = await watch.stop();
    const accepted = answers.filter((a) => a.status === 202);
    const busy = answers.filter((a) => a.status === 503 && a.code === 'NODE_BUSY');
    t.diagnostic(`24 batches: ${accepted.length} queued (last after ${Math.max(...accepted.map((a) => a.ms)).toFixed(0)} ms), ${busy.length} refused NODE_BUSY (last after ${busy.length ? Math.max(...busy.map((a) => a.ms)).toFixed(0) : '-'} ms)`);
    for (const line of describeWatch(seen)) t.diagnostic(line);
    assert.equal(accepted.length + busy.length, 24, `only queued or NODE_BUSY: ${JSON.stringify(answers.map((a) => a.code ?? a.status))}`);
    assert.ok(busy.length >= 1, 'what the gate cannot queue is refused');
    assert.ok(accepted.length >= 2);
    assert.ok(seen.statusCodes.length > 0 && seen.statusCodes.every((s) => s === 200), 'status answered throughout');
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await rm(data, { recursive: true, force: true });
  }
});
