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

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
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
