/**
 * A one-node pilot grows into a four-validator BFT network without losing
 * its history (spec/operations.md, "Grow a pilot into a BFT network"):
 *
 *   1. `polity init` + `polity start`: a pilot on solo consensus notarises
 *      documents, and its receipts verify offline (`polity verify`);
 *   2. its validator proposes a set of four (validators.propose): scheduled
 *      at once, since it holds all the power;
 *   3. the pilot is restarted with network settings, three new departments
 *      start with the pilot's genesis and their own keys: they sync the
 *      solo blocks and from the new set's first height they run Tendermint;
 *   4. more documents are notarised; the set of four signs them;
 *   5. the pilot's old receipts still verify offline against the genesis,
 *      the new ones too (with the validator-set history they carry);
 *      nobody recorded an equivocation.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPair, type KeyPair } from '../src/crypto/ed25519.js';
import type { Genesis } from '../src/ledger/genesis.js';
import { signTx } from '../src/ledger/sign.js';
import { saveKeyFile } from '../src/node/key-file.js';
import { writeNetworkFile } from '../src/cli/network-init.js';
import { main } from '../src/main.js';
import { anchorTx, freePortRange, randomHash, tempDir } from './helpers.js';

const BIN = fileURLToPath(new URL('../../bin/polity.js', import.meta.url));
const children = new Set<ChildProcess>();
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

async function polity(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l), progress: () => {}, isTty: false });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

interface Dept {
  name: string;
  dir: string;
  api: string;
  apiPort: number;
  p2pPort: number;
  key: KeyPair;
  proc?: ChildProcess;
  log: string[];
}

function startNode(d: Dept): void {
  const proc = spawn(process.execPath, [BIN, 'start', '--data', d.dir, '--port', String(d.apiPort), '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (b: Buffer) => d.log.push(b.toString()));
  proc.stderr!.on('data', (b: Buffer) => d.log.push(b.toString()));
  children.add(proc);
  proc.on('exit', () => children.delete(proc));
  d.proc = proc;
}
async function stopNode(d: Dept): Promise<void> {
  const proc = d.proc!;
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await exited;
}
async function get(d: Dept, path: string): Promise<any> {
  const res = await fetch(d.api + path, { signal: AbortSignal.timeout(2000) });
  return res.json();
}
const statusOf = async (d: Dept): Promise<{ height: number; consensus: string } | undefined> => {
  try {
    return (await get(d, '/v1/status')) as { height: number; consensus: string };
  } catch {
    return undefined;
  }
};
const heightOf = async (d: Dept): Promise<number> => (await statusOf(d))?.height ?? -1;
async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

test('a one-node pilot with receipts grows to four validators, and its old receipts still verify offline', { timeout: 300_000 }, async () => {
  const root = await tempDir('polity-grow-');
  process.env.POLITY_KEY = join(root, 'client-key.json'); // the CLI's own key, not the user's
  const apiBase = await freePortRange(4);
  const p2pBase = await freePortRange(4);
  const names = ['Pilot Department', 'Tax Office', 'Land Registry', 'University'];
  assert.equal((await polity('keys', 'new')).code, 0);
  const pilotDir = join(root, 'pilot');
  const init = await polity('init', '--data', pilotDir, '--org', names[0]!);
  assert.equal(init.code, 0, init.err);
  const genesis = JSON.parse(await readFile(join(pilotDir, 'genesis.json'), 'utf8')) as Genesis;
  const pilotKey = JSON.parse(await readFile(join(pilotDir, 'node-key.json'), 'utf8')) as KeyPair;
  const depts: Dept[] = names.map((name, i) => ({
    name,
    dir: i === 0 ? pilotDir : join(root, `dept-${i}`),
    api: `http://127.0.0.1:${apiBase + i}`,
    apiPort: apiBase + i,
    p2pPort: p2pBase + i,
    key: i === 0 ? pilotKey : generateKeyPair(),
    log: [],
  }));
  const pilot = depts[0]!;
  try {
    // 1. The pilot, solo, notarises two documents; their receipts verify offline.
    startNode(pilot);
    await waitFor('the pilot to answer', async () => (await statusOf(pilot))?.consensus === 'solo');
    const docs = join(root, 'docs');
    await mkdir(docs);
    const oldDocs = ['deed-1.txt', 'deed-2.txt'].map((f) => join(docs, f));
    for (const [i, f] of oldDocs.entries()) await writeFile(f, `pilot document ${i}\n`);
    const receipts = join(root, 'receipts');
    const notarised = await polity('notarize', ...oldDocs, '--api', pilot.api, '--out', receipts);
    assert.equal(notarised.code, 0, notarised.err);
    for (const f of oldDocs) {
      const v = await polity('verify', f, join(receipts, `${f.split('/').at(-1)}.receipt.json`), '--genesis', join(pilotDir, 'genesis.json'));
      assert.equal(v.code, 0, `${v.out}\n${v.err}`);
    }
    const soloHeight = await heightOf(pilot);

    // 2. Its validator proposes the set of four; with all the power, the proposal schedules it.
    const set = depts.map((d) => ({ name: d.name, pubKey: d.key.publicKey, power: 1 }));
    const { nonce } = (await get(pilot, `/v1/accounts/${pilotKey.publicKey}`)) as { nonce: number };
    const proposal = signTx({ v: 1, chainId: genesis.chainId, module: 'validators', action: 'propose', args: { validators: set }, signer: pilotKey.publicKey, nonce }, pilotKey.secretKey);
    const res = await fetch(`${pilot.api}/v1/tx?wait=commit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(proposal), signal: AbortSignal.timeout(30_000) });
    const committed = (await res.json()) as { status?: string; result?: { code?: string }; height?: number };
    assert.equal(res.status, 200, JSON.stringify(committed));
    const scheduled = (await get(pilot, '/v1/validator-sets')) as { scheduled: { since: number; validators: unknown[] }[] };
    assert.equal(scheduled.scheduled[0]?.validators.length, 4, JSON.stringify(scheduled));
    const since = scheduled.scheduled[0]!.since;
    console.log(`pilot: ${soloHeight} solo blocks with receipts; the set of four signs from height ${since}`);
    assert.ok(since > soloHeight, JSON.stringify(scheduled));

    // Solo still decides the heights before the new set's first; at that height the solo engine stops and says so.
    const client = generateKeyPair();
    for (let i = 0; (await heightOf(pilot)) < since - 1; i++) {
      const tx = anchorTx(genesis, client, i, randomHash());
      await fetch(`${pilot.api}/v1/tx?wait=commit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(tx), signal: AbortSignal.timeout(30_000) });
    }
    const waiting = anchorTx(genesis, client, (await get(pilot, `/v1/accounts/${client.publicKey}`)).nonce as number, randomHash());
    assert.equal((await fetch(`${pilot.api}/v1/tx`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(waiting) })).status, 202);
    await waitFor('the solo engine to stop before the new set', async () => pilot.log.join('').includes('consensus.soloEnded'));
    assert.equal(await heightOf(pilot), since - 1, 'solo built nothing at the first height of the set of four');
    assert.match(pilot.log.join(''), new RegExp(`consensus.soloEnded height=${since} validators=4`));

    // 3. The pilot restarts with network settings; three departments join with its genesis and their own keys.
    await stopNode(pilot);
    for (const [i, d] of depts.entries()) {
      if (i > 0) {
        await mkdir(d.dir, { recursive: true });
        await copyFile(join(pilotDir, 'genesis.json'), join(d.dir, 'genesis.json'));
        await saveKeyFile(join(d.dir, 'node-key.json'), d.key);
      }
      const peers = depts.filter((p) => p !== d).map((p) => ({ name: p.name, pubKey: p.key.publicKey, host: '127.0.0.1', port: p.p2pPort }));
      await writeNetworkFile(d.dir, { listen: { host: '127.0.0.1', port: d.p2pPort }, api: { host: '127.0.0.1', port: d.apiPort }, peers });
    }
    for (const d of depts) startNode(d);
    // The set change is work the chain waits for, so its first height is decided; after it an idle chain makes no block.
    await waitFor('all four to run Tendermint at the new set', async () => {
      const all = await Promise.all(depts.map(statusOf));
      return all.every((s) => s?.consensus === 'bft' && s.height >= since);
    }, 120_000);

    // 4. More documents, signed by the set of four.
    const newDoc = join(docs, 'deed-3.txt');
    await writeFile(newDoc, 'after the growth\n');
    const later = await polity('notarize', newDoc, '--api', depts[2]!.api, '--out', receipts);
    assert.equal(later.code, 0, later.err);
    const newReceipt = JSON.parse(await readFile(join(receipts, 'deed-3.txt.receipt.json'), 'utf8')) as { header: { height: number }; certificate: { signatures: unknown[] } };
    assert.ok(newReceipt.header.height >= since);
    assert.ok(newReceipt.certificate.signatures.length >= 3, 'a block of the grown chain carries the signatures of more than two thirds of four');

    // 5. Old and new receipts verify offline against the genesis alone.
    for (const f of [...oldDocs, newDoc]) {
      const v = await polity('verify', f, join(receipts, `${f.split('/').at(-1)}.receipt.json`), '--genesis', join(depts[3]!.dir, 'genesis.json'));
      assert.equal(v.code, 0, `${f}: ${v.out}\n${v.err}`);
      console.log(`${f.split('/').at(-1)}: ${v.out.split('\n')[0]}`);
    }
    // Every node holds the pilot's solo blocks as they were, and nobody double-signed.
    for (const h of [1, soloHeight, since]) {
      // The block hash: each node keeps the precommits it collected, so certificates of BFT blocks may differ in who signed.
      const hashes = await Promise.all(depts.map(async (d) => (await get(d, `/v1/blocks/${h}`)).certificate?.blockHash as string));
      assert.equal(new Set(hashes).size, 1, `every node holds the same block ${h}`);
    }
    for (const d of depts) assert.deepEqual((await get(d, '/v1/evidence')).evidence, [], `${d.name} recorded no equivocation`);
  } catch (e) {
    for (const d of depts) process.stderr.write(`--- ${d.name} height ${await heightOf(d)}\n${d.log.join('').slice(-3000)}\n`);
    throw e;
  } finally {
    for (const d of depts) if (d.proc && d.proc.exitCode === null) d.proc.kill('SIGTERM');
  }
});
