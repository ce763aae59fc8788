/**
 * E-invoices as stories on an in-memory chain: a shop (a member business)
 * issues an invoice to a person, known only by a DID, and one to another
 * business; the buyers acknowledge; the consortium designates a welfare
 * agency as reimbursing and the tax bureau as tax authority; the agency
 * reimburses once. Every refusal has its own code: unknown invoice, not the
 * seller, not the buyer, voided, already reimbursed (also within one block,
 * and by a second agency), duplicate number, oversized, not acknowledged,
 * not a designated reimburser.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { generateKeyPair, type KeyPair } from '../../crypto/ed25519.js';
import { didKeyFromPublicKey } from '../../crypto/multikey.js';
import { builtinModules } from '../index.js';
import { createTestChain, testGenesis, testOrg, type TestChain } from '../test-chain.js';
import { signConsent } from '../org/consent-sign.js';
import { didPolityFromKey } from '../did/method.js';
import { AMOUNT_MAX, countKey, getInvoice, invoicesModule, isCalendarDate, isDesignated, NUMBER_CHARS_MAX, PAGE_SIZE, type Invoice } from './module.js';
import { listInvoices, publicSummary } from './queries.js';

const MODULES = builtinModules.some((m) => m.name === 'invoices') ? builtinModules : [...builtinModules, invoicesModule];
const HASH = 'ab'.repeat(32);

interface World {
  chain: TestChain;
  admins: Record<'shop' | 'welfare' | 'tax' | 'bakery' | 'health', KeyPair>;
  invoicer: KeyPair;
  reimburser: KeyPair;
  /** A reimburser of an organisation that was never designated. */
  rogue: KeyPair;
  /** A second designated agency's reimburser. */
  health: KeyPair;
  citizen: KeyPair;
  did: string;
  stranger: KeyPair;
}

function register(chain: TestChain, admin: KeyPair, org: string, key: KeyPair, roles: string[]): void {
  const consent = signConsent({ chainId: chain.genesis.chainId, org, use: 'official', publicKey: key.publicKey, secretKey: key.secretKey }).signature;
  const r = chain.run(admin, 'org', 'propose', { org, op: { type: 'registerOfficial', key: key.publicKey, roles, consent } });
  assert.equal(r.code, 'OK', r.message);
}

/** Governance decides (enough organisations vote yes), and anyone enacts the decision. */
function decide(w: World, decision: Record<string, unknown>): string {
  const id = w.chain.run(w.admins.tax, 'gov', 'propose', { change: { type: 'serviceDecision', module: 'invoices', decision } }).txId;
  for (const a of [w.admins.welfare, w.admins.bakery, w.admins.health]) w.chain.run(a, 'gov', 'vote', { id, approve: true });
  const enacted = w.chain.run(w.stranger, 'invoices', 'enact', { proposal: id });
  assert.equal(enacted.code, 'OK', enacted.message);
  return id;
}

function world(): World {
  const orgs = [testOrg('shop'), testOrg('welfare'), testOrg('tax'), testOrg('bakery'), testOrg('health')];
  const chain = createTestChain(testGenesis(orgs), MODULES);
  const admins = Object.fromEntries(orgs.map((o) => [o.id, o.admins[0]!])) as World['admins'];
  const citizen = generateKeyPair();
  const w: World = { chain, admins, invoicer: generateKeyPair(), reimburser: generateKeyPair(), rogue: generateKeyPair(), health: generateKeyPair(), citizen, did: didKeyFromPublicKey(citizen.publicKey), stranger: generateKeyPair() };
  register(chain, admins.shop, 'shop', w.invoicer, ['invoicer']);
  register(chain, admins.welfare, 'welfare', w.reimburser, ['reimburser']);
  register(chain, admins.bakery, 'bakery', w.rogue, ['reimburser', 'invoicer']);
  register(chain, admins.health, 'health', w.health, ['reimburser']);
  decide(w, { type: 'designate', org: 'welfare', function: 'reimburser' });
  decide(w, { type: 'designate', org: 'health', function: 'reimburser' });
  decide(w, { type: 'designate', org: 'tax', function: 'tax-authority' });
  return w;
}

const issueArgs = (over: Record<string, unknown> = {}) => ({ number: 'INV-2026-0001', buyer: 'bakery', amount: 12_550, currency: 'EUR', date: '2026-11-30', documentHash: HASH, ...over });
const ref = (number = 'INV-2026-0001') => ({ seller: 'shop', number });
const inv = (w: World, number = 'INV-2026-0001'): Invoice => getInvoice(w.chain.get, 'shop', number)!;

test('an invoice to a person by DID: issued, acknowledged by the DID key, reimbursed once; each step with its block, tx and time', () => {
  const w = world();
  const issued = w.chain.run(w.invoicer, 'invoices', 'issue', issueArgs({ buyer: w.did }));
  assert.equal(issued.code, 'OK', issued.message);
  assert.equal(inv(w).status, 'issued');
  assert.equal(w.chain.run(w.citizen, 'invoices', 'acknowledge', ref()).code, 'OK');
  const paid = w.chain.run(w.reimburser, 'invoices', 'reimburse', { ...ref(), reference: 'cd'.repeat(32) });
  assert.equal(paid.code, 'OK', paid.message);
  const i = inv(w);
  assert.equal(i.status, 'reimbursed');
  assert.deepEqual(i.events.map((e) => e.type), ['issued', 'acknowledged', 'reimbursed']);
  assert.equal(i.events[0]!.txId, issued.txId);
  assert.equal(i.events[2]!.txId, paid.txId);
  assert.equal(i.events[2]!.org, 'welfare');
  assert.equal(i.events[2]!.reference, 'cd'.repeat(32));
  assert.equal(i.events[1]!.org, undefined, 'a person acting by DID acts for no organisation');
  assert.ok(i.events.every((e, k) => k === 0 || e.height > i.events[k - 1]!.height));
  assert.ok(i.events.every((e) => e.time === w.chain.genesis.genesisTime + e.height * 1000));
  // Personal data: the person appears as the DID only, and no index gathers a person's invoices.
  assert.equal(i.buyer, w.did);
  assert.ok(![...w.chain.state.keys()].some((k) => k.startsWith('invoices/') && k.includes(w.did)));
  // A second reimbursement — by the same agency or another designated one — is refused, and changes nothing.
  const before = JSON.stringify(inv(w));
  assert.equal(w.chain.run(w.reimburser, 'invoices', 'reimburse', ref()).code, 'INVOICES_ALREADY_REIMBURSED');
  assert.equal(w.chain.run(w.health, 'invoices', 'reimburse', ref()).code, 'INVOICES_ALREADY_REIMBURSED');
  assert.equal(JSON.stringify(inv(w)), before);
  // Nor can the seller void it now.
  assert.equal(w.chain.run(w.invoicer, 'invoices', 'void', { ...ref(), reason: 'issued-in-error' }).code, 'INVOICES_ALREADY_REIMBURSED');
});

test('two reimbursements of one invoice in one block: the first in block order holds, the second is refused', () => {
  const w = world();
  w.chain.run(w.invoicer, 'invoices', 'issue', issueArgs());
  assert.equal(w.chain.run(w.admins.bakery, 'invoices', 'acknowledge', ref()).code, 'OK', 'an admin of the buying organisation acknowledges');
  const { results } = w.chain.block([
    { key: w.health, module: 'invoices', action: 'reimburse', args: ref() },
    { key: w.reimburser, module: 'invoices', action: 'reimburse', args: ref() },
  ]);
  assert.deepEqual(results.map((r) => r.code), ['OK', 'INVOICES_ALREADY_REIMBURSED']);
  assert.equal(inv(w).events.at(-1)!.org, 'health');
});

test('the buyer acknowledges: an official of the buying organisation, or the DID key in force — nobody else', () => {
  const w = world();
  w.chain.run(w.invoicer, 'invoices', 'issue', issueArgs());
  assert.equal(w.chain.run(w.stranger, 'invoices', 'acknowledge', ref()).code, 'INVOICES_NOT_BUYER');
  assert.equal(w.chain.run(w.invoicer, 'invoices', 'acknowledge', ref()).code, 'INVOICES_NOT_BUYER', 'the seller cannot acknowledge for the buyer');
  assert.equal(w.chain.run(w.rogue, 'invoices', 'acknowledge', ref()).code, 'OK', 'an official of the buying organisation');
  assert.equal(w.chain.run(w.rogue, 'invoices', 'acknowledge', ref()).code, 'INVOICES_ALREADY_ACKNOWLEDGED');
  // A did:polity buyer: its key in force acknowledges; after a rotation the old key cannot.
  const holder = generateKeyPair();
  assert.equal(w.chain.run(holder, 'did', 'create', {}).code, 'OK');
  const did = didPolityFromKey(w.chain.genesis.chainId, holder.publicKey);
  assert.equal(w.chain.run(w.invoicer, 'invoices', 'issue', issueArgs({ number: 'P-1', buyer: did })).code, 'OK');
  assert.equal(w.chain.run(w.citizen, 'invoices', 'acknowledge', ref('P-1')).code, 'INVOICES_NOT_BUYER');
  assert.equal(w.chain.run(holder, 'invoices', 'acknowledge', ref('P-1')).code, 'OK');
  // A DID that does not exist is no buyer.
  assert.equal(w.chain.run(w.invoicer, 'invoices', 'issue', issueArgs({ number: 'P-2', buyer: 'did:polity:' + '0'.repeat(32) })).code, 'INVOICES_INVALID');
});

test('the seller voids before reimbursement, also after acknowledgement; a voided invoice is final', () => {
  const w = world();
  w.chain.run(w.invoicer, 'invoices', 'issue', issueArgs());
  w.chain.run(w.invoicer, 'invoices', 'issue', issueArgs({ number: 'INV-2' }));
  w.chain.run(w.rogue, 'invoices', 'acknowledge', ref('INV-2'));
  assert.equal(w.chain.run(w.rogue, 'invoices', 'void', { ...ref(), reason: 'issued-in-error' }).code, 'INVOICES_NOT_SELLER', "another business's invoicer");
  assert.equal(w.chain.run(w.invoicer, 'invoices', 'void', { ...ref(), reason: 'wrong-amount' }).code, 'OK');
  assert.equal(w.chain.run(w.invoicer, 'invoices', 'void', { ...ref('INV-2'), reason: 'cancelled-sale' }).code, 'OK', 'after acknowledgement, before reimbursement');
  assert.equal(inv(w).events.at(-1)!.reason, 'wrong-amount');
  assert.equal(w.chain.run(w.invoicer, 'invoices', 'void', { ...ref(), reason: 'duplicate' }).code, 'INVOICES_VOIDED');
  assert.equal(w.chain.run(w.rogue, 'invoices', 'acknowledge', ref()).code, 'INVOICES_VOIDED');
  assert.equal(w.chain.run(w.reimburser, 'invoices', 'reimburse', ref('INV-2')).code, 'INVOICES_VOIDED');
  // The number stays taken.
  assert.equal(w.chain.run(w.invoicer, 'invoices', 'issue', issueArgs()).code, 'INVOICES_DUPLICATE_NUMBER');
});

test('every bad input has its own code, and changes nothing but the nonce', () => {
  const w = world();
  w.chain.run(w.invoicer, 'invoices', 'issue', issueArgs());
  const cases: [KeyPair, string, Record<string, unknown>, string][] = [
    [w.invoicer, 'issue', issueArgs(), 'INVOICES_DUPLICATE_NUMBER'],
    [w.invoicer, 'issue', issueArgs({ number: 'N'.repeat(NUMBER_CHARS_MAX + 1) }), 'INVOICES_OVERSIZED'],
    [w.invoicer, 'issue', issueArgs({ number: 'X-1', amount: AMOUNT_MAX + 1 }), 'INVOICES_OVERSIZED'],
    [w.invoicer, 'issue', issueArgs({ number: 'bad/number' }), 'INVOICES_INVALID'],
    [w.invoicer, 'issue', issueArgs({ number: 'X-2', date: '2026-02-30' }), 'INVOICES_INVALID'],
    [w.invoicer, 'issue', issueArgs({ number: 'X-3', buyer: 'no-such-org' }), 'INVOICES_INVALID'],
    [w.invoicer, 'issue', issueArgs({ number: 'X-4', buyer: 'shop' }), 'INVOICES_INVALID'],
    [w.invoicer, 'issue', issueArgs({ number: 'X-5', amount: 0 }), 'TX_ARGS_INVALID'],
    [w.invoicer, 'issue', issueArgs({ number: 'X-6', currency: 'euro' }), 'TX_ARGS_INVALID'],
    [w.invoicer, 'issue', { ...issueArgs({ number: 'X-7' }), lines: [{ item: 'bread' }] }, 'TX_ARGS_INVALID'],
    [w.stranger, 'acknowledge', ref('INV-404'), 'INVOICES_UNKNOWN'],
    [w.invoicer, 'void', { ...ref('INV-404'), reason: 'duplicate' }, 'INVOICES_UNKNOWN'],
    [w.reimburser, 'reimburse', ref('INV-404'), 'INVOICES_UNKNOWN'],
    [w.reimburser, 'reimburse', ref(), 'INVOICES_NOT_ACKNOWLEDGED'],
    [w.rogue, 'reimburse', ref(), 'INVOICES_NOT_REIMBURSER'],
    [w.stranger, 'enact', { proposal: HASH }, 'INVOICES_DECISION_UNKNOWN'],
  ];
  for (const [key, action, args, code] of cases) {
    const before = new Map(w.chain.state);
    const r = w.chain.run(key, 'invoices', action, args);
    assert.equal(r.code, code, `${action} ${JSON.stringify(args).slice(0, 80)}: ${r.message}`);
    for (const [k, v] of w.chain.state) if (!k.startsWith('account/')) assert.deepEqual(v, before.get(k), `${action} changed ${k}`);
  }
  // Messages name seller and number, never a buyer's DID.
  w.chain.run(w.invoicer, 'invoices', 'issue', issueArgs({ number: 'D-1', buyer: w.did }));
  const r = w.chain.run(w.stranger, 'invoices', 'acknowledge', ref('D-1'));
  assert.equal(r.code, 'INVOICES_NOT_BUYER');
  assert.ok(!(r.message ?? '').includes(w.did));
});

test('designation: only the consortium designates; a decision is enacted once; a withdrawn agency stops reimbursing', () => {
  const w = world();
  assert.ok(isDesignated(w.chain.get, 'welfare', 'reimburser'));
  assert.ok(!isDesignated(w.chain.get, 'bakery', 'reimburser'));
  const id = decide(w, { type: 'withdraw', org: 'welfare', function: 'reimburser' });
  assert.equal(w.chain.run(w.stranger, 'invoices', 'enact', { proposal: id }).code, 'INVOICES_DECISION_ENACTED');
  w.chain.run(w.invoicer, 'invoices', 'issue', issueArgs());
  w.chain.run(w.rogue, 'invoices', 'acknowledge', ref());
  assert.equal(w.chain.run(w.reimburser, 'invoices', 'reimburse', ref()).code, 'INVOICES_NOT_REIMBURSER');
  // A decision for another service is not this one's.
  const other = w.chain.run(w.admins.tax, 'gov', 'propose', { change: { type: 'setParameter', name: 'votingSeconds', value: 500 } }).txId;
  assert.equal(w.chain.run(w.stranger, 'invoices', 'enact', { proposal: other }).code, 'INVOICES_DECISION_UNKNOWN');
});

test('listings are paged and bounded; the public summary leaves out buyer and amount; buyer organisations are indexed, persons are not', () => {
  const w = world();
  const n = PAGE_SIZE + 5;
  for (let i = 0; i < n; i += 100) w.chain.block(Array.from({ length: Math.min(100, n - i) }, (_, k) => ({ key: w.invoicer, module: 'invoices', action: 'issue', args: issueArgs({ number: `L-${i + k}`, buyer: (i + k) % 2 ? 'bakery' : w.did }) })));
  assert.equal(w.chain.get(countKey('seller', 'shop')), n);
  assert.equal(w.chain.get(countKey('buyer', 'bakery')), Math.floor(n / 2));
  const across = listInvoices(w.chain.get, 'seller', 'shop', PAGE_SIZE - 2, 100);
  assert.deepEqual(across.invoices.map((i) => i.number), ['L-998', 'L-999', 'L-1000', 'L-1001', 'L-1002', 'L-1003', 'L-1004']);
  assert.equal(listInvoices(w.chain.get, 'seller', 'shop', 0, 1_000).invoices.length, 100, 'at most 100 a page');
  assert.equal(listInvoices(w.chain.get, 'seller', 'shop', n, 10).invoices.length, 0);
  assert.equal(listInvoices(w.chain.get, 'buyer', 'bakery', 0, 3).invoices[0]!.number, 'L-1');
  assert.deepEqual(Object.keys(publicSummary(across.invoices[0]!)).sort(), ['changedAt', 'date', 'issuedAt', 'number', 'seller', 'status']);
});

test('property: any order of transitions keeps the lifecycle a path of issued → acknowledged → (voided | reimbursed), reimbursed at most once', () => {
  const w = world();
  w.chain.run(w.invoicer, 'invoices', 'issue', issueArgs());
  let k = 0;
  fc.assert(
    fc.property(fc.array(fc.constantFrom('ack', 'void', 'pay', 'pay2'), { minLength: 1, maxLength: 6 }), (steps) => {
      const number = `Q-${k++}`;
      assert.equal(w.chain.run(w.invoicer, 'invoices', 'issue', issueArgs({ number })).code, 'OK');
      let paid = 0;
      for (const s of steps) {
        const r =
          s === 'ack'
            ? w.chain.run(w.rogue, 'invoices', 'acknowledge', ref(number))
            : s === 'void'
              ? w.chain.run(w.invoicer, 'invoices', 'void', { ...ref(number), reason: 'duplicate' })
              : w.chain.run(s === 'pay' ? w.reimburser : w.health, 'invoices', 'reimburse', ref(number));
        if (s.startsWith('pay') && r.code === 'OK') paid++;
      }
      const i = inv(w, number);
      const path = i.events.map((e) => e.type).join(',');
      assert.ok(['issued', 'issued,acknowledged', 'issued,voided', 'issued,acknowledged,voided', 'issued,acknowledged,reimbursed'].includes(path), path);
      assert.ok(paid <= 1);
      assert.equal(paid === 1, i.status === 'reimbursed');
    }),
    { numRuns: 40, seed: 11 },
  );
});

test('calendar dates', () => {
  assert.ok(isCalendarDate('2024-02-29'));
  assert.ok(!isCalendarDate('2026-02-29'));
  assert.ok(!isCalendarDate('1900-02-29'));
  assert.ok(isCalendarDate('2000-02-29'));
  assert.ok(!isCalendarDate('2026-13-01'));
  assert.ok(!isCalendarDate('2026-04-31'));
});
