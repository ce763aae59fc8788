/**
 * The double reimbursement, on a BFT network of four departments running as
 * real `polity start` processes on loopback: two reimbursements of the same
 * invoice, signed by two officials of the reimbursing agency, are sent at
 * the same moment to two different validators. Both are admitted (the
 * mempool checks signatures and nonces, not invoices); consensus orders
 * them; the state machine runs in that order on every node. Exactly one
 * commits as OK, the other commits as refused with
 * INVOICES_ALREADY_REIMBURSED, and every node agrees: the same results at
 * the same heights and the same invoice record, naming the same
 * reimbursement.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPair, type KeyPair } from '../src/crypto/ed25519.js';
import { didKeyFromPublicKey } from '../src/crypto/multikey.js';
import type { Genesis } from '../src/ledger/genesis.js';
import { signTx } from '../src/ledger/sign.js';
import { decodeTx, type SignedTx } from '../src/ledger/transaction.js';
import { runInitNetwork } from '../src/cli/network-init.js';
import { signConsent } from '../src/services/org/consent-sign.js';
import { freePortRange, tempDir } from './helpers.js';
import { type Dept, quietIo, signalAll, startNode, waitFor } from './node-procs.js';

async function get(d: Dept, path: string): Promise<any> {
  const res = await fetch(d.api + path, { signal: AbortSignal.timeout(2000) });
  return res.json();
}
const heightOf = async (d: Dept): Promise<number> => {
  try {
    return ((await get(d, '/v1/status')) as { height: number }).height;
  } catch {
    return -1;
  }
};

const ORGS = ['Welfare Agency', 'Corner Shop', 'Tax Office', 'Health Department'];

test('two reimbursements of one invoice sent at once to two validators: exactly one holds, the other is refused with INVOICES_ALREADY_REIMBURSED on every node', { timeout: 120_000 }, async () => {
  const root = await tempDir('polity-invoices-bft-');
  const p2pBase = await freePortRange(8);
  const apiBase = await freePortRange(8);
  assert.equal(await runInitNetwork({ validators: '4', data: root, orgs: ORGS.join(','), 'base-port': String(p2pBase), 'api-base-port': String(apiBase), json: false }, [], quietIo), 0);
  const slugs = ['welfare-agency', 'corner-shop', 'tax-office', 'health-department'];
  const depts: Dept[] = slugs.map((slug, i) => ({ name: slug, dir: join(root, slug), api: `http://127.0.0.1:${apiBase + i}`, log: [] }));
  const genesis = JSON.parse(await readFile(join(root, slugs[0]!, 'genesis.json'), 'utf8')) as Genesis;
  const adminOf = async (slug: string): Promise<KeyPair> => JSON.parse(await readFile(join(root, slug, 'admin-key.json'), 'utf8')) as KeyPair;
  const [welfare, shop, taxOffice, health] = await Promise.all(slugs.map(adminOf)) as [KeyPair, KeyPair, KeyPair, KeyPair];
  for (const d of depts) startNode(d);
  const t0 = Date.now();

  const nonces = new Map<string, number>();
  const sign = (key: KeyPair, module: string, action: string, args: Record<string, unknown>): SignedTx => {
    const nonce = nonces.get(key.publicKey) ?? 0;
    nonces.set(key.publicKey, nonce + 1);
    return signTx({ v: 1, chainId: genesis.chainId, module, action, args: args as never, signer: key.publicKey, nonce }, key.secretKey);
  };
  /** Submit to `d` and wait for the commit; the result code. */
  const commit = async (d: Dept, tx: SignedTx): Promise<string> => {
    const res = await fetch(`${d.api}/v1/tx?wait=commit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(tx), signal: AbortSignal.timeout(20_000) });
    const body = (await res.json()) as { result?: { code: string; message?: string }; code?: string };
    return body.result?.code ?? `not committed: ${body.code}`;
  };
  const ok = async (d: Dept, tx: SignedTx, what: string): Promise<void> => assert.equal(await commit(d, tx), 'OK', what);
  const official = (org: string, admin: KeyPair, key: KeyPair, role: string) =>
    sign(admin, 'org', 'propose', { org, op: { type: 'registerOfficial', key: key.publicKey, roles: [role], consent: signConsent({ chainId: genesis.chainId, org, use: 'official', publicKey: key.publicKey, secretKey: key.secretKey }).signature } });

  try {
    const [first, second] = depts as [Dept, Dept, Dept, Dept];
    await waitFor('all four nodes to commit block 2', async () => (await Promise.all(depts.map(heightOf))).every((h) => h >= 2), 60_000);

    // The agency registers two reimbursers, the shop an invoicer; the consortium designates the agency.
    const [payerA, payerB, invoicer, citizen] = [generateKeyPair(), generateKeyPair(), generateKeyPair(), generateKeyPair()];
    await Promise.all([
      (async () => {
        await ok(first, official('welfare-agency', welfare, payerA, 'reimburser'), 'register reimburser A');
        await ok(first, official('welfare-agency', welfare, payerB, 'reimburser'), 'register reimburser B');
      })(),
      ok(second, official('corner-shop', shop, invoicer, 'invoicer'), 'register invoicer'),
      (async () => {
        const propose = sign(taxOffice, 'gov', 'propose', { change: { type: 'serviceDecision', module: 'invoices', decision: { type: 'designate', org: 'welfare-agency', function: 'reimburser' } } });
        await ok(first, propose, 'propose the designation');
        const id = decodeTx(propose).id;
        await Promise.all([ok(second, sign(health, 'gov', 'vote', { id, approve: true }), 'vote'), ok(first, sign(shop, 'gov', 'vote', { id, approve: true }), 'vote')]);
        await ok(first, sign(generateKeyPair(), 'invoices', 'enact', { proposal: id }), 'enact');
      })(),
    ]);
    // The shop invoices a person (a did:key); the person acknowledges.
    await ok(second, sign(invoicer, 'invoices', 'issue', { number: 'CS-2026-77', buyer: didKeyFromPublicKey(citizen.publicKey), amount: 4_990, currency: 'EUR', date: '2026-12-04', documentHash: 'ab'.repeat(32) }), 'issue');
    await ok(first, sign(citizen, 'invoices', 'acknowledge', { seller: 'corner-shop', number: 'CS-2026-77' }), 'acknowledge');

    // The race: two reimbursements, two signers, two validators, at the same moment.
    const ref = { seller: 'corner-shop', number: 'CS-2026-77' };
    const txs = [sign(payerA, 'invoices', 'reimburse', ref), sign(payerB, 'invoices', 'reimburse', ref)];
    const ids = txs.map((tx) => decodeTx(tx).id);
    const codes = await Promise.all([commit(first, txs[0]!), commit(second, txs[1]!)]);
    assert.deepEqual([...codes].sort(), ['INVOICES_ALREADY_REIMBURSED', 'OK'], `results: ${codes.join(', ')}`);
    const winner = codes.indexOf('OK');

    // Every node agrees: the same results at the same places, and the same invoice.
    const top = Math.max(...(await Promise.all(depts.map(heightOf))));
    await waitFor(`every node at height ${top}`, async () => (await Promise.all(depts.map(heightOf))).every((h) => h >= top));
    const places: string[] = [];
    for (const id of ids) {
      const seen = await Promise.all(depts.map((d) => get(d, `/v1/txs/${id}`)));
      assert.equal(new Set(seen.map((s) => `${s.status}@${s.height}:${s.index}=${s.result?.code}`)).size, 1, `transaction ${id.slice(0, 12)} is the same on every node: ${JSON.stringify(seen.map((s) => [s.status ?? s.code, s.height, s.index, s.result?.code]))}`);
      assert.equal(seen[0].status, 'committed');
      places.push(`block ${seen[0].height} #${seen[0].index}`);
    }
    const records = await Promise.all(depts.map((d) => get(d, '/v1/invoices/corner-shop/CS-2026-77')));
    for (const r of records) assert.deepEqual(r.invoice, records[0].invoice);
    const invoice = records[0].invoice as { status: string; events: { type: string; txId: string; key: string }[] };
    assert.equal(invoice.status, 'reimbursed');
    assert.deepEqual(invoice.events.map((e) => e.type), ['issued', 'acknowledged', 'reimbursed']);
    assert.equal(invoice.events[2]!.txId, ids[winner]);
    assert.equal(invoice.events[2]!.key, [payerA, payerB][winner]!.publicKey);
    console.log(`race: ${codes.join(' / ')} (${places.join(', ')}); both committed, agreed on 4 nodes; ${Date.now() - t0} ms from start`);
  } catch (e) {
    for (const d of depts) process.stderr.write(`--- ${d.name}\n${d.log.join('').slice(-2000)}\n`);
    throw e;
  } finally {
    signalAll('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await rm(root, { recursive: true, force: true });
  }
});
