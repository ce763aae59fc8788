/**
 * What a service's part of `npm run bench` is written against
 * (src/services/<name>/bench.ts exports `benches: BenchPart[]`), and the
 * helpers they share: a node under load, signed transactions pushed through
 * the real pipeline, reads through the real routes.
 *
 * Every figure is printed beside a ceiling measured in the same run (the
 * machine's Ed25519 and SHA-256 rates, and the HTTP framework answering a
 * trivial route in process), so the ratio means the same on any machine.
 * Benchmarks print figures; they never assert a speed.
 */
import { availableParallelism } from 'node:os';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { FastifyInstance } from 'fastify';
import { generateKeyPair } from '../src/crypto/ed25519.js';
import type { Genesis } from '../src/ledger/genesis.js';
import type { SignedTx } from '../src/ledger/transaction.js';
import type { PolityNode } from '../src/node/node.js';
import { signRequest } from '../src/sdk/http-auth.js';
import { startTestNode, type TestNode } from '../test/helpers.js';
import { SERVICES } from '../src/services/index.js';
import { notaryHost } from '../src/services/notary/host.js';
import { DEFAULT_MEMPOOL } from '../src/node/mempool.js';
import { createVerifyPool } from '../src/node/verify-pool.js';

export interface Ceilings {
  ed25519VerifyOneCorePerSecond: number;
  ed25519VerifyAllCoresPerSecond: number;
  sha256PerSecond: number;
  /** Requests/s of a trivial route answered in process by the same HTTP framework. */
  httpTrivialPerSecond: number;
}

export interface BenchContext {
  readonly quick: boolean;
  readonly ceilings: Ceilings;
  say(line: string): void;
}

export interface BenchPart {
  /** Its name for `--only` (the service's name selects all its parts). */
  name: string;
  /** What it measures, in one line. */
  title: string;
  /** Run it, print its lines, and answer its figures for --json. */
  run(ctx: BenchContext): Promise<Record<string, number>>;
}

export const now = (): number => performance.now();
export const rate = (n: number, ms: number): number => Math.round((n / ms) * 1000);
export const fmt = (n: number): string => (Number.isFinite(n) ? n.toLocaleString('en-US') : '—');
export const ratio = (a: number, b: number): string => `${((a / b) * 100).toFixed(1)}%`;
/** A figure's line: label, value and unit, then what it is measured against. */
export const line = (label: string, value: number, unit: string, against: string): string => `  ${label.padEnd(36)} ${fmt(value).padStart(12)} ${unit.padEnd(9)} ${against}`;

/** A node with the node's defaults (group commit, a verify worker per core), listening on loopback. */
export async function withDefaultNode<T>(fn: (url: string, t: TestNode) => Promise<T>): Promise<T> {
  const t = await startTestNode({ listen: true, blockIntervalMs: 0, verifyWorkers: availableParallelism() });
  const { port } = t.app.server.address() as { port: number };
  try {
    return await fn(`http://127.0.0.1:${port}`, t);
  } finally {
    await t.close();
  }
}

/** A node tuned for load (large mempool, every core verifying), listening on loopback. */
export async function withNode<T>(fn: (url: string, t: TestNode) => Promise<T>): Promise<T> {
  const t = await startTestNode({
    listen: true,
    api: { bodyLimitBytes: 64 * 1024 * 1024 },
    blockIntervalMs: 200,
    verifyWorkers: availableParallelism(),
    mempool: { ...DEFAULT_MEMPOOL, txsMax: 400_000, bytesMax: 512 * 1024 * 1024, perSignerMax: 100_000, nonceWindow: 100_000, futureNonceWindow: 100_000, futureTxsMax: 400_000 },
    // Room for the aggregation benchmark's 2,000,000 hashes in flight.
    services: SERVICES.map((s) => (s.name === 'notary' ? { ...s, host: notaryHost({ pendingHashesMax: 16_000_000 }) } : s)),
  });
  const { port } = t.app.server.address() as { port: number };
  try {
    return await fn(`http://127.0.0.1:${port}`, t);
  } finally {
    await t.close();
  }
}

/** The bench client's key: it signs every request (RFC 9421), as `polity notarize` does. */
const requester = generateKeyPair();

export async function post(url: string, body: string): Promise<any> {
  const headers = { 'content-type': 'application/json' };
  const res = await fetch(url, { method: 'POST', headers: { ...headers, ...signRequest({ method: 'POST', url, headers, body, keyId: requester.publicKey, secretKey: requester.secretKey }) }, body });
  const data = await res.json();
  if (res.status >= 400) throw new Error(`${res.status} ${JSON.stringify(data).slice(0, 300)}`);
  return data;
}

export async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** `POST /v1/txs` bodies of 1,000 transactions each, as `committedPerSecond` sends them. */
function txBodies(txs: readonly SignedTx[]): string[] {
  const bodies: string[] = [];
  for (let i = 0; i < txs.length; i += 1000) bodies.push(JSON.stringify({ txs: txs.slice(i, i + 1000) }));
  return bodies;
}

/** What `committedPerSecond` measured. */
export interface CommittedFigures {
  txsPerSecond: number;
  blocks: number;
  failed: number;
  /** The main thread's CPU time (user + system, `process.threadCpuUsage`) over the window, per committed transaction, in microseconds. */
  mainThreadCpuUsPerTx: number;
  /** The throughput the main thread alone would allow on a machine with enough cores for the rest: 1e6 / mainThreadCpuUsPerTx. */
  impliedTxsPerSecond: number;
}

/**
 * Submit signed transactions through POST /v1/txs (1,000 a request, four in
 * flight) and wait until every one is committed: transactions committed per
 * second, from the first request to the last commit. Signing is the
 * clients' work, done before the clock starts; the client runs on its own
 * thread (client-worker.ts), so the main thread's CPU time over the window
 * is the node's alone.
 */
export async function committedPerSecond(url: string, node: PolityNode, txs: readonly SignedTx[]): Promise<CommittedFigures> {
  const bodies = txBodies(txs);
  const startHeight = node.height;
  let committed = 0;
  let failed = 0;
  let lastCommitAt = 0;
  let cpuAtLastCommit = { user: 0, system: 0 };
  const off = node.onCommit(({ block, results }) => {
    committed += block.txs.length;
    failed += results.filter((r) => r.code !== 'OK').length;
    lastCommitAt = now();
    cpuAtLastCommit = process.threadCpuUsage();
  });
  const client = new Worker(new URL('./client-worker.js', import.meta.url), { workerData: { url: `${url}/v1/txs`, bodies, concurrency: 4 } });
  await once(client, 'online');
  const cpu0 = process.threadCpuUsage();
  const t0 = now();
  const [{ failure }] = (await once(client, 'message')) as [{ failure?: string }];
  await client.terminate();
  if (failure !== undefined) {
    off();
    throw new Error(failure);
  }
  while (committed < txs.length) await new Promise((r) => setTimeout(r, 5));
  off();
  const cpuUs = cpuAtLastCommit.user - cpu0.user + (cpuAtLastCommit.system - cpu0.system);
  const mainThreadCpuUsPerTx = committed > 0 ? cpuUs / committed : 0;
  return {
    txsPerSecond: rate(committed, lastCommitAt - t0),
    blocks: node.height - startHeight,
    failed,
    mainThreadCpuUsPerTx: Math.round(mainThreadCpuUsPerTx * 10) / 10,
    impliedTxsPerSecond: mainThreadCpuUsPerTx > 0 ? Math.round(1e6 / mainThreadCpuUsPerTx) : 0,
  };
}

/**
 * The ceiling of `committedPerSecond` measured without the ledger: the same
 * transactions in the same bodies (1,000 a body, four in flight), each body
 * parsed and its transactions decoded, hashed and verified by the node's own
 * intake (a worker per core), and nothing else: no HTTP, no mempool, no block,
 * no execution, no storage. What a node could commit per second if all of
 * that cost nothing; run with no node alive, so it has the cores to itself.
 */
export async function intakeAlonePerSecond(txs: readonly SignedTx[], chainId: string): Promise<number> {
  const bodies = txBodies(txs);
  const verifier = createVerifyPool(availableParallelism());
  try {
    await verifier.intake([txs[0]], chainId); // the workers started and their code compiled
    let valid = 0;
    const t0 = now();
    await pool(bodies, 4, async (body) => {
      const results = await verifier.intake((JSON.parse(body) as { txs: unknown[] }).txs, chainId);
      for (const r of results) if (r.status === 'valid') valid++;
    });
    const ms = now() - t0;
    if (valid !== txs.length) throw new Error(`intake alone: ${txs.length - valid} of ${txs.length} transactions were not valid`);
    return rate(valid, ms);
  } finally {
    await verifier.close();
  }
}

/** Answers/s of `n` GET requests to `urls` (cycled), injected in process: the same path as a request off the socket, minus the socket. */
export async function readsPerSecond(app: FastifyInstance, urls: readonly string[], n: number): Promise<number> {
  for (const url of urls.slice(0, 10)) {
    const r = await app.inject({ method: 'GET', url });
    if (r.statusCode >= 400) throw new Error(`GET ${url} answered ${r.statusCode} ${r.body.slice(0, 200)}`);
  }
  const round = async (count: number): Promise<number> => {
    const t0 = now();
    await pool(
      Array.from({ length: count }, (_, i) => urls[i % urls.length]!),
      16,
      async (url) => {
        await app.inject({ method: 'GET', url });
      },
    );
    return rate(count, now() - t0);
  };
  await round(Math.ceil(n / 4)); // warm-up: the route's code compiled and its caches filled, as on a node that has been serving
  return round(n);
}

/** The ceiling of reads: the framework answering a trivial JSON route, injected the same way (on a worker thread: http-ceiling-worker.ts). */
export async function httpTrivialPerSecond(n: number): Promise<number> {
  const worker = new Worker(new URL('./http-ceiling-worker.js', import.meta.url), { workerData: { n } });
  const [rate] = (await once(worker, 'message')) as [number];
  await worker.terminate();
  return rate;
}

export type { Genesis, TestNode };
