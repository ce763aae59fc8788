/**
 * The worked flows of data sharing on a BFT network of four real
 * `polity start` processes (test/sharing-net.ts): bank-to-bank KYC with the
 * customer's consent (seed 003: bank B obtains the customer's verified
 * identity from bank A), and a patient letting one hospital read records
 * another holds. Each step prints what it showed; the "only once" flow and
 * the acceptance scenario are in test/sharing-bft.test.ts.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { toHex } from '../src/crypto/bytes.js';
import { didKeyFromPublicKey } from '../src/crypto/multikey.js';
import { signConsent } from '../src/services/sharing/consent.js';
import { subjectKeyPair } from '../src/services/sharing/pseudonym.js';
import { accessKey, recordKey } from '../src/services/sharing/module.js';
import { newKey, rawFiles, startNet, type Dept, type Net } from './sharing-net.js';

const ORGS = ['Bank A', 'Bank B', 'North Hospital', 'South Hospital'];
const hex32 = (): string => toHex(randomBytes(32));
let net: Net;
const t0 = Date.now();
const step = (text: string): void => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${text}`);

before(async () => {
  net = await startNet(ORGS);
});
after(async () => {
  for (const d of net?.depts ?? []) await net.stop(d);
});

interface Flow {
  holder: Dept;
  reader: Dept;
  dataset: { name: string; title: string; fields: string[]; legalBasis: string };
  record: Record<string, string>;
  consentFields: string[];
  purpose: string;
}

/** Holder defines the dataset and stores the subject's record; the subject consents; the reader asks and fetches; the subject finds the entry. */
async function runFlow(f: Flow): Promise<{ fields: Record<string, unknown>; entry: Record<string, unknown> }> {
  const [steward, officer] = [newKey(), newKey()];
  await Promise.all([net.official(f.holder, steward, 'data-steward'), net.official(f.reader, officer, 'data-requester')]);
  await net.ok(f.holder, net.sign(steward, 'sharing', 'defineDataset', { name: f.dataset.name, title: f.dataset.title, fields: f.dataset.fields.map((name) => ({ name, sensitivity: 'personal' })), sensitivity: 'personal', legalBasis: f.dataset.legalBasis, terms: [], retentionDays: 3650 }), 'define the dataset');
  const secret = new Uint8Array(randomBytes(32));
  const key = subjectKeyPair(secret, net.genesis.chainId, f.holder.slug, f.dataset.name);
  const subject = didKeyFromPublicKey(key.publicKey);
  const stored = await net.call(f.holder, steward, 'POST', '/v1/sharing/store/records', { dataset: f.dataset.name, subject, fields: f.record, retentionUntil: Date.now() + 86_400_000 });
  assert.equal(stored.status, 201, JSON.stringify(stored.body));
  step(`${f.holder.slug} holds the record (${Object.keys(f.record).join(', ')}), commitment ${stored.body.commitment.slice(0, 12)}… on the chain`);
  const consent = { type: 'polity-sharing-consent', v: 1, chainId: net.genesis.chainId, id: hex32(), subject, holder: f.holder.slug, dataset: f.dataset.name, fields: f.consentFields, recipient: f.reader.slug, purpose: f.purpose, until: Date.now() + 3_600_000 };
  await net.ok(f.reader, net.sign(newKey(), 'sharing', 'grantConsent', { consent, signature: signConsent(consent as never, key.secretKey) }), 'consent');
  step(`the person consents: ${f.reader.slug} may read ${f.consentFields.join(', ')} for "${f.purpose}"`);
  const id = hex32();
  await net.ok(f.reader, net.sign(officer, 'sharing', 'request', { id, holder: f.holder.slug, dataset: f.dataset.name, fields: f.consentFields, subject, purpose: f.purpose, consent: consent.id }), 'request');
  const read = await net.call(f.reader, officer, 'POST', '/v1/sharing/store/fetch', { request: id });
  assert.equal(read.status, 200, JSON.stringify(read.body));
  // The holder's node answered once the access entry was committed there; the reader's node has it a block later at most.
  const entryAt = async () => (await net.get(f.reader, `/v1/state?key=${encodeURIComponent(accessKey(read.body.entry))}`)).value as Record<string, unknown> | null;
  await net.waitFor("the access entry on the reader's node", async () => (await entryAt()) != null);
  const entry = (await entryAt())!;
  step(`${f.reader.slug} read ${Object.keys(read.body.records[0].fields).join(', ')} from ${f.holder.slug}'s node, checked against the commitment; the person's log has entry ${String(read.body.entry).slice(0, 12)}… (${entry.org}, "${entry.purpose}", ${entry.outcome})`);
  return { fields: read.body.records[0].fields, entry };
}

test("bank-to-bank KYC: bank B obtains the customer's verified identity from bank A with the customer's consent", { timeout: 60_000 }, async () => {
  const s0 = Date.now();
  const [bankA, bankB] = net.depts as [Dept, Dept];
  const { fields, entry } = await runFlow({
    holder: bankA,
    reader: bankB,
    dataset: { name: 'kyc', title: 'Verified customer identities', fields: ['fullName', 'birthDate', 'idDocument', 'verifiedAt', 'riskLevel'], legalBasis: 'Anti-Money Laundering Act s. 11' },
    record: { fullName: 'Grace Hopper', birthDate: '1906-12-09', idDocument: 'P-55501234', verifiedAt: '2026-11-02', riskLevel: 'low' },
    consentFields: ['fullName', 'birthDate', 'verifiedAt'],
    purpose: 'account opening: verify identity',
  });
  assert.deepEqual(fields, { fullName: 'Grace Hopper', birthDate: '1906-12-09', verifiedAt: '2026-11-02' }, 'the consented fields; the document number and risk level stay with bank A');
  assert.deepEqual([entry.org, entry.holder, entry.outcome, entry.channel], ['bank-b', 'bank-a', 'granted', 'transfer']);
  console.log(`KYC flow: ${((Date.now() - s0) / 1000).toFixed(1)} s`);
});

test('a patient lets one hospital read records another holds', { timeout: 60_000 }, async () => {
  const s0 = Date.now();
  const [, , north, south] = net.depts as [Dept, Dept, Dept, Dept];
  const { fields, entry } = await runFlow({
    holder: north,
    reader: south,
    dataset: { name: 'patient-records', title: 'Patient records', fields: ['diagnosis', 'allergies', 'medications', 'bloodType'], legalBasis: 'Health Care Act s. 7' },
    record: { diagnosis: 'type 1 diabetes', allergies: 'penicillin', medications: 'insulin glargine', bloodType: 'O-' },
    consentFields: ['allergies', 'medications', 'bloodType'],
    purpose: 'emergency treatment',
  });
  assert.deepEqual(fields, { allergies: 'penicillin', medications: 'insulin glargine', bloodType: 'O-' }, 'the diagnosis stays with the north hospital');
  assert.deepEqual([entry.org, entry.holder, entry.purpose], ['south-hospital', 'north-hospital', 'emergency treatment']);
  console.log(`hospital flow: ${((Date.now() - s0) / 1000).toFixed(1)} s`);
});

test('retention ends: every holder destroys its copy and confirms, with no erasure order; the commitment stays', { timeout: 60_000 }, async () => {
  const s0 = Date.now();
  const [bankA, bankB] = net.depts as [Dept, Dept];
  const steward = newKey();
  await net.official(bankA, steward, 'data-steward');
  await net.ok(bankA, net.sign(steward, 'sharing', 'defineDataset', { name: 'statements', title: 'Account statements', fields: [{ name: 'iban', sensitivity: 'personal' }, { name: 'balance', sensitivity: 'personal' }], sensitivity: 'personal', legalBasis: 'Banking Act s. 3', terms: [], retentionDays: 1 }), 'define');
  const subject = didKeyFromPublicKey(newKey().publicKey);
  const stored = await net.call(bankA, steward, 'POST', '/v1/sharing/store/records', { dataset: 'statements', subject, fields: { iban: 'XX00 1234 5678', balance: 1200 }, holders: ['bank-b'], retentionUntil: Date.now() + 4000 });
  assert.equal(stored.status, 201, JSON.stringify(stored.body));
  assert.equal(stored.body.replicatedTo, 1);
  const id = stored.body.recordId as string;
  step(`bank-a stored a statement ${id.slice(0, 12)}… with bank-b as second holder, retention 4 s`);
  await net.waitFor('both holders to purge it', async () => (await net.get(bankA, `/v1/state?key=${encodeURIComponent(recordKey(id))}`)).value?.status === 'purged', 40_000);
  await net.waitFor('bank-b to have the purge too', async () => (await net.get(bankB, `/v1/state?key=${encodeURIComponent(recordKey(id))}`)).value?.status === 'purged');
  const rec = (await net.get(bankB, `/v1/state?key=${encodeURIComponent(recordKey(id))}`)).value;
  assert.deepEqual(Object.keys(rec.purged).sort(), ['bank-a', 'bank-b']);
  assert.equal(rec.erasure.reason, 'retention');
  assert.equal(rec.commitment, stored.body.commitment, 'the commitment stays');
  for (const d of [bankA, bankB]) assert.equal((await rawFiles(d.dir)).some((f) => f.path.includes(id)), false, `no file of the record left on ${d.slug}`);
  step(`retention ended: purged by ${Object.keys(rec.purged).join(' and ')} (reason ${rec.erasure.reason}), no file left, commitment ${rec.commitment.slice(0, 12)}… stays`);
  console.log(`retention: ${((Date.now() - s0) / 1000).toFixed(1)} s`);
});
