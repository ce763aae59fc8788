/**
 * `polity localnet`: process management of a network of nodes on loopback.
 *
 * - With stand-in node processes (a tiny HTTP server answering /v1/status as
 *   its node): every node starts and answers, a killed node is reported while
 *   the others keep running, stopping sends SIGTERM and escalates to SIGKILL,
 *   a node that dies while starting or never answers fails the start.
 * - With real `polity start` processes through a real localnet process and
 *   real signals: N=1 (solo consensus) starts, answers, stops on SIGTERM, and
 *   reports a killed node. N=4 (BFT) commits, and goes on without one department.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError, type Io } from '../src/cli/io.js';
import { runLocalnet } from '../src/cli/localnet.js';
import { runInitNetwork } from '../src/cli/network-init.js';
import { freePortRange } from './helpers.js';

const LOCALNET_MODULE = new URL('../src/cli/localnet.js', import.meta.url).href;
const IO_MODULE = new URL('../src/cli/io.js', import.meta.url).href;

let work: string;
let stub: string;
let wrapper: string;

/** A stand-in for `polity start`: answers /v1/status with its node key. argv: dataDir apiPort behaviour. */
const STUB_NODE = `
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
const [dir, port, behaviour] = process.argv.slice(2);
if (behaviour === 'crash') { console.error('cannot open the store'); process.exit(3); }
const { publicKey } = JSON.parse(readFileSync(dir + '/node-key.json', 'utf8'));
const server = createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ nodeKey: behaviour === 'impostor' ? 'f'.repeat(64) : publicKey, height: 1 }));
});
if (behaviour !== 'mute') server.listen(Number(port), '127.0.0.1', () => console.log('stub node listening on ' + port));
else setInterval(() => {}, 1000);
process.on('SIGTERM', () => {
  if (behaviour === 'stubborn') { console.log('ignoring SIGTERM'); return; }
  console.log('stopping');
  server.close(() => process.exit(0));
});
`;

/** Runs runLocalnet in its own process, so that real signals reach it. argv[2]: the values as JSON. */
const WRAPPER = `
import { runLocalnet } from '${LOCALNET_MODULE}';
import { defaultIo } from '${IO_MODULE}';
process.exitCode = await runLocalnet(JSON.parse(process.argv[2]), [], defaultIo());
`;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'polity-localnet-'));
  stub = join(work, 'stub-node.mjs');
  wrapper = join(work, 'localnet.mjs');
  await writeFile(stub, STUB_NODE);
  await writeFile(wrapper, WRAPPER);
});
/** Localnet processes this file started: stopped at the end even when a test failed midway. */
const started: { kill(signal: NodeJS.Signals): boolean; exitCode: number | null; signalCode: NodeJS.Signals | null }[] = [];
after(async () => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  await rm(work, { recursive: true, force: true });
});

function captureIo(): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l), progress: () => {}, isTty: false };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/**
 * Two disjoint ranges of `n` free loopback ports: [p2p base, api base]. Taken
 * below the kernel's ephemeral range (freePortRange), where no connection of a
 * test running beside this one, nor of these nodes dialling each other, can
 * take a port between the check and the node's start.
 */
async function freeRanges(n: number): Promise<[number, number]> {
  const base = await freePortRange(2 * n);
  return [base, base + n];
}

async function status(api: string): Promise<{ nodeKey: string; height: number; chainId?: string }> {
  const res = await fetch(`${api}/v1/status`);
  assert.equal(res.status, 200);
  return (await res.json()) as { nodeKey: string; height: number };
}

const stubCommand =
  (behaviours: Record<string, string> = {}) =>
  (node: { name: string; dir: string; network: { api: { port: number } } }) => ({
    file: process.execPath,
    args: [stub, node.dir, String(node.network.api.port), behaviours[node.name] ?? 'normal'],
  });

test('localnet with 3 stand-in nodes: all answer, a killed node is reported and the others keep running, stop escalates to SIGKILL', async () => {
  const data = join(work, 'stubs');
  const [p2p, apiBase] = await freeRanges(3);
  const io = captureIo();
  const stop = new AbortController();
  const done = runLocalnet({ data, validators: '3', 'base-port': String(p2p), 'api-base-port': String(apiBase), json: true }, [], io, {
    nodeCommand: stubCommand({ 'Department 3': 'stubborn' }),
    stopSignal: stop.signal,
    killGraceMs: 500,
  });
  await until('the ready table', () => io.lines.length > 0);
  const table = JSON.parse(io.lines[0]!);
  assert.equal(table.ok, true);
  assert.equal(table.nodes.length, 3);
  for (const [i, n] of table.nodes.entries()) {
    assert.equal(n.name, `Department ${i + 1}`);
    assert.equal(n.api, `http://127.0.0.1:${apiBase + i}`);
    assert.equal(n.explorer, `http://127.0.0.1:${apiBase + i}/`);
    assert.equal(n.p2p, `127.0.0.1:${p2p + i}`);
    assert.equal((await status(n.api)).nodeKey, n.nodeKey, 'each API answers as its own node');
  }
  // Output lines carry the organisation's name.
  await until('prefixed output', () => io.errors.some((l) => /^\[Department 2\] stub node listening on \d+$/.test(l)));

  const [first, second, third] = table.nodes as { pid: number; api: string }[];
  process.kill(second!.pid, 'SIGKILL');
  await until('the report of the killed node', () => io.errors.some((l) => l.includes("Department 2's node stopped unexpectedly (killed by SIGKILL); 2 of 3 node(s) keep running")));
  assert.ok(alive(first!.pid) && alive(third!.pid));
  await status(first!.api);
  await status(third!.api);

  stop.abort();
  assert.equal(await done, 0);
  assert.ok(!alive(first!.pid) && !alive(third!.pid), 'every node is stopped');
  const log = io.errors.join('\n');
  assert.match(log, /\[Department 1\] stopping/);
  assert.match(log, /\[Department 3\] ignoring SIGTERM/);
  assert.match(log, /Department 3 did not stop within 0\.5 s; killing/);
  assert.match(log, /every node stopped/);
  assert.doesNotMatch(log, /Department 1's node stopped unexpectedly/, 'a requested stop is not reported as a failure');

  // Run again: the network is reused, not recreated; options that contradict it are refused.
  const again = captureIo();
  await assert.rejects(runLocalnet({ data, validators: '4' }, [], again, { nodeCommand: stubCommand() }), (e: Error) => e instanceof UsageError && /already holds a network of 3 validator\(s\), not 4/.test(e.message));
  await assert.rejects(runLocalnet({ data, 'api-base-port': String(apiBase + 1) }, [], again, { nodeCommand: stubCommand() }), /whose API ports start at/);
});

test('localnet start failures: a node that dies while starting, one that never answers, an impostor, a busy port', async () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ 'Department 2': 'crash' }, /Department 2's node stopped while starting \(exit code 3\)/],
    [{ 'Department 1': 'mute' }, /no answer within 1 s from Department 1 \(http:\/\/127\.0\.0\.1:\d+\/v1\/status\)/],
    [{ 'Department 2': 'impostor' }, /answers as another node \(node key ffffffffffffffff…\), not Department 2's/],
  ];
  for (const [behaviours, message] of cases) {
    const data = join(work, `fail-${Object.values(behaviours)[0]}`);
    const [p2p, apiBase] = await freeRanges(2);
    const io = captureIo();
    const code = await runLocalnet({ data, validators: '2', 'base-port': String(p2p), 'api-base-port': String(apiBase) }, [], io, {
      nodeCommand: stubCommand(behaviours),
      readyTimeoutMs: 1_000,
      killGraceMs: 1_000,
    });
    assert.equal(code, 1, JSON.stringify(behaviours));
    assert.match(io.errors.join('\n'), message);
    assert.deepEqual(io.lines, [], 'no ready table');
    for (const port of [apiBase, apiBase + 1]) assert.ok(await portFree(port), 'every node was stopped');
  }

  const data = join(work, 'busy');
  const [p2p, apiBase] = await freeRanges(2);
  const holder: Server = createServer();
  await new Promise<void>((r) => holder.listen(apiBase + 1, '127.0.0.1', r));
  try {
    await assert.rejects(
      runLocalnet({ data, validators: '2', 'base-port': String(p2p), 'api-base-port': String(apiBase) }, [], captureIo(), { nodeCommand: stubCommand() }),
      new RegExp(`already in use: 127\\.0\\.0\\.1:${apiBase + 1} \\(API of Department 2\\)`),
    );
  } finally {
    holder.close();
  }

  const solo = join(work, 'solo-dir');
  await runInitNetwork({ data: join(solo, 'x'), validators: '1' }, [], captureIo());
  await assert.rejects(runLocalnet({ data: join(solo, 'x', 'department-1') }, [], captureIo(), { nodeCommand: stubCommand() }), /one node's data directory, not a network/);
  await assert.rejects(runLocalnet({ data: join(work, 'never'), host: '0.0.0.0' }, [], captureIo()), UsageError);
  await assert.rejects(runLocalnet({ data: join(work, 'never'), validators: '0' }, [], captureIo()), /--validators: expected a whole number from 1 to 64/);
});

/** A real `polity localnet` process; resolves its JSON table once ready. */
function startLocalnet(values: Record<string, unknown>) {
  const child = spawn(process.execPath, [wrapper, JSON.stringify({ ...values, json: true })], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let stdout = '';
  let stderr = '';
  let onLine: () => void = () => {};
  const firstLine = new Promise<void>((r) => (onLine = r));
  child.stdout.on('data', (d) => {
    stdout += d;
    if (stdout.includes('\n')) onLine();
  });
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('close', (code, signal) => r({ code, signal })));
  return {
    child,
    exited,
    stderr: () => stderr,
    async ready(): Promise<{ chainId: string; nodes: { name: string; api: string; nodeKey: string; pid: number }[] }> {
      const early = exited.then(({ code }) => {
        if (!stdout.includes('\n')) throw new Error(`localnet exited ${code} before it was ready:\n${stderr}`);
      });
      await Promise.race([firstLine, early]);
      return JSON.parse(stdout);
    },
  };
}

test('localnet N=1 with a real node: starts, answers, stops on SIGTERM; a second run reuses it and reports a killed node', { timeout: 60_000 }, async () => {
  const data = join(work, 'real1');
  const [p2p, apiBase] = await freeRanges(1);
  const net = startLocalnet({ data, validators: '1', 'base-port': String(p2p), 'api-base-port': String(apiBase), 'chain-id': 'localnet-test', 'log-level': 'warn' });
  const table = await net.ready();
  assert.equal(table.chainId, 'localnet-test');
  const node = table.nodes[0]!;
  const s = await status(node.api);
  assert.equal(s.nodeKey, node.nodeKey);
  assert.equal(s.chainId, 'localnet-test');
  assert.match(net.stderr(), /\[Department 1\] Polity node running/);
  net.child.kill('SIGTERM');
  assert.deepEqual(await net.exited, { code: 0, signal: null });
  assert.ok(!alive(node.pid), 'the node was stopped');
  assert.match(net.stderr(), /every node stopped/);
  assert.doesNotMatch(net.stderr(), /stopped unexpectedly|Department 1's node stopped \(/, 'the node stopped cleanly, with exit code 0');

  // Same directory again: the chain continues; now the node is killed under it.
  const again = startLocalnet({ data, 'log-level': 'warn' });
  const table2 = await again.ready();
  assert.equal(table2.nodes[0]!.nodeKey, node.nodeKey, 'the existing network was reused');
  process.kill(table2.nodes[0]!.pid, 'SIGKILL');
  assert.deepEqual(await again.exited, { code: 1, signal: null });
  assert.match(again.stderr(), /Department 1's node stopped unexpectedly \(killed by SIGKILL\); 0 of 1 node\(s\) keep running/);
  assert.match(again.stderr(), /every node has stopped; exiting/);
  assert.equal(JSON.parse(await readFile(join(data, 'department-1', 'genesis.json'), 'utf8')).chainId, 'localnet-test');
});

test(
  'localnet N=4 with real nodes: BFT blocks, one department down, the other three go on',
  { timeout: 90_000 },
  async () => {
    const data = join(work, 'real4');
    const [p2p, apiBase] = await freeRanges(4);
    const net = startLocalnet({ data, validators: '4', 'base-port': String(p2p), 'api-base-port': String(apiBase), 'log-level': 'warn' });
    const table = await net.ready();
    assert.equal(table.nodes.length, 4);
    const heightOf = async (api: string): Promise<number> => (await status(api)).height;
    // Every node commits blocks, and they agree on the chain.
    let heights: number[] = [];
    await until('height 3 on every node', async () => (heights = await Promise.all(table.nodes.map((n) => heightOf(n.api)))).every((h) => h >= 3), 30_000).catch((e: Error) => {
      throw new Error(`${e.message} (heights ${heights.join(', ')})\n${net.stderr()}`);
    });
    // One department goes down (f = 1 of 4): the others keep committing.
    process.kill(table.nodes[3]!.pid, 'SIGKILL');
    await until('the report', () => /Department 4's node stopped unexpectedly \(killed by SIGKILL\); 3 of 4/.test(net.stderr()));
    const h = await heightOf(table.nodes[0]!.api);
    await until('progress without Department 4', async () => (await heightOf(table.nodes[0]!.api)) >= h + 2, 30_000);
    net.child.kill('SIGTERM');
    assert.deepEqual(await net.exited, { code: 0, signal: null });
    for (const n of table.nodes) assert.ok(!alive(n.pid));
  },
);
