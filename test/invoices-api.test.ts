/**
 * Invoices end to end on a real node, the way people use them: the
 * consortium admits a corner shop as a member (one founding organisation,
 * whose vote is the share) and designates the founding department as
 * reimbursing agency and tax authority with `polity invoice propose` and
 * `enact`; the shop's invoicer issues an invoice to a person known by a
 * did:key with `polity invoice issue --document` (only the hash leaves the
 * machine); the person acknowledges with their own key; the agency
 * reimburses once, and a second `polity invoice reimburse` is refused with
 * INVOICES_ALREADY_REIMBURSED. Then the lifecycle through the API and
 * `polity invoice show`, the public listing (no buyers or amounts) and the
 * tax view — a signed request of the tax inspector answers, anyone else is
 * refused (401 unsigned, 403 INVOICES_NOT_TAX_AUTHORITY signed by the shop).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { main } from '../src/main.js';
import type { Io } from '../src/cli/io.js';
import { generateKeyPair, type KeyPair } from '../src/crypto/ed25519.js';
import { didKeyFromPublicKey } from '../src/crypto/multikey.js';
import { signTx } from '../src/ledger/sign.js';
import { adminKeyPath } from '../src/node/data-dir.js';
import { signConsent } from '../src/services/org/consent-sign.js';
import { commitTx, startTestNode, tempDir, type TestNode } from './helpers.js';

let t: TestNode;
let api: string;
let work: string;
let agency: string;
const files: Record<'admin' | 'shopAdmin' | 'invoicer' | 'reimburser' | 'inspector' | 'citizen', string> = {} as never;
const keys = {} as Record<keyof typeof files, KeyPair>;

async function cli(key: keyof typeof files | undefined, args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), progress: () => {}, isTty: false };
  const code = await main([...args, '--api', api, ...(key ? ['--key', files[key]] : [])], io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const commit = (key: KeyPair, module: string, action: string, args: Record<string, unknown>): Promise<void> => commitTx(t, key, module, action, args);

const official = (org: string, key: KeyPair, role: string) => ({
  org,
  op: { type: 'registerOfficial', key: key.publicKey, roles: [role], consent: signConsent({ chainId: t.genesis.chainId, org, use: 'official', publicKey: key.publicKey, secretKey: key.secretKey }).signature },
});

async function decide(args: string[]): Promise<void> {
  const proposed = await cli('admin', ['invoice', 'propose', ...args]);
  assert.equal(proposed.code, 0, proposed.err);
  const id = /proposal ([0-9a-f]{64}) executed/.exec(proposed.out)?.[1];
  assert.ok(id, proposed.out);
  const enacted = await cli('admin', ['invoice', 'enact', id]);
  assert.equal(enacted.code, 0, enacted.err);
}

before(async () => {
  t = await startTestNode({ listen: true });
  api = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  work = await tempDir('polity-invoices-');
  agency = t.genesis.organisations![0]!.id;
  files.admin = adminKeyPath(t.dir);
  keys.admin = JSON.parse(await readFile(files.admin, 'utf8')) as KeyPair;
  for (const name of ['shopAdmin', 'invoicer', 'reimburser', 'inspector', 'citizen'] as const) {
    keys[name] = generateKeyPair();
    files[name] = join(work, `${name}.json`);
    await writeFile(files[name], JSON.stringify(keys[name]), { mode: 0o600 });
  }
  // While the department is the only member its vote is the share: it designates itself, then admits the shop.
  await decide(['designate', '--org', agency, '--function', 'reimburser']);
  await decide(['designate', '--org', agency, '--function', 'tax-authority']);
  // The consortium admits the shop, permitted in the invoices module only.
  await commit(keys.admin, 'gov', 'propose', { change: { type: 'addOrganisation', organisation: { id: 'corner-shop', name: 'Corner Shop Ltd', admins: [keys.shopAdmin.publicKey], threshold: 1, nodes: [], permissions: ['invoices'] } } });
  await commit(keys.shopAdmin, 'org', 'propose', official('corner-shop', keys.invoicer, 'invoicer'));
  await commit(keys.admin, 'org', 'propose', official(agency, keys.reimburser, 'reimburser'));
  await commit(keys.admin, 'org', 'propose', official(agency, keys.inspector, 'tax-inspector'));
});
after(async () => {
  await t?.close();
});

test('an invoice from issuance to a single reimbursement, with polity invoice and the API', async () => {
  const document = join(work, 'invoice-0042.pdf');
  const bytes = new TextEncoder().encode('%PDF-1.7 Corner Shop Ltd — invoice 0042 — 2 × bread, 1 × milk\n');
  await writeFile(document, bytes);
  const did = didKeyFromPublicKey(keys.citizen.publicKey);

  const issued = await cli('invoicer', ['invoice', 'issue', '--number', 'CS-0042', '--buyer', did, '--amount', '1250', '--currency', 'EUR', '--date', '2026-12-04', '--document', document]);
  assert.equal(issued.code, 0, issued.err);
  assert.match(issued.out, /^issued invoice CS-0042 at height \d+$/);
  const again = await cli('invoicer', ['invoice', 'issue', '--number', 'CS-0042', '--buyer', did, '--amount', '1', '--currency', 'EUR', '--date', '2026-12-04', '--hash', 'ab'.repeat(32)]);
  assert.equal(again.code, 1);
  assert.match(again.err, /INVOICES_DUPLICATE_NUMBER/);

  const early = await cli('reimburser', ['invoice', 'reimburse', 'corner-shop', 'CS-0042']);
  assert.equal(early.code, 1);
  assert.match(early.err, /INVOICES_NOT_ACKNOWLEDGED/);
  const notBuyer = await cli('inspector', ['invoice', 'acknowledge', 'corner-shop', 'CS-0042']);
  assert.match(notBuyer.err, /INVOICES_NOT_BUYER/);
  const ack = await cli('citizen', ['invoice', 'acknowledge', 'corner-shop', 'CS-0042']);
  assert.equal(ack.code, 0, ack.err);

  const paid = await cli('reimburser', ['invoice', 'reimburse', 'corner-shop', 'CS-0042', '--reference', 'cd'.repeat(32)]);
  assert.equal(paid.code, 0, paid.err);
  const twice = await cli('reimburser', ['invoice', 'reimburse', 'corner-shop', 'CS-0042']);
  assert.equal(twice.code, 1);
  assert.match(twice.err, /^polity invoice reimburse: INVOICES_ALREADY_REIMBURSED: /);
  const voidLate = await cli('invoicer', ['invoice', 'void', 'corner-shop', 'CS-0042', '--reason', 'issued-in-error']);
  assert.match(voidLate.err, /INVOICES_ALREADY_REIMBURSED/);

  // The lifecycle: the document's hash, and each step with block, tx and time.
  const life = await t.app.inject({ method: 'GET', url: '/v1/invoices/corner-shop/CS-0042' });
  assert.equal(life.statusCode, 200);
  const { invoice } = life.json() as { invoice: { status: string; buyer: string; amount: number; documentHash: string; events: { type: string; height: number; txId: string; time: number; org?: string }[] } };
  assert.equal(invoice.status, 'reimbursed');
  assert.equal(invoice.buyer, did);
  assert.equal(invoice.amount, 1250);
  assert.equal(invoice.documentHash, createHash('sha256').update(bytes).digest('hex'));
  assert.deepEqual(invoice.events.map((e) => [e.type, e.org ?? null]), [['issued', 'corner-shop'], ['acknowledged', null], ['reimbursed', agency]]);
  for (const e of invoice.events) {
    const tx = (await t.app.inject({ method: 'GET', url: `/v1/txs/${e.txId}` })).json() as { height?: number; result?: { code: string } };
    assert.equal(tx.height, e.height, `${e.type} is in block ${e.height}`);
    assert.equal(tx.result?.code, 'OK');
    assert.ok(e.time >= t.genesis.genesisTime);
  }
  const shown = await cli(undefined, ['invoice', 'show', 'corner-shop', 'CS-0042']);
  assert.equal(shown.code, 0, shown.err);
  assert.match(shown.out, /^invoice CS-0042 of corner-shop: reimbursed/);
  assert.match(shown.out, /reimbursed\s+block \d+ tx [0-9a-f]{16}… .* by /);
  const unknown = await t.app.inject({ method: 'GET', url: '/v1/invoices/corner-shop/CS-9999' });
  assert.deepEqual([unknown.statusCode, unknown.json().code], [404, 'INVOICES_UNKNOWN']);
});

test('the public listing leaves out buyers and amounts; the tax view is for the designated tax authority only', async () => {
  await cli('invoicer', ['invoice', 'issue', '--number', 'CS-0043', '--buyer', agency, '--amount', '990000', '--currency', 'EUR', '--date', '2026-12-05', '--hash', 'ef'.repeat(32)]);
  const listed = await cli(undefined, ['invoice', 'list', 'corner-shop', '--json']);
  assert.equal(listed.code, 0, listed.err);
  const pub = JSON.parse(listed.out) as { total: number; invoices: Record<string, unknown>[] };
  assert.ok(pub.total >= 2);
  assert.ok(pub.invoices.every((i) => !('buyer' in i) && !('amount' in i) && !('documentHash' in i)));
  const asBuyer = (await t.app.inject({ method: 'GET', url: `/v1/invoices/${agency}?side=buyer` })).json() as { total: number };
  assert.equal(asBuyer.total, 1, 'an organisation that buys has its buyer listing');

  const tax = await cli('inspector', ['invoice', 'list', 'corner-shop', '--tax', '--json']);
  assert.equal(tax.code, 0, tax.err);
  const view = JSON.parse(tax.out) as { taxAuthority: string; invoices: { number: string; amount: number; buyer: string }[] };
  assert.equal(view.taxAuthority, agency);
  assert.deepEqual(view.invoices.map((i) => [i.number, i.amount]), [['CS-0042', 1250], ['CS-0043', 990000]]);

  const unsigned = await t.app.inject({ method: 'GET', url: '/v1/tax/invoices/corner-shop' });
  assert.deepEqual([unsigned.statusCode, unsigned.json().code], [401, 'AUTH_REQUIRED']);
  const shop = await cli('invoicer', ['invoice', 'list', 'corner-shop', '--tax']);
  assert.equal(shop.code, 1);
  assert.match(shop.err, /INVOICES_NOT_TAX_AUTHORITY/);
  const reimburser = await cli('reimburser', ['invoice', 'list', 'corner-shop', '--tax']);
  assert.match(reimburser.err, /INVOICES_NOT_TAX_AUTHORITY/, 'an official of the tax authority without the role tax-inspector');
  const designations = (await t.app.inject({ method: 'GET', url: '/v1/invoice-designations' })).json() as { organisations: { org: string; functions: string[] }[] };
  assert.deepEqual(designations.organisations, [{ org: agency, functions: ['reimburser', 'tax-authority'] }]);
});
