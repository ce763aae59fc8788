/** Shared fixtures for integration tests: a temp data dir, an in-process node and API, signed transactions. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { mkdirSync, openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { generateKeyPair, type KeyPair } from '../src/crypto/ed25519.js';
import { createApi, type ApiOptions } from '../src/api/server.js';
import { SERVICES } from '../src/services/index.js';
import type { ServiceDefinition } from '../src/services/service.js';
import { initDataDir } from '../src/node/data-dir.js';
import { createLogger } from '../src/node/log.js';
import { createNode, type NodeOptions, type PolityNode } from '../src/node/node.js';
import { signTx } from '../src/ledger/sign.js';
import type { SignedTx, TxBody } from '../src/ledger/transaction.js';
import type { Genesis } from '../src/ledger/genesis.js';

/**
 * Test keys are throwaway plaintext files: the `polity` processes and
 * in-process commands of the tests use them (POLITY_PLAINTEXT_KEYS=allow,
 * inherited by every child that gets process.env). Tests of the refusal
 * itself (keys-sealed, start-config) run `polity` with an environment of
 * their own, without it.
 */
process.env.POLITY_PLAINTEXT_KEYS ??= 'allow';

export async function tempDir(prefix = 'polity-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export interface TestNode {
  dir: string;
  node: PolityNode;
  app: FastifyInstance;
  genesis: Genesis;
  close(): Promise<void>;
}

/** A node with its API in this process. `services`: what it runs (default: every registered service), for the node and the API alike. */
export async function startTestNode(options: Partial<Omit<NodeOptions, 'services'>> & { services?: readonly ServiceDefinition<any>[]; listen?: boolean; api?: Partial<ApiOptions> } = {}): Promise<TestNode> {
  const { listen, api, services = SERVICES, ...nodeOptions } = options;
  const dir = await tempDir();
  const created = await initDataDir(dir);
  const node = await createNode({
    dataDir: dir,
    genesis: created.genesis,
    nodeSecretKey: created.nodeKey.secretKey,
    services,
    log: createLogger('silent'),
    blockIntervalMs: 20,
    verifyWorkers: 1,
    ...nodeOptions,
  });
  const app = await createApi(node, { services, ...api });
  if (listen) await app.listen({ port: 0, host: '127.0.0.1' });
  await node.start();
  return {
    dir,
    node,
    app,
    genesis: created.genesis,
    async close() {
      await app.close();
      await node.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Sign a transaction with `key`'s next nonce, submit it to the test node, wait for its block, and require it to succeed (OK). */
export async function commitTx(t: TestNode, key: KeyPair, module: string, action: string, args: Record<string, unknown>): Promise<void> {
  const { nonce } = (await t.app.inject({ method: 'GET', url: `/v1/accounts/${key.publicKey}` })).json() as { nonce: number };
  const tx = signTx({ v: 1, chainId: t.genesis.chainId, module, action, args: args as never, signer: key.publicKey, nonce }, key.secretKey);
  const done = (await t.app.inject({ method: 'POST', url: '/v1/tx?wait=commit', payload: tx })).json() as { result?: { code: string; message?: string } };
  if (done.result?.code !== 'OK') throw new Error(`${module}.${action} did not commit OK: ${JSON.stringify(done)}`);
}

export function anchorTx(genesis: Genesis, key: KeyPair, nonce: number, hash: string, extra: Partial<TxBody> = {}): SignedTx {
  return signTx({ v: 1, chainId: genesis.chainId, module: 'notary', action: 'anchor', args: { hash }, signer: key.publicKey, nonce, ...extra }, key.secretKey);
}

export function randomHash(): string {
  return Buffer.from(generateKeyPair().publicKey, 'hex').toString('hex');
}

/** A free loopback port for a node started later (below the ephemeral range: see freePortRange). */
export async function freePort(): Promise<number> {
  return freePortRange(1);
}

/** Ports below the kernel's ephemeral range (32768-60999 here): a port the system hands out for listen(0) or an outgoing connection is never one of these. */
const RANGE_FLOOR = 20_000;
const RANGE_CEILING = 32_000;

/** Where test processes on this machine claim the ports they hand out: one file per port, holding the claimer's pid. */
export const PORT_CLAIMS_DIR = join(tmpdir(), 'polity-test-ports');
const claimedHere = new Set<number>();
process.on('exit', () => {
  for (const port of claimedHere) {
    try {
      unlinkSync(join(PORT_CLAIMS_DIR, String(port)));
    } catch {
      // already gone
    }
  }
});

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Claim one port for this process: false when this or another live test process claimed it already. */
function claimPort(port: number): boolean {
  if (claimedHere.has(port)) return false;
  const path = join(PORT_CLAIMS_DIR, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      claimedHere.add(port);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let owner = NaN;
      try {
        owner = Number(readFileSync(path, 'utf8'));
      } catch {
        // removed meanwhile: try again
      }
      if (Number.isSafeInteger(owner) && owner > 0 && alive(owner)) return false;
      try {
        unlinkSync(path); // a claim left by a process that died
      } catch {
        // another process took it over first
      }
    }
  }
  return false;
}

/**
 * Claim `count` consecutive ports from `base` for this test process, all or
 * none: two test files running side by side never hand out the same port,
 * even between a check and the start of the node that binds it.
 */
export function claimPorts(base: number, count: number): boolean {
  mkdirSync(PORT_CLAIMS_DIR, { recursive: true });
  const got: number[] = [];
  for (let i = 0; i < count; i++) {
    if (!claimPort(base + i)) {
      for (const port of got) {
        claimedHere.delete(port);
        try {
          unlinkSync(join(PORT_CLAIMS_DIR, String(port)));
        } catch {
          // already gone
        }
      }
      return false;
    }
    got.push(base + i);
  }
  return true;
}

/**
 * The first of `count` consecutive free loopback ports, for a network whose
 * nodes take base, base + 1, … (`polity init --validators`). Picked below the
 * ephemeral range, where no listen(0) or outgoing connection can take one;
 * claimed for this process (claimPorts), so that no other test process hands
 * out the same ports between this check and the node's start; and checked
 * by binding every port of the range, for anything else that holds one.
 */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = RANGE_FLOOR + Math.floor(Math.random() * (RANGE_CEILING - RANGE_FLOOR - count));
    if (!claimPorts(base, count)) continue;
    const servers: ReturnType<typeof createServer>[] = [];
    try {
      for (let i = 0; i < count; i++) {
        const srv = createServer();
        servers.push(srv);
        await new Promise<void>((resolve, reject) => {
          srv.once('error', reject);
          srv.listen(base + i, '127.0.0.1', () => resolve());
        });
      }
      return base;
    } catch {
      // a port of the range is taken by something else: keep the claim (it stays unusable) and try another range
    } finally {
      await Promise.all(servers.map((srv) => new Promise<void>((resolve) => (srv.listening ? srv.close(() => resolve()) : resolve()))));
    }
  }
  throw new Error(`no range of ${count} free ports found between ${RANGE_FLOOR} and ${RANGE_CEILING}`);
}

export async function until<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Debian's Chromium, driven by playwright-core in the browser tests, with the flags a sandboxed CI machine needs. */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'];

/** Resident memory of a process, MiB (Linux). */
export async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

export interface NodeWatch {
  /** Resident memory when the watch began, MiB. */
  rssBefore: number;
  /** The most seen while it ran, MiB. */
  rssPeak: number;
  /** Latencies of GET /v1/status, ms, and their status codes (0: no answer). */
  latencies: number[];
  statusCodes: number[];
}

/**
 * Watch a node process during a flood, as an operator would: its resident
 * memory, sampled every 25 ms, and the latency of a cheap read
 * (GET /v1/status), probed every `probeEveryMs` after `probeAfterMs`.
 * `stop()` ends both and returns what they saw.
 */
export async function watchNode(pid: number, url: string, options: { probeEveryMs?: number; probeAfterMs?: number } = {}): Promise<{ stop(): Promise<NodeWatch> }> {
  const watch: NodeWatch = { rssBefore: await rssMiB(pid), rssPeak: 0, latencies: [], statusCodes: [] };
  watch.rssPeak = watch.rssBefore;
  let watching = true;
  const sampler = (async () => {
    while (watching) {
      watch.rssPeak = Math.max(watch.rssPeak, await rssMiB(pid).catch(() => watch.rssPeak));
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  const prober = (async () => {
    await new Promise((r) => setTimeout(r, options.probeAfterMs ?? 0));
    while (watching) {
      const t0 = performance.now();
      const res = await fetch(`${url}/v1/status`, { signal: AbortSignal.timeout(30_000) }).catch(() => undefined);
      watch.latencies.push(performance.now() - t0);
      watch.statusCodes.push(res?.status ?? 0);
      if (res) await res.arrayBuffer();
      await new Promise((r) => setTimeout(r, options.probeEveryMs ?? 50));
    }
  })();
  return {
    async stop() {
      watching = false;
      await Promise.all([sampler, prober]);
      return watch;
    },
  };
}

/** The lines a flood test prints about a watch: status latency and memory. */
export function describeWatch(w: NodeWatch, during = 'during the flood'): string[] {
  return [
    `GET /v1/status ${during}: ${w.latencies.length} answers, median ${median(w.latencies).toFixed(0)} ms, max ${Math.max(...w.latencies).toFixed(0)} ms`,
    `node RSS: ${w.rssBefore.toFixed(0)} MiB before, ${w.rssPeak.toFixed(0)} MiB at most ${during} (+${(w.rssPeak - w.rssBefore).toFixed(0)} MiB)`,
  ];
}
