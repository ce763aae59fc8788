/**
 * Bounded cost of reads: lists of blocks read no block
 * bodies, whole-block reads are few at a time, and a flood of both leaves
 * the node's memory bounded and its cheap reads answered.
 *
 * - In process, deterministically: GET /v1/blocks and the history proofs
 *   read no block body (the node's getBlock is counted); fifty concurrent
 *   GET /v1/blocks/{h} never have more than the gate's few bodies in hand,
 *   and what does not fit the queue is refused 503 NODE_BUSY with
 *   Retry-After, never a 5xx of another kind.
 * - A node process with blocks of ~6,000 anchors under a flood of lists and
 *   whole-block reads: its RSS before and during, and the latency of
 *   GET /v1/status during the flood, are printed; only generous bounds are
 *   asserted (the before/after evidence is the deterministic count above).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { generateKeyPair } from '../src/crypto/ed25519.js';
import { initDataDir } from '../src/node/data-dir.js';
import type { SignedTx } from '../src/ledger/transaction.js';
import { anchorTx, describeWatch, freePort, randomHash, startTestNode, tempDir, until, watchNode } from './helpers.js';

const BIN = fileURLToPath(new URL('../../bin/polity.js', import.meta.url));

/** Count the node's whole-block reads (what a list must not do), and the most in flight at once. */
function countBodyReads(node: { getBlock: (h: number) => Promise<unknown>; getBlockByHash: (h: string) => Promise<unknown> }) {
  const counts = { reads: 0, inFlight: 0, peak: 0 };
  for (const name of ['getBlock', 'getBlockByHash'] as const) {
    const original = node[name].bind(node) as (x: never) => Promise<unknown>;
    (node as Record<string, unknown>)[name] = async (x: never) => {
      counts.reads++;
      counts.inFlight++;
      counts.peak = Math.max(counts.peak, counts.inFlight);
      try {
        // A disk read takes a moment: every request of a flood is in flight before the first returns.
        await new Promise((r) => setTimeout(r, 20));
        return await original(x);
      } finally {
        counts.inFlight--;
      }
    };
  }
  return counts;
}

test('lists of blocks and history proofs read no block bodies; whole-block reads are a few at a time', async (t) => {
  const node = await startTestNode();
  try {
    const key = generateKeyPair();
    for (let i = 0; i < 5; i++) {
      const res = await node.app.inject({ method: 'POST', url: '/v1/tx?wait=commit', payload: JSON.stringify(anchorTx(node.genesis, key, i, randomHash())), headers: { 'content-type': 'application/json' } });
      assert.equal(res.statusCode, 200);
    }
    const counts = countBodyReads(node.node);
    for (const url of ['/v1/blocks?limit=100', '/v1/blocks?limit=3&before=4', '/v1/blocks/4/inclusion?head=5', '/v1/history/consistency?from=2&to=5']) {
      const res = await node.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
    }
    const list = (await node.app.inject({ method: 'GET', url: '/v1/blocks?limit=100' })).json();
    assert.deepEqual(list.blocks.map((b: { header: { height: number } }) => b.header.height), [5, 4, 3, 2, 1]);
    assert.equal(list.blocks[0].signatures, 1);
    t.diagnostic(`block bodies read by 5 list and proof requests: ${counts.reads}`);
    assert.equal(counts.reads, 0, 'lists and proofs read headers, not bodies');

    // Fifty concurrent whole-block reads.
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => node.app.inject({ method: 'GET', url: `/v1/blocks/${(i % 5) + 1}` })));
    const statuses = new Map<number, number>();
    for (const a of answers) statuses.set(a.statusCode, (statuses.get(a.statusCode) ?? 0) + 1);
    t.diagnostic(`50 concurrent GET /v1/blocks/{h}: answers ${JSON.stringify(Object.fromEntries(statuses))}; most bodies in hand at once: ${counts.peak}`);
    for (const a of answers) {
      assert.ok(a.statusCode === 200 || a.statusCode === 503, `answer ${a.statusCode}`);
      if (a.statusCode === 503) {
        assert.equal(a.json().code, 'NODE_BUSY');
        assert.ok(Number(a.headers['retry-after']) >= 1);
      }
    }
    assert.ok(counts.peak <= 2, `at most 2 whole blocks are read at once (saw ${counts.peak})`);
    assert.ok((statuses.get(200) ?? 0) >= 2);
  } finally {
    await node.close();
  }
});

test('a node with full blocks under a flood of lists and block reads keeps its memory bounded and answers status', async (t) => {
  const data = await tempDir('polity-read-flood-');
  const { genesis } = await initDataDir(data);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, [BIN, 'start', '--data', data, '--port', String(port), '--log-level', 'error', '--block-interval-ms', '2000'], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await until(async () => (await fetch(`${url}/v1/status`).catch(() => undefined))?.ok || undefined, 20_000, 'the node to answer');
    // Blocks of ~6,000 anchors: 24,000 signed transactions from 24 keys, 2,000 a request.
    const keys = Array.from({ length: 24 }, () => generateKeyPair());
    const txs: SignedTx[] = [];
    for (let n = 0; n < 1_000; n++) for (const k of keys) txs.push(anchorTx(genesis, k, n, randomHash()));
    for (let i = 0; i < txs.length; i += 2_000) {
      const res = await fetch(`${url}/v1/txs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ txs: txs.slice(i, i + 2_000) }) });
      assert.equal(res.status, 202);
    }
    await until(async () => ((await (await fetch(`${url}/v1/status`)).json()) as { mempoolTxs: number }).mempoolTxs === 0 || undefined, 60_000, 'every anchor to commit');
    const height = ((await (await fetch(`${url}/v1/status`)).json()) as { height: number }).height;
    t.diagnostic(`${txs.length} anchors in ${height} blocks`);

    const watch = await watchNode(child.pid!, url, { probeAfterMs: 300, probeEveryMs: 100 });
    // 80 requests in flight for 4 s: half lists of 100 headers, half whole blocks.
    const answers = new Map<number, number>();
    const floodUntil = Date.now() + 4_000;
    const worker = async (i: number) => {
      while (Date.now() < floodUntil) {
        const path = i % 2 === 0 ? '/v1/blocks?limit=100' : `/v1/blocks/${1 + (i % height)}`;
        const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(60_000) }).catch(() => undefined);
        const status = res ? res.status : 0;
        if (res) await res.arrayBuffer();
        answers.set(status, (answers.get(status) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 80 }, (_, i) => worker(i)));
    const seen = await watch.stop();
    const growth = seen.rssPeak - seen.rssBefore;
    for (const line of describeWatch(seen)) t.diagnostic(line);
    t.diagnostic(`answers during the flood: ${JSON.stringify(Object.fromEntries(answers))}`);
    assert.ok(seen.statusCodes.length > 0 && seen.statusCodes.every((s) => s === 200), `status answered during the flood: ${seen.statusCodes.join(',')}`);
    assert.ok([...answers.keys()].every((s) => s === 200 || s === 503), 'only answers or NODE_BUSY');
    assert.ok(growth < 400, `memory grew ${growth.toFixed(0)} MiB under the flood`);
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await rm(data, { recursive: true, force: true });
  }
});
