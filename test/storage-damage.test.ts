/**
 * A damaged data directory, as a careless operator or a failing disk leaves
 * it, with real `polity start` processes: the node must never start lower
 * than the height it committed (it would build a second, different block at
 * a height whose receipts are already out), never start on links, a head or
 * a state it cannot read, report damage to a table that start-up does not
 * read (the full scan after start, `polity check`, reads answering 503),
 * and every refusal must say what is damaged, where, and how to recover
 * (spec/storage.md §8).
 *
 * One chain is built once (three notarised files, in the newest LevelDB log;
 * then enough blocks that the chain is in LevelDB's table files), and each
 * case damages a copy of it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, readdir, rm, stat, truncate, unlink, open, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPair } from '../src/crypto/ed25519.js';
import { initDataDir, loadDataDir } from '../src/node/data-dir.js';
import { createNode } from '../src/node/node.js';
import { createLogger } from '../src/node/log.js';
import { createApi } from '../src/api/server.js';
import { SERVICES } from '../src/services/index.js';
import { createClient } from '../src/sdk/client.js';
import type { Genesis } from '../src/ledger/genesis.js';
import { runInitNetwork, readNetworkFile } from '../src/cli/network-init.js';
import type { Io } from '../src/cli/io.js';
import { anchorTx, freePort, freePortRange, randomHash, tempDir, until } from './helpers.js';

const BIN = fileURLToPath(new URL('../../bin/polity.js', import.meta.url));
const children = new Set<ChildProcess>();
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

interface Started {
  child: ChildProcess;
  port: number;
  stderr: () => string;
}

/** Start `polity start` on `data`; resolves once the API answers, or with the exit code and what it printed when it refuses. */
async function start(data: string): Promise<{ started: Started } | { refused: { code: number | null; stderr: string } }> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'start', '--data', data, '--port', String(port), '--log-level', 'error', '--block-interval-ms', '20'], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const client = createClient({ url: `http://127.0.0.1:${port}`, timeoutMs: 1_000 });
  const outcome = await Promise.race([
    exited.then((code) => ({ refused: { code, stderr: err } })),
    until(async () => (await client.status().catch(() => undefined)) !== undefined || undefined, 30_000, 'the node to answer').then(() => ({ started: { child, port, stderr: () => err } })),
  ]);
  return outcome;
}

async function stop(s: Started): Promise<void> {
  if (s.child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    s.child.once('exit', () => resolve());
    s.child.kill('SIGTERM');
  });
}

/** Start a copy of the data directory that must be refused; returns what it printed. */
async function refused(data: string): Promise<string> {
  const outcome = await start(data);
  if ('started' in outcome) {
    const height = (await createClient({ url: `http://127.0.0.1:${outcome.started.port}` }).status()).height;
    await stop(outcome.started);
    assert.fail(`the node started (at height ${height}) on a damaged data directory`);
  }
  console.log(`refused: ${outcome.refused.stderr.trim()}`);
  assert.equal(outcome.refused.code, 1, `exit code; it printed: ${outcome.refused.stderr}`);
  assert.doesNotMatch(outcome.refused.stderr, /invariant broken|Database failed to open|\n\s+at /, 'a refusal is a sentence, not a bug report');
  return outcome.refused.stderr;
}

async function newest(dir: string, ext: string): Promise<string> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(ext)).sort();
  assert.ok(files.length > 0, `${dir} holds a ${ext} file`);
  return join(dir, files.at(-1)!);
}

async function largest(dir: string, ext: string): Promise<string> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(ext));
  assert.ok(files.length > 0, `${dir} holds a ${ext} file`);
  const sized = await Promise.all(files.map(async (f) => ({ f, size: (await stat(join(dir, f))).size })));
  return join(dir, sized.sort((a, b) => b.size - a.size)[0]!.f);
}

let root: string;
/** Three notarised files, heights 1-3, all in the newest LevelDB log. */
let logBase: string;
/** Many more blocks, all in LevelDB's table files (.ldb). */
let tableBase: string;
let genesis: Genesis;
let tableHeight = 0;

before(async () => {
  root = await tempDir('polity-damage-');
  logBase = join(root, 'log-base');
  ({ genesis } = await initDataDir(logBase));
  const first = await start(logBase);
  assert.ok('started' in first, JSON.stringify(first));
  const client = createClient({ url: `http://127.0.0.1:${first.started.port}`, timeoutMs: 10_000 });
  const key = generateKeyPair();
  for (let i = 0; i < 3; i++) await client.submitTx(anchorTx(genesis, key, i, randomHash()), { wait: true });
  assert.equal((await client.status()).height, 3, 'three files notarised: height 3');
  await stop(first.started);

  tableBase = join(root, 'table-base');
  await cp(logBase, tableBase, { recursive: true });
  // Enough blocks with enough transactions that LevelDB writes table files; every open turns the log into a table.
  const second = await start(tableBase);
  assert.ok('started' in second);
  const c2 = createClient({ url: `http://127.0.0.1:${second.started.port}`, timeoutMs: 10_000 });
  const signers = Array.from({ length: 8 }, () => generateKeyPair());
  for (let round = 0; round < 12; round++) {
    const txs = signers.flatMap((s) => Array.from({ length: 25 }, (_, i) => anchorTx(genesis, s, round * 25 + i, randomHash())));
    await c2.submitTxs(txs);
    await until(async () => ((await c2.nonce(signers[0]!.publicKey)) === (round + 1) * 25 ? true : undefined), 20_000, 'the batch to commit');
  }
  tableHeight = (await c2.status()).height;
  await stop(second.started);
  const third = await start(tableBase);
  assert.ok('started' in third);
  await stop(third.started);
  assert.ok((await readdir(join(tableBase, 'chain'))).some((f) => f.endsWith('.ldb')), 'the chain is in table files');
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function copyOf(base: string, name: string): Promise<string> {
  const dir = join(root, name);
  await cp(base, dir, { recursive: true });
  return dir;
}

test('an intact data directory starts, and reads back whole (the control): `polity check` exits 0, /v1/status says storage ok', async () => {
  const data = await copyOf(tableBase, 'intact');
  const offline = await check(data);
  console.log(`polity check: exit ${offline.code}: ${offline.out.trim()}`);
  assert.equal(offline.code, 0, offline.out);
  assert.match(offline.out, /intact/);
  const outcome = await start(data);
  assert.ok('started' in outcome, JSON.stringify(outcome));
  const url = `http://127.0.0.1:${outcome.started.port}`;
  assert.equal((await createClient({ url }).status()).height, tableHeight);
  const storage = await until(async () => {
    const st = (await (await fetch(`${url}/v1/status`)).json()) as { storage?: { state: string } };
    return st.storage?.state === 'ok' ? st.storage : undefined;
  }, 60_000, 'the background scan to finish');
  assert.equal(storage.state, 'ok');
  await stop(outcome.started);
});

test('the newest log cut by 100 bytes (truncate -s -100): refused, naming the heights and the way back', async () => {
  const data = await copyOf(logBase, 'truncated');
  const log = await newest(join(data, 'chain'), '.log');
  await truncate(log, (await stat(log)).size - 100);
  const said = await refused(data);
  assert.match(said, /holds blocks up to height [0-2]\b/);
  assert.match(said, /committed block 3\b/);
  assert.ok(said.includes(join(data, 'chain')), said);
  assert.match(said, /restore/i);
});

test('the newest log cut by 30%: refused', async () => {
  const data = await copyOf(logBase, 'cut30');
  const log = await newest(join(data, 'chain'), '.log');
  await truncate(log, Math.floor((await stat(log)).size * 0.7));
  assert.match(await refused(data), /committed block 3\b/);
});

test('the newest log deleted: refused', async () => {
  const data = await copyOf(logBase, 'nolog');
  await unlink(await newest(join(data, 'chain'), '.log'));
  assert.match(await refused(data), /committed block 3\b/);
});

test('an emptied chain/: refused (a one-validator chain has no peer to resync from)', async () => {
  const data = await copyOf(logBase, 'emptied');
  for (const f of await readdir(join(data, 'chain'))) await rm(join(data, 'chain', f), { recursive: true });
  const said = await refused(data);
  assert.match(said, /holds no blocks/);
  assert.match(said, /committed block 3\b/);
});

/** Run `polity check` on a stopped node's data directory: its exit code and what it printed. */
async function check(data: string, json = false): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [BIN, 'check', '--data', data, ...(json ? ['--json'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  return { code, out };
}

/**
 * The offset of a block body nearest the middle of a table file, of a block
 * below `head`: where a failing disk hurts a block that start-up does not
 * read (its header is kept apart under sh/; the head's body is read at
 * start). The body's JSON is `{"header":{…,"height":N,…},"txs":[…`, kept
 * readable by LevelDB's compression.
 */
function bodyNearMiddle(bytes: Buffer, head: number): number {
  const marker = Buffer.from('"txs":[');
  let best = -1;
  for (let at = bytes.indexOf(marker); at !== -1; at = bytes.indexOf(marker, at + 1)) {
    const height = /"height":(\d+)/.exec(bytes.toString('latin1', Math.max(0, at - 600), at))?.[1];
    if (height === undefined || Number(height) >= head) continue;
    if (best === -1 || Math.abs(at - bytes.length / 2) < Math.abs(best - bytes.length / 2)) best = at;
  }
  assert.ok(best !== -1, 'the table holds bodies of blocks below the head');
  return best;
}

test('64 bytes overwritten in the middle of a table file: `polity check` names the damaged block (exit 1), the started node shows it in /v1/status and answers 503 STORE_CORRUPT for it, never a 500', { timeout: 120_000 }, async () => {
  const data = await copyOf(tableBase, 'garbled-table');
  const table = await largest(join(data, 'chain'), '.ldb');
  const at = bodyNearMiddle(await readFile(table), tableHeight);
  const fh = await open(table, 'r+');
  await fh.write(Buffer.alloc(64, 0x41), 0, 64, at);
  await fh.close();

  // Offline, on demand: exit 1, naming the store and what is damaged.
  const offline = await check(data);
  console.log(`polity check: exit ${offline.code}: ${offline.out.trim()}`);
  assert.equal(offline.code, 1, offline.out);
  assert.match(offline.out, /damaged/);
  assert.ok(offline.out.includes(join(data, 'chain')), offline.out);
  const json = await check(data, true);
  assert.equal(json.code, 1);
  const verdict = JSON.parse(json.out.trim().split('\n').at(-1)!) as { ok: boolean; damage: string[] };
  assert.equal(verdict.ok, false);
  assert.ok(verdict.damage.length >= 1);
  const named = /block (\d+)/.exec(verdict.damage.join(' '));
  assert.ok(named, `the damage names a block: ${verdict.damage.join(' ')}`);

  // Started: the node answers at once (start-up reads headers, not bodies), and the scan after start finds the damage.
  const outcome = await start(data);
  assert.ok('started' in outcome, `the node starts on a store whose damage is in an old block body: ${JSON.stringify(outcome)}`);
  try {
    const url = `http://127.0.0.1:${outcome.started.port}`;
    const storage = await until(async () => {
      const st = (await (await fetch(`${url}/v1/status`)).json()) as { storage: { state: string; detail?: string } };
      return st.storage.state === 'damaged' ? st.storage : undefined;
    }, 60_000, 'the background scan to report the damage');
    console.log(`GET /v1/status: storage ${JSON.stringify(storage)}`);
    assert.ok(storage.detail!.includes(join(data, 'chain')), storage.detail);
    assert.match(outcome.started.stderr(), /store\.damaged/, 'the log says what is damaged');
    const statuses = new Map<number, number>();
    let damaged: { code: string; message: string } | undefined;
    for (let h = 1; h <= tableHeight; h++) {
      const res = await fetch(`${url}/v1/blocks/${h}`);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status !== 200) damaged ??= (await res.json()) as { code: string; message: string };
    }
    console.log(`GET /v1/blocks/1..${tableHeight}: ${[...statuses].map(([code, n]) => `${n}× ${code}`).join(', ')}; ${JSON.stringify(damaged)}`);
    assert.ok(!statuses.has(500), 'no 500');
    assert.ok(statuses.has(503), 'the damaged block is reported');
    assert.equal(damaged?.code, 'STORE_CORRUPT');
    assert.equal((await fetch(`${url}/v1/blocks/${named[1]}`)).status, 503, `block ${named[1]}, which the check named, answers 503`);
  } finally {
    await stop(outcome.started);
  }

  // The damage was found after start, so the next start's cheap check would pass: the node left a marker, and a solo node refuses on it.
  const marker = JSON.parse(await readFile(join(data, 'chain-damaged.json'), 'utf8')) as { v: number; store: string; detail: string; foundAt: string };
  console.log(`chain-damaged.json: ${JSON.stringify(marker)}`);
  assert.equal(marker.store, join(data, 'chain'));
  assert.ok(marker.detail.includes(join(data, 'chain')), marker.detail);
  assert.ok(!Number.isNaN(Date.parse(marker.foundAt)), marker.foundAt);
  const said = await refused(data);
  assert.ok(said.includes(join(data, 'chain-damaged.json')), said);
  assert.match(said, /restore/i);
});

test('a deleted table file: refused, naming the file', async () => {
  const data = await copyOf(tableBase, 'missing-table');
  const table = await largest(join(data, 'chain'), '.ldb');
  await unlink(table);
  const said = await refused(data);
  assert.match(said, /damaged/);
  assert.match(said, /missing/);
  assert.ok(said.includes(join(data, 'chain')), said);
});

test('a garbled MANIFEST: refused, naming the damage', async () => {
  const data = await copyOf(tableBase, 'garbled-manifest');
  const manifest = join(data, 'chain', (await readdir(join(data, 'chain'))).find((f) => f.startsWith('MANIFEST-'))!);
  const bytes = await readFile(manifest);
  bytes.fill(0x55, 10, 40);
  await writeFile(manifest, bytes);
  const said = await refused(data);
  assert.match(said, /damaged/);
  assert.ok(said.includes(join(data, 'chain')), said);
});

test('a deleted CURRENT: refused before LevelDB can discard the tables, naming the file', async () => {
  const data = await copyOf(tableBase, 'no-current');
  await unlink(join(data, 'chain', 'CURRENT'));
  const said = await refused(data);
  assert.match(said, /CURRENT/);
  assert.ok(said.includes(join(data, 'chain')), said);
  // Nothing was thrown away: putting CURRENT back makes it start again.
  assert.ok((await readdir(join(data, 'chain'))).some((f) => f.endsWith('.ldb')), 'the table files are still there');
});

test('a second `polity start` on a data directory in use: refused, saying another node runs there', async () => {
  const data = await copyOf(tableBase, 'in-use');
  const first = await start(data);
  assert.ok('started' in first);
  try {
    const said = await refused(data);
    assert.match(said, /another node is running on this data directory/);
    assert.ok(said.includes(join(data, 'chain')), said);
    // `polity check` on it: not damage (exit 1) but a directory in use, exit 4, with the same sentence.
    const busy = await check(data);
    console.log(`polity check on a directory in use: exit ${busy.code}: ${busy.out.trim()}`);
    assert.equal(busy.code, 4, busy.out);
    assert.match(busy.out, /another node is running on this data directory/);
    assert.doesNotMatch(busy.out, /DAMAGED/);
  } finally {
    await stop(first.started);
  }
});

test('a table file damaged while the node runs: reading a block in it answers STORE_CORRUPT (503), never a 500', async () => {
  const dir = await copyOf(tableBase, 'damaged-while-running');
  const data = await loadDataDir(dir);
  const node = await createNode({ dataDir: dir, genesis: data.genesis, nodeSecretKey: data.nodeKey.secretKey, services: SERVICES, log: createLogger('silent'), verifyWorkers: 1 });
  const app = await createApi(node, { services: SERVICES });
  try {
    // The disk goes bad under the running node: 64 bytes at a quarter, half and three quarters of its largest table.
    const table = await largest(join(dir, 'chain'), '.ldb');
    const size = (await stat(table)).size;
    const fh = await open(table, 'r+');
    for (const at of [0.25, 0.5, 0.75]) await fh.write(Buffer.alloc(64, 0x41), 0, 64, Math.floor(size * at));
    await fh.close();
    const statuses = new Map<number, number>();
    let damaged: { code: string; message: string } | undefined;
    for (let h = 1; h <= tableHeight; h++) {
      const res = await app.inject({ method: 'GET', url: `/v1/blocks/${h}` });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      if (res.statusCode !== 200) damaged ??= res.json();
    }
    console.log(`GET /v1/blocks/1..${tableHeight} after the damage: ${[...statuses].map(([s, n]) => `${n}× ${s}`).join(', ')}; first error ${JSON.stringify(damaged)}`);
    assert.ok(!statuses.has(500), 'no 500');
    assert.ok(statuses.has(503), 'a block in the damaged range is reported');
    assert.equal(damaged?.code, 'STORE_CORRUPT');
    assert.match(damaged!.message, /damaged/);
  } finally {
    await app.close();
    await node.close();
  }
});

const quietIo: Io = { out: () => {}, err: () => {}, progress: () => {}, isTty: false };

test('a BFT validator whose store was found damaged after start (the marker) moves it aside at the next start and removes the marker; with --no-repair it refuses, naming the marker', async () => {
  const net = await tempDir('polity-marker-');
  try {
    const p2pBase = await freePortRange(2);
    const apiBase = await freePortRange(2);
    assert.equal(await runInitNetwork({ validators: '2', data: net, 'base-port': String(p2pBase), 'api-base-port': String(apiBase), json: false }, [], quietIo), 0);
    const dir = join(net, 'department-1');
    const data = await loadDataDir(dir);
    const network = await readNetworkFile(dir);
    const open = (repair: boolean) =>
      createNode({
        dataDir: dir,
        genesis: data.genesis,
        nodeSecretKey: data.nodeKey.secretKey,
        services: SERVICES,
        log: createLogger('silent'),
        verifyWorkers: 1,
        ...(repair ? {} : { repair: false }),
        p2p: { listen: network.listen, peers: network.peers.map((p) => ({ pubKey: p.pubKey, host: p.host, port: p.port })) },
      });
    await (await open(true)).close(); // creates chain/
    const markerPath = join(dir, 'chain-damaged.json');
    const marker = { v: 1, kind: 'polity/chain-damaged', store: join(dir, 'chain'), detail: `the chain store ${join(dir, 'chain')} is damaged: block 2 cannot be read back`, foundAt: new Date().toISOString() };
    await writeFile(markerPath, JSON.stringify(marker) + '\n');

    // A node that opens after all is closed, so that the failure below is the test's, not a hang.
    const refusedOpen = open(false).then(async (node) => {
      await node.close();
      throw new Error('no refusal');
    });
    await assert.rejects(refusedOpen, (e: Error) => {
      console.log(`--no-repair: ${e.message}`);
      assert.ok(e.message.includes(markerPath), e.message);
      return true;
    });
    assert.ok((await readdir(dir)).includes('chain'), 'refused: the store is where it was');

    const node = await open(true);
    await node.close();
    const entries = await readdir(dir);
    console.log(`after the repair: ${entries.sort().join(' ')}`);
    assert.ok(entries.some((f) => f.startsWith('chain.damaged-')), 'the store was moved aside');
    assert.ok(entries.includes('chain'), 'a new, empty store');
    assert.ok(!entries.includes('chain-damaged.json'), 'the marker is gone');
  } finally {
    await rm(net, { recursive: true, force: true });
  }
});
