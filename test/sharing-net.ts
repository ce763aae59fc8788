/**
 * A BFT network of four departments as real `polity start` processes on
 * loopback, for the data-sharing tests (test/sharing-*.test.ts): starting,
 * stopping and restarting a node, signed transactions and signed API
 * requests, officials and datasets, and the canary scan's readers — every
 * raw file of a data directory, every key and value of a node's chain store
 * read back (blocks, results, state: LevelDB compresses its tables, so raw
 * bytes alone could hide a value), its log lines, the decrypted P2P frames
 * it received (POLITY_TEST_P2P_TAP), and the error answers the test saw.
 */
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPair, type KeyPair } from '../src/crypto/ed25519.js';
import { genesisHash as hashOfGenesis, type Genesis } from '../src/ledger/genesis.js';
import { signTx } from '../src/ledger/sign.js';
import { decodeTx, type SignedTx } from '../src/ledger/transaction.js';
import { runInitNetwork } from '../src/cli/network-init.js';
import { P2P_TAP_ENV } from '../src/cli/run-node.js';
import type { Io } from '../src/cli/io.js';
import { signConsent as signOrgConsent } from '../src/services/org/consent-sign.js';
import { signedFetch } from '../src/sdk/http-auth.js';
import { createChainStore } from '../src/storage/chain-store.js';
import { freePortRange, tempDir } from './helpers.js';

const BIN = fileURLToPath(new URL('../../bin/polity.js', import.meta.url));
const children = new Set<ChildProcess>();
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});
const quietIo: Io = { out: () => {}, err: () => {}, progress: () => {}, isTty: false };

export interface Dept {
  slug: string;
  dir: string;
  api: string;
  /** Everything the process wrote to stdout and stderr, every start. */
  log: string[];
  /** Decrypted P2P frames it received (outside its data directory). */
  tap: string;
  admin: KeyPair;
  proc?: ChildProcess;
}

export interface Net {
  root: string;
  genesis: Genesis;
  depts: Dept[];
  /** Every error answer the test received (for the scan). */
  errors: string[];
  sign(key: KeyPair, module: string, action: string, args: Record<string, unknown>): SignedTx;
  /** Submit to `d`, wait for the commit; the result code (and the id). */
  commit(d: Dept, tx: SignedTx): Promise<{ code: string; id: string; height?: number }>;
  ok(d: Dept, tx: SignedTx, what: string): Promise<{ id: string; height: number }>;
  get(d: Dept, path: string): Promise<any>;
  /** A signed API request by `key` (RFC 9421); the status and the parsed body. */
  call(d: Dept, key: KeyPair, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  official(d: Dept, key: KeyPair, role: string): Promise<void>;
  start(d: Dept): void;
  stop(d: Dept): Promise<void>;
  height(d: Dept): Promise<number>;
  waitFor(what: string, check: () => Promise<boolean>, timeoutMs?: number): Promise<void>;
}

export async function startNet(orgs: readonly string[]): Promise<Net> {
  const root = await tempDir('polity-sharing-bft-');
  const p2pBase = await freePortRange(8);
  const apiBase = await freePortRange(8);
  assert.equal(await runInitNetwork({ validators: String(orgs.length), data: root, orgs: orgs.join(','), 'base-port': String(p2pBase), 'api-base-port': String(apiBase), json: false }, [], quietIo), 0);
  const slugs = orgs.map((o) => o.toLowerCase().replace(/[^a-z0-9]+/g, '-'));
  const genesis = JSON.parse(await readFile(join(root, slugs[0]!, 'genesis.json'), 'utf8')) as Genesis;
  const depts: Dept[] = await Promise.all(
    slugs.map(async (slug, i) => ({ slug, dir: join(root, slug), api: `http://127.0.0.1:${apiBase + i}`, log: [], tap: join(root, `tap-${slug}.bin`), admin: JSON.parse(await readFile(join(root, slug, 'admin-key.json'), 'utf8')) as KeyPair })),
  );
  const errors: string[] = [];
  const nonces = new Map<string, number>();
  const net: Net = {
    root,
    genesis,
    depts,
    errors,
    sign(key, module, action, args) {
      const nonce = nonces.get(key.publicKey) ?? 0;
      nonces.set(key.publicKey, nonce + 1);
      return signTx({ v: 1, chainId: genesis.chainId, module, action, args: args as never, signer: key.publicKey, nonce }, key.secretKey);
    },
    async commit(d, tx) {
      const res = await fetch(`${d.api}/v1/tx?wait=commit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(tx), signal: AbortSignal.timeout(30_000) });
      const text = await res.text();
      const body = JSON.parse(text) as { result?: { code: string }; code?: string; height?: number };
      if (body.result?.code !== 'OK') errors.push(text);
      return { code: body.result?.code ?? `not committed: ${body.code}`, id: decodeTx(tx).id, ...(body.height !== undefined ? { height: body.height } : {}) };
    },
    async ok(d, tx, what) {
      const r = await net.commit(d, tx);
      assert.equal(r.code, 'OK', what);
      return { id: r.id, height: r.height! };
    },
    async get(d, path) {
      const res = await fetch(d.api + path, { signal: AbortSignal.timeout(5000) });
      const text = await res.text();
      if (res.status >= 400) errors.push(text);
      return JSON.parse(text);
    },
    async call(d, key, method, path, body) {
      const res = await signedFetch(d.api + path, { method, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), signal: AbortSignal.timeout(60_000) }, { keyId: key.publicKey, secretKey: key.secretKey });
      const text = await res.text();
      if (res.status >= 400) errors.push(text);
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    async official(d, key, role) {
      const consent = signOrgConsent({ chainId: genesis.chainId, org: d.slug, use: 'official', publicKey: key.publicKey, secretKey: key.secretKey }).signature;
      await net.ok(d, net.sign(d.admin, 'org', 'propose', { org: d.slug, op: { type: 'registerOfficial', key: key.publicKey, roles: [role], consent } }), `register a ${role} of ${d.slug}`);
    },
    start(d) {
      const proc = spawn(process.execPath, [BIN, 'start', '--data', d.dir, '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, [P2P_TAP_ENV]: d.tap } });
      proc.stdout!.on('data', (b: Buffer) => d.log.push(b.toString()));
      proc.stderr!.on('data', (b: Buffer) => d.log.push(b.toString()));
      children.add(proc);
      proc.on('exit', () => children.delete(proc));
      d.proc = proc;
    },
    async stop(d) {
      const proc = d.proc;
      if (!proc || proc.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      });
    },
    async height(d) {
      try {
        const res = await fetch(d.api + '/v1/status', { signal: AbortSignal.timeout(2000) });
        return ((await res.json()) as { height: number }).height;
      } catch {
        return -1;
      }
    },
    async waitFor(what, check, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
  for (const d of depts) net.start(d);
  await net.waitFor('all four nodes to commit block 2', async () => (await Promise.all(depts.map((d) => net.height(d)))).every((h) => h >= 2), 60_000);
  return net;
}

export const newKey = generateKeyPair;

// --- the canary scan ------------------------------------------------------------------

/** Every file under `dir`, with its bytes. */
export async function rawFiles(dir: string): Promise<{ path: string; bytes: Buffer }[]> {
  const out: { path: string; bytes: Buffer }[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push({ path: p, bytes: await readFile(p) });
    }
  };
  await walk(dir);
  return out;
}

/** Every key and value of a stopped node's chain store (blocks, results, state, indexes), read through LevelDB. */
export async function storeEntries(dataDir: string, genesisHash: string): Promise<Buffer> {
  const store = createChainStore(join(dataDir, 'chain'));
  await store.open(genesisHash);
  const parts: Buffer[] = [];
  try {
    let after: string | undefined;
    for (;;) {
      const chunk = await store.scanChunk(after, 10_000, (key, value) => void parts.push(Buffer.from(key), Buffer.from(value)));
      assert.equal(chunk.damage, undefined, `the chain store of ${dataDir} reads back whole`);
      if (chunk.next === undefined) break;
      after = chunk.next;
    }
  } finally {
    await store.close();
  }
  return Buffer.concat(parts);
}

export interface ScanReport {
  /** Where each needle was found: "<dept> <channel>" (channel: store, raw-file, log, p2p, errors). */
  found: Map<string, string[]>;
  bytesScanned: number;
}

/** Search every channel of every given node (stopped) for each needle. */
export async function canaryScan(net: Net, depts: readonly Dept[], needles: readonly string[]): Promise<ScanReport> {
  const found = new Map<string, string[]>(needles.map((n) => [n, []]));
  let bytesScanned = 0;
  const look = (where: string, bytes: Buffer): void => {
    bytesScanned += bytes.length;
    for (const n of needles) if (bytes.includes(n)) found.get(n)!.push(where);
  };
  for (const d of depts) {
    look(`${d.slug} store`, await storeEntries(d.dir, hashOfGenesisFile(net)));
    for (const f of await rawFiles(d.dir)) look(`${d.slug} raw-file ${f.path.slice(d.dir.length + 1)}`, f.bytes);
    look(`${d.slug} log`, Buffer.from(d.log.join('')));
    const tap = await stat(d.tap).then(() => readFile(d.tap), () => Buffer.alloc(0));
    look(`${d.slug} p2p`, tap);
  }
  look('errors', Buffer.from(net.errors.join('\n')));
  return { found, bytesScanned };
}

let genesisHashCache: string | undefined;
function hashOfGenesisFile(net: Net): string {
  genesisHashCache ??= hashOfGenesis(net.genesis);
  return genesisHashCache;
}
