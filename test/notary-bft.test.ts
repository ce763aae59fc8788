/**
 * Aggregated notary hashes on a BFT network of four departments plus an
 * observer, as real `polity start` processes on loopback:
 *
 * - hashes queued at a validator are anchored by whichever validator
 *   proposes next, not only in that node's own proposals (one block in four);
 * - hashes queued at an observer (a node that never proposes) are anchored
 *   too: it forwards its batch to the validators;
 * - each receipt, served by the node that took the hashes, verifies offline
 *   with the receipt verifier and with `polity verify`.
 *
 * The speed of anchoring is a benchmark matter; here the test waits
 * generously and prints the heights it saw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPair, type KeyPair } from '../src/crypto/ed25519.js';
import type { Genesis } from '../src/ledger/genesis.js';
import { verifyReceipt } from '../src/ledger/receipt-verify.js';
import { readNetworkFile, runInitNetwork, writeNetworkFile } from '../src/cli/network-init.js';
import type { Io } from '../src/cli/io.js';
import { main } from '../src/main.js';
import { signedFetch } from '../src/sdk/http-auth.js';
import { freePort, freePortRange, tempDir } from './helpers.js';
import { type Dept, quietIo, signalAll, startNode, waitFor } from './node-procs.js';

async function get(d: Dept, path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(d.api + path, { signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
const heightOf = async (d: Dept): Promise<number> => {
  try {
    return (await get(d, '/v1/status')).body.height as number;
  } catch {
    return -1;
  }
};

/** A node beside the four departments: its own key, the same genesis, the validators as peers; with `admit`, every validator lets it in (an observer). */
async function observerNode(root: string, slugs: readonly string[], name: string, admit: boolean): Promise<{ key: KeyPair; dept: Dept }> {
  const key = generateKeyPair();
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'node-key.json'), JSON.stringify(key), { mode: 0o600 });
  await writeFile(join(dir, 'genesis.json'), await readFile(join(root, slugs[0]!, 'genesis.json')));
  const api = await freePort();
  const nets = await Promise.all(slugs.map((s) => readNetworkFile(join(root, s))));
  await writeNetworkFile(dir, {
    listen: { host: '127.0.0.1', port: await freePort() },
    api: { host: '127.0.0.1', port: api },
    peers: nets.map((n, i) => ({ name: slugs[i]!, pubKey: JSON.parse(readFileSync(join(root, slugs[i]!, 'node-key.json'), 'utf8')).publicKey, host: '127.0.0.1', port: n.listen.port })),
  });
  if (admit) for (const [i, s] of slugs.entries()) await writeNetworkFile(join(root, s), { ...nets[i]!, observers: [...(nets[i]!.observers ?? []), key.publicKey] }, { overwrite: true });
  return { key, dept: { name: `${name} (${admit ? 'observer' : 'let in by no validator'})`, dir, api: `http://127.0.0.1:${api}`, log: [] } };
}

/** Queue documents' hashes at `d` (a signed request by `client`); wait until `d` reports each anchored; the heights and block proposers. */
async function anchorAt(d: Dept, client: KeyPair, docs: readonly Buffer[], timeoutMs: number): Promise<{ heights: number[]; submittedAt: number }> {
  const hashes = docs.map((doc) => createHash('sha256').update(doc).digest('hex'));
  const submittedAt = await heightOf(d);
  const res = await signedFetch(`${d.api}/v1/notary/batch`, { method: 'POST', body: JSON.stringify({ hashes }), signal: AbortSignal.timeout(10_000) }, { keyId: client.publicKey, secretKey: client.secretKey });
  const body = (await res.json()) as { status: string; count: number };
  assert.equal(res.status, 202, `${d.name} queues the hashes: ${JSON.stringify(body)}`);
  const heights: number[] = [];
  for (const hash of hashes) {
    await waitFor(`${d.name} to anchor ${hash.slice(0, 12)}`, async () => (await get(d, `/v1/notary/hashes/${hash}`)).body.status === 'anchored', timeoutMs);
    heights.push((await get(d, `/v1/notary/hashes/${hash}`)).body.height as number);
  }
  return { heights, submittedAt };
}

/** The receipt of `doc` from `d`, checked offline: the receipt verifier, then `polity verify` with the genesis file. */
async function verifyOffline(d: Dept, root: string, genesis: Genesis, doc: Buffer, name: string): Promise<any> {
  const hash = createHash('sha256').update(doc).digest('hex');
  const { status, body: receipt } = await get(d, `/v1/notary/receipts/${hash}`);
  assert.equal(status, 200, `${d.name} serves the receipt: ${JSON.stringify(receipt)}`);
  const verdict = verifyReceipt(receipt, genesis, { documentHash: hash });
  assert.ok(verdict.ok, `the receipt verifies offline: ${JSON.stringify(verdict)}`);
  const file = join(root, `${name}.txt`);
  await writeFile(file, doc);
  await writeFile(`${file}.receipt.json`, JSON.stringify(receipt));
  const lines: string[] = [];
  const io: Io = { out: (l) => lines.push(l), err: (l) => lines.push(l), progress: () => {}, isTty: false };
  const code = await main(['verify', file, `${file}.receipt.json`, '--genesis', join(root, 'department-1', 'genesis.json'), '--json'], io);
  assert.equal(code, 0, `polity verify accepts the receipt: ${lines.join('\n')}`);
  assert.equal(JSON.parse(lines.join('\n')).ok, true);
  return receipt;
}

test('aggregated hashes queued at any validator or at an observer are anchored by whichever validator proposes, and their receipts verify offline', { timeout: 240_000 }, async () => {
  const root = await tempDir('polity-notary-bft-');
  const p2pBase = await freePortRange(8);
  const apiBase = await freePortRange(8);
  assert.equal(await runInitNetwork({ validators: '4', data: root, 'base-port': String(p2pBase), 'api-base-port': String(apiBase), json: false }, [], quietIo), 0);
  const slugs = ['department-1', 'department-2', 'department-3', 'department-4'];
  const validators: Dept[] = slugs.map((slug, i) => ({ name: slug, dir: join(root, slug), api: `http://127.0.0.1:${apiBase + i}`, log: [] }));
  const genesis = JSON.parse(await readFile(join(root, slugs[0]!, 'genesis.json'), 'utf8')) as Genesis;
  const { key: observerKey, dept: observer } = await observerNode(root, slugs, 'archive', true);
  const { dept: stranger } = await observerNode(root, slugs, 'stranger', false);
  const all = [...validators, observer, stranger];
  const keyOf = (slug: string): string => JSON.parse(readFileSync(join(root, slug, 'node-key.json'), 'utf8')).publicKey as string;
  for (const d of all) startNode(d);
  const client = generateKeyPair();
  try {
    await waitFor('the validators and the observer to reach height 2', async () => (await Promise.all([...validators, observer].map(heightOf))).every((h) => h >= 2), 60_000);

    // Both checks run whatever the first one finds; the test fails at the end with every problem.
    const problems: string[] = [];

    // At one validator, several rounds: its batches must not wait for its own turn to propose.
    const b = validators[1]!;
    const bKey = keyOf(slugs[1]!);
    const proposers: string[] = [];
    for (let round = 0; round < 6; round++) {
      const docs = Array.from({ length: 20 }, (_, i) => Buffer.from(`validator round ${round} document ${i} ${Math.random()}`));
      const { heights, submittedAt } = await anchorAt(b, client, docs, 30_000);
      const receipt = await verifyOffline(b, root, genesis, docs[0]!, `validator-${round}`);
      const block = (await get(b, `/v1/blocks/${heights[0]}`)).body;
      proposers.push(block.header.proposer as string);
      console.log(`round ${round}: queued at ${b.name} at height ${submittedAt}, anchored at ${heights[0]} by ${block.header.proposer === bKey ? 'the same node' : 'another validator'}; receipt ${receipt.hash.slice(0, 12)} verified offline`);
    }
    if (!proposers.some((p) => p !== bKey)) {
      problems.push(`in six rounds, no batch queued at ${b.name} was anchored in another validator's block (proposers: ${proposers.map((p) => p.slice(0, 8)).join(', ')})`);
    }

    // At the observer: it never proposes, so its batch must reach the validators.
    try {
      const docs = Array.from({ length: 20 }, (_, i) => Buffer.from(`observer document ${i} ${Math.random()}`));
      const { heights, submittedAt } = await anchorAt(observer, client, docs, 45_000);
      console.log(`observer: queued at height ${submittedAt}, anchored at ${heights[0]}`);
      const lookup = (await get(observer, `/v1/notary/hashes/${createHash('sha256').update(docs[3]!).digest('hex')}`)).body;
      assert.equal(lookup.signer, observerKey.publicKey, 'the observer signed the batch it aggregated');
      await verifyOffline(observer, root, genesis, docs[3]!, 'observer');
    } catch (e) {
      problems.push(`observer: ${(e as Error).message}`);
    }

    // A node that proposes nothing and reaches no validator refuses the batch: no block would ever take it.
    const refused = await signedFetch(`${stranger.api}/v1/notary/batch`, { method: 'POST', body: JSON.stringify({ hashes: [createHash('sha256').update('stranded').digest('hex')] }), signal: AbortSignal.timeout(10_000) }, { keyId: client.publicKey, secretKey: client.secretKey });
    const answer = (await refused.json()) as { code?: string; status?: string };
    console.log(`a node no validator lets in answers ${refused.status} ${JSON.stringify(answer)}`);
    if (refused.status !== 503 || answer.code !== 'NOTARY_NO_VALIDATOR') problems.push(`a node with no link to a validator answered ${refused.status} ${JSON.stringify(answer)}, not 503 NOTARY_NO_VALIDATOR`);
    assert.deepEqual(problems, [], 'hashes are anchored whichever node took them, or refused where no block would take them');
  } catch (e) {
    for (const d of all) process.stderr.write(`--- ${d.name}\n${d.log.join('').slice(-2500)}\n`);
    throw e;
  } finally {
    signalAll('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await rm(root, { recursive: true, force: true });
  }
});
