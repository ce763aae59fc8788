/**
 * A four-validator `polity localnet` without a
 * heartbeat, left idle, makes no block; then it commits the next
 * transaction. Real node processes on loopback. The idle time is 12 s here
 * (POLITY_IDLE_MS overrides it: scripts/idle-localnet.sh runs 60 s); the
 * commit latency is printed, never asserted (speed belongs in benchmarks).
 *
 * The chain has a block before it idles, so the transaction after an idle
 * period longer than CATCH_UP_AFTER_MS goes into the block after an empty
 * catch-up block, and carries the current time, not that of the block
 * before the idle period (src/node/consensus-host.ts).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KeyPair } from '../src/crypto/ed25519.js';
import type { Genesis } from '../src/ledger/genesis.js';
import { CATCH_UP_AFTER_MS } from '../src/node/consensus-host.js';
import { anchorTx, freePortRange, randomHash, tempDir } from './helpers.js';

const BIN = fileURLToPath(new URL('../../bin/polity.js', import.meta.url));
const IDLE_MS = Number(process.env.POLITY_IDLE_MS ?? 12_000);

interface Status {
  height: number;
}

async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: (await res.json()) as T };
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const children: { kill(signal: NodeJS.Signals): boolean; exitCode: number | null }[] = [];
const dirs: string[] = [];
after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

test(`a four-validator localnet left idle ${IDLE_MS / 1000} s makes no block, then commits the next transaction`, { timeout: IDLE_MS + 120_000 }, async (t) => {
  const data = await tempDir('polity-idle-');
  dirs.push(data);
  const p2p = await freePortRange(4);
  const apiBase = await freePortRange(4);
  const child = spawn(process.execPath, [BIN, 'localnet', '--validators', '4', '--data', data, '--base-port', String(p2p), '--api-base-port', String(apiBase), '--heartbeat-ms', '0', '--json', '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  await until('the localnet table', async () => stdout.includes('\n'), 60_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${stderr}`);
  });
  const table = JSON.parse(stdout.split('\n')[0]!) as { nodes: { name: string; api: string }[] };
  const apis = table.nodes.map((n) => n.api);
  assert.equal(apis.length, 4);
  // Every node ready: linked to its peers with quorum, not stalled.
  await until('every node ready', async () => (await Promise.all(apis.map((a) => getJson(`${a}/readyz`)))).every((r) => r.status === 200), 60_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${stderr}`);
  });
  const heights = async (): Promise<number[]> => Promise.all(apis.map(async (a) => (await getJson<Status>(`${a}/v1/status`)).body.height));
  const dir = join(data, 'department-1');
  const genesis = JSON.parse(await readFile(join(dir, 'genesis.json'), 'utf8')) as Genesis;
  const admin = JSON.parse(await readFile(join(dir, 'admin-key.json'), 'utf8')) as KeyPair;
  const submit = async (nonce: number): Promise<{ status: string; height?: number }> => {
    const res = await fetch(`${apis[0]}/v1/tx?wait=commit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(anchorTx(genesis, admin, nonce, randomHash())), signal: AbortSignal.timeout(30_000) });
    return (await res.json()) as { status: string; height?: number };
  };
  // A first block, then every node at its height: the idle period starts from a chain with a block.
  const first = await submit(0);
  assert.equal(first.status, 'committed', JSON.stringify(first));
  await until('every node at the first block', async () => (await heights()).every((h) => h === first.height), 30_000);
  const before = await heights();

  // Idle: no transaction, no heartbeat. No block appears, and an idle chain is healthy (not stalled).
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const idle = await heights();
  t.diagnostic(`heights before ${before.join(', ')}; after ${IDLE_MS / 1000} s idle ${idle.join(', ')}`);
  assert.deepEqual(idle, before, 'no block while idle');
  const ready = await Promise.all(apis.map((a) => getJson<unknown>(`${a}/readyz`)));
  assert.ok(ready.every((r) => r.status === 200), `every node still ready after idling: ${JSON.stringify(ready.map((r) => r.body))}`);

  // The next transaction: submitted to one node, answered once committed.
  assert.equal(genesis.params.heartbeatMs, undefined, 'no heartbeat in this network');
  const sentAt = Date.now();
  const t0 = performance.now();
  const body = await submit(1);
  const latencyMs = performance.now() - t0;
  assert.equal(body.status, 'committed', JSON.stringify(body));
  t.diagnostic(`commit latency of the first transaction after ${IDLE_MS / 1000} s idle: ${latencyMs.toFixed(1)} ms (block ${body.height})`);
  console.log(`# idle localnet: ${IDLE_MS / 1000} s idle, ${idle[0]! - before[0]!} blocks; next transaction committed in ${latencyMs.toFixed(1)} ms`);
  const head = Math.max(...before);
  if (IDLE_MS > CATCH_UP_AFTER_MS) {
    assert.equal(body.height, head + 2, 'the transaction is in the block after the catch-up block');
    const catchUp = await getJson<{ txs: unknown[] }>(`${apis[0]}/v1/blocks/${head + 1}`);
    assert.equal(catchUp.body.txs.length, 0, 'the catch-up block is empty');
  } else {
    assert.equal(body.height, head + 1, 'the transaction is in the next block');
  }
  const block = await getJson<{ header: { time: number } }>(`${apis[0]}/v1/blocks/${body.height}`);
  // Judged now, not at the time of the block before the idle period (same machine: one clock).
  assert.ok(block.body.header.time >= sentAt - 1000, `the block's time ${new Date(block.body.header.time).toISOString()} is current (sent at ${new Date(sentAt).toISOString()})`);
  child.kill('SIGTERM');
  await new Promise((r) => child.on('close', r));
});
