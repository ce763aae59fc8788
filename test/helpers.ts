/** Shared fixtures for integration tests: a temp data dir, an in-process node and API, signed transactions. */
import { mkdtemp, rm } from 'node:fs/promises';
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

/**
 * The first of `count` consecutive free loopback ports, for a network whose
 * nodes take base, base + 1, … (`polity init --validators`). Picked below the
 * ephemeral range, where no concurrently running test's listen(0) or
 * connection can take one between this check and the node's start, and
 * checked by binding every port of the range.
 */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = RANGE_FLOOR + Math.floor(Math.random() * (RANGE_CEILING - RANGE_FLOOR - count));
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
      // a port of the range is taken: try another range
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
