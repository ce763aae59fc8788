/**
 * Data sharing on a BFT network of four departments running as real
 * `polity start` processes (test/sharing-net.ts): the issue's acceptance
 * scenario and the "only once" flow (the canary scan is
 * test/sharing-canary.test.ts; bank KYC, hospitals and retention are
 * test/sharing-flows-bft.test.ts).
 *
 * Departments: the Civil Registry holds residents' records (B); the Health
 * Department is a second holder of them (C); the Tax Office reads with the
 * citizen's consent (A); the Welfare Agency reads on a legal basis the
 * registry publishes (D). Each step prints what it showed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toHex } from '../src/crypto/bytes.js';
import { didKeyFromPublicKey } from '../src/crypto/multikey.js';
import { verifyStateReceipt } from '../src/ledger/state-receipt.js';
import { verifyAccessReceipt } from '../src/services/sharing/receipt.js';
import { signConsent, signErasure, signRevocation } from '../src/services/sharing/consent.js';
import { subjectKeyPair } from '../src/services/sharing/pseudonym.js';
import { accessKey, erasureKey, recordKey, subjectAccessCountKey, subjectAccessPageKey, PAGE_SIZE } from '../src/services/sharing/module.js';
import { STATE_RECEIPT_TYPE } from '../src/ledger/state-receipt.js';
import { newKey, rawFiles, startNet, type Net } from './sharing-net.js';

const ORGS = ['Civil Registry', 'Tax Office', 'Health Department', 'Welfare Agency'];
const hex32 = (): string => toHex(randomBytes(32));
const tag = toHex(randomBytes(6));
/** The record's values (only its holders keep them, encrypted). */
const CANARY = { name: `CANARY-NAME-${tag}`, nationalId: `CANARY-NID-${tag}`, address: `CANARY-ADDR-${tag}` };

let net: Net;
type D = Net['depts'][number];
const state = async (d: D, key: string, proof = false): Promise<any> => net.get(d, `/v1/state?key=${encodeURIComponent(key)}${proof ? '&proof=true' : ''}`);
/** The subject's access log, as its wallet reads it: the paged index under its pseudonym, then each entry. */
async function accessLog(d: D, subject: string): Promise<{ id: string; org: string; purpose: string; outcome: string; code?: string; request?: string; legalBasis?: string }[]> {
  const count = ((await state(d, subjectAccessCountKey(subject))).value as number | null) ?? 0;
  const ids: string[] = [];
  for (let page = 0; page * PAGE_SIZE < count; page++) ids.push(...((await state(d, subjectAccessPageKey(subject, page))).value as string[]));
  return Promise.all(ids.map(async (id) => (await state(d, accessKey(id))).value));
}
/** An access entry's state receipt (polity.state.receipt), as exported: the value, its proof, the header and its certificate. */
async function receiptOf(d: D, entryId: string): Promise<unknown> {
  const r = await state(d, accessKey(entryId), true);
  return { type: STATE_RECEIPT_TYPE, v: 1, chainId: net.genesis.chainId, genesisHash: (await net.get(d, '/v1/status')).genesisHash, header: r.header, certificate: r.certificate, entries: [{ key: r.key, value: r.value, proof: r.proof }] };
}
const recordOf = async (d: D, id: string): Promise<any> => (await state(d, recordKey(id))).value;
const t0 = Date.now();
const step = (text: string): void => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${text}`);
const keys = { steward: newKey(), taxOfficer: newKey(), welfareOfficer: newKey(), anyone: newKey() };
const citizenSecret = new Uint8Array(randomBytes(32));
let subject = '';
let subjectKey = newKey();
let recordId = '';
let ciphertextPrefix = '';

before(async () => {
  net = await startNet(ORGS);
  const [registry, tax, , welfare] = net.depts as [typeof net.depts[0], typeof net.depts[0], typeof net.depts[0], typeof net.depts[0]];
  step(`four departments up (${net.depts.map((d) => d.slug).join(', ')})`);
  await Promise.all([net.official(registry, keys.steward, 'data-steward'), net.official(tax, keys.taxOfficer, 'data-requester'), net.official(welfare, keys.welfareOfficer, 'data-requester')]);
  await net.ok(registry, net.sign(keys.steward, 'sharing', 'defineDataset', {
    name: 'residents',
    title: 'Register of residents',
    fields: [{ name: 'name', sensitivity: 'personal' }, { name: 'nationalId', sensitivity: 'special' }, { name: 'address', sensitivity: 'personal' }, { name: 'birthDate', sensitivity: 'personal' }],
    sensitivity: 'special',
    legalBasis: 'Civil Registration Act s. 4',
    terms: [{ recipient: 'welfare-agency', legalBasis: 'Social Assistance Act s. 12', fields: ['birthDate', 'address'], approval: 'auto' }],
    retentionDays: 3650,
  }), 'define the dataset');
  subjectKey = subjectKeyPair(citizenSecret, net.genesis.chainId, 'civil-registry', 'residents');
  subject = didKeyFromPublicKey(subjectKey.publicKey);
  const stored = await net.call(registry, keys.steward, 'POST', '/v1/sharing/store/records', { dataset: 'residents', subject, fields: { ...CANARY, birthDate: '1990-04-01' }, holders: ['health-department'], retentionUntil: Date.now() + 86_400_000 });
  assert.equal(stored.status, 201, JSON.stringify(stored.body));
  recordId = stored.body.recordId;
  assert.equal(stored.body.replicatedTo, 1, "the health department's node took its copy");
  const file = JSON.parse(await readFile(join(registry.dir, 'sharing', 'records', `${recordId}.env`), 'utf8'));
  ciphertextPrefix = file.envelope.ct.slice(0, 48);
  step(`the registry stored a resident's record ${recordId.slice(0, 12)}…: commitment ${stored.body.commitment.slice(0, 12)}… on the chain at height ${stored.body.height}, copy on the health department's node`);
});

after(async () => {
  for (const d of net?.depts ?? []) await net.stop(d);
});

test('acceptance: consent, A reads B\'s record, the citizen sees it and its receipt verifies offline, revocation refuses the next read, erasure reaches every holder', { timeout: 120_000 }, async () => {
  const [registry, tax, health] = net.depts as [typeof net.depts[0], typeof net.depts[0], typeof net.depts[0]];
  const s0 = Date.now();
  // 1. The citizen consents (signed with the pseudonym's key; anyone submits it).
  const consent = { type: 'polity-sharing-consent', v: 1, chainId: net.genesis.chainId, id: hex32(), subject, holder: 'civil-registry', dataset: 'residents', fields: ['name', 'address'], recipient: 'tax-office', purpose: 'verify tax residence', until: Date.now() + 3_600_000 } as const;
  await net.ok(tax, net.sign(keys.anyone, 'sharing', 'grantConsent', { consent, signature: signConsent(consent as never, subjectKey.secretKey) }), 'grant consent');
  step(`1. the citizen consented: the tax office may read name and address of ${'residents'} for "${consent.purpose}"`);

  // 2. The tax office asks and reads: the registry's node releases on the chain and sends the two fields sealed to the tax office's node.
  const first = hex32();
  const second = hex32();
  await net.ok(tax, net.sign(keys.taxOfficer, 'sharing', 'request', { id: first, holder: 'civil-registry', dataset: 'residents', fields: ['name', 'address'], subject, purpose: consent.purpose, consent: consent.id }), 'request');
  const read = await net.call(tax, keys.taxOfficer, 'POST', '/v1/sharing/store/fetch', { request: first });
  assert.equal(read.status, 200, JSON.stringify(read.body));
  assert.deepEqual(read.body.records, [{ recordId, fields: { name: CANARY.name, address: CANARY.address } }], 'exactly the consented fields, checked against the commitment');
  const entry = read.body.entry as string;
  step(`2. the tax office read record ${recordId.slice(0, 12)}… held by the registry: fields ${Object.keys(read.body.records[0].fields).join(', ')} (nationalId withheld); access entry ${entry.slice(0, 12)}…`);

  // 3. The citizen sees the access with its purpose, and exports its receipt, which verifies offline against the genesis.
  // As the citizen's page reads it (GET /v1/sharing/subjects/{did}/access), from a third node, once that node has the
  // block with the entry (the holder's node answered once the entry was committed there; the others follow).
  await net.waitFor('the access entry on the third node', async () => (await state(health, accessKey(entry))).value != null).catch(async (e: Error) => {
    const heights = await Promise.all(net.depts.map(async (d) => `${d.slug} ${(await net.get(d, '/v1/status')).height}`));
    const onTax = (await state(tax, accessKey(entry))).value != null;
    throw new Error(`${e.message}: heights ${heights.join(', ')}; the entry is ${onTax ? '' : 'not '}on the tax office's node\n--- health log\n${health.log.join('').slice(-3000)}`);
  });
  const page = await net.get(health, `/v1/sharing/subjects/${encodeURIComponent(subject)}/access?limit=100`);
  const seen = (page.entries as Awaited<ReturnType<typeof accessLog>>).find((e) => e.id === entry);
  assert.deepEqual(seen, (await accessLog(health, subject)).find((e) => e.id === entry), 'the route answers what the state holds');
  assert.ok(seen, 'the entry is in the subject\'s log, read from a third node');
  assert.deepEqual([seen.org, seen.purpose, seen.outcome], ['tax-office', consent.purpose, 'granted']);
  // Exported (GET /v1/sharing/access/{id}/receipt) and checked offline with the genesis alone.
  const receipt = await net.get(health, `/v1/sharing/access/${entry}/receipt`);
  const offline = verifyAccessReceipt(receipt, net.genesis, entry);
  assert.ok(offline.ok, JSON.stringify(offline));
  assert.deepEqual((offline as { entry: unknown }).entry, seen);
  assert.ok(verifyStateReceipt(JSON.parse(JSON.stringify(await receiptOf(health, entry))), net.genesis).ok, 'the same proof assembled from a plain state read verifies too');
  const forged = JSON.parse(JSON.stringify(receipt));
  forged.entries[0].value.purpose = 'something else';
  assert.equal(verifyAccessReceipt(forged, net.genesis, entry).ok, false, 'an altered receipt does not verify (control)');
  step(`3. the citizen's log lists the access (tax-office, "${seen.purpose}", granted); its receipt verifies offline against the genesis at height ${(offline as { height: number }).height}`);

  // 4. A second request made while the consent stood; the citizen revokes; the next read is refused at release, with a refused entry.
  await net.ok(tax, net.sign(keys.taxOfficer, 'sharing', 'request', { id: second, holder: 'civil-registry', dataset: 'residents', fields: ['name'], subject, purpose: consent.purpose, consent: consent.id }), 'second request');
  await net.ok(tax, net.sign(keys.anyone, 'sharing', 'revokeConsent', { id: consent.id, signature: signRevocation(net.genesis.chainId, consent.id, subjectKey.secretKey) }), 'revoke');
  const refused = await net.call(tax, keys.taxOfficer, 'POST', '/v1/sharing/store/fetch', { request: second });
  assert.equal(refused.status, 403, JSON.stringify(refused.body));
  assert.equal(refused.body.code, 'SHARING_CONSENT_REVOKED');
  const refusedEntry = (await accessLog(registry, subject)).find((e) => e.request === second);
  assert.deepEqual([refusedEntry?.outcome, refusedEntry?.code], ['refused', 'SHARING_CONSENT_REVOKED'], 'the refusal is in the log');
  const third = await net.commit(tax, net.sign(keys.taxOfficer, 'sharing', 'request', { id: hex32(), holder: 'civil-registry', dataset: 'residents', fields: ['name'], subject, purpose: consent.purpose, consent: consent.id }));
  assert.equal(third.code, 'SHARING_CONSENT_REVOKED', 'a new request on the revoked consent is refused outright');
  step(`4. the citizen revoked; the tax office's next read was refused (${refused.body.code}) and left a refused entry; a new request is refused too (${third.code})`);

  // 5. The citizen requests erasure on the chain (signed with the pseudonym's key) while the health department's node is down:
  // the registry's node carries it out (sharing.erase naming the request) and erases at once, the health node when it returns.
  await net.stop(health);
  const erasure = { type: 'polity-sharing-erasure', v: 1, chainId: net.genesis.chainId, id: hex32(), subject, holder: 'civil-registry', dataset: 'residents' } as const;
  await net.ok(tax, net.sign(keys.anyone, 'sharing', 'requestErasure', { erasure, signature: signErasure(erasure as never, subjectKey.secretKey) }), 'the citizen requests erasure');
  await net.waitFor('the registry to carry out the erasure request', async () => ((await state(registry, erasureKey(erasure.id))).value as { records?: string[] } | null)?.records?.includes(recordId) === true);
  await net.waitFor("the registry's purge confirmation", async () => Object.keys((await recordOf(registry, recordId))?.purged ?? {}).includes('civil-registry'));
  const midway = await recordOf(registry, recordId);
  assert.equal(midway.status, 'erasing', 'waiting for the health department');
  net.start(health);
  await net.waitFor('the record to be purged on every holder', async () => (await recordOf(registry, recordId))?.status === 'purged', 40_000);
  await net.waitFor("the tax office's node to have the purge too", async () => (await recordOf(tax, recordId))?.status === 'purged');
  const record = await recordOf(tax, recordId);
  assert.match(record.commitment, /^[0-9a-f]{64}$/, 'the commitment remains on the chain');
  for (const d of [registry, health]) {
    const files = await rawFiles(d.dir);
    assert.equal(files.filter((f) => f.bytes.includes(ciphertextPrefix) || f.bytes.includes(`${recordId}.env`)).length, 0, `no copy of the record is left in ${d.slug}'s data directory`);
  }
  step(`5. the citizen's signed erasure request ${erasure.id.slice(0, 12)}… was carried out: the registry at once, the health department (down during the order) on its return; status ${record.status}, purged by ${Object.keys(record.purged).join(' and ')}; commitment ${record.commitment.slice(0, 12)}… remains; no ciphertext left on either holder`);
  const gone = await net.call(registry, keys.steward, 'POST', `/v1/sharing/store/records/${recordId}/read`, { fields: ['name'], purpose: 'check', legalBasis: 'Civil Registration Act s. 4' });
  assert.equal(gone.body.code, 'SHARING_RECORD_NOT_HELD');
  console.log(`acceptance scenario: ${((Date.now() - s0) / 1000).toFixed(1)} s`);
});

test('"only once": the welfare agency reads a resident\'s birth date and address from the registry on its published legal basis — the citizen hands in no paper — and the access is in the citizen\'s log', { timeout: 60_000 }, async () => {
  const [registry, , , welfare] = net.depts as [typeof net.depts[0], typeof net.depts[0], typeof net.depts[0], typeof net.depts[0]];
  const s0 = Date.now();
  // A fresh record (the first was erased), held by the registry only.
  const stored = await net.call(registry, keys.steward, 'POST', '/v1/sharing/store/records', { dataset: 'residents', subject, fields: { ...CANARY, birthDate: '1990-04-01' }, retentionUntil: Date.now() + 86_400_000 });
  assert.equal(stored.status, 201, JSON.stringify(stored.body));
  step(`the citizen applies for housing benefit at the welfare agency, bringing no birth certificate`);
  const id = hex32();
  // The purpose is public: the negative control plants a leak in it on purpose.
  await net.ok(welfare, net.sign(keys.welfareOfficer, 'sharing', 'request', { id, holder: 'civil-registry', dataset: 'residents', fields: ['birthDate', 'address'], subject, purpose: 'housing benefit application', legalBasis: 'Social Assistance Act s. 12' }), 'request on a legal basis');
  const read = await net.call(welfare, keys.welfareOfficer, 'POST', '/v1/sharing/store/fetch', { request: id });
  assert.equal(read.status, 200, JSON.stringify(read.body));
  assert.deepEqual(read.body.records[0].fields, { birthDate: '1990-04-01', address: CANARY.address });
  step(`the agency's node fetched birthDate and address from the registry's node on "Social Assistance Act s. 12" (a published term, released automatically)`);
  const outside = await net.commit(welfare, net.sign(keys.welfareOfficer, 'sharing', 'request', { id: hex32(), holder: 'civil-registry', dataset: 'residents', fields: ['nationalId'], subject, purpose: 'housing benefit application', legalBasis: 'Social Assistance Act s. 12' }));
  assert.equal(outside.code, 'SHARING_NO_LEGAL_BASIS', 'a field the term does not cover is refused');
  const e = (await accessLog(registry, subject)).find((x) => x.request === id);
  assert.deepEqual([e?.org, e?.legalBasis, e?.outcome], ['welfare-agency', 'Social Assistance Act s. 12', 'granted']);
  step(`the citizen's log shows it: welfare-agency, legal basis "${e?.legalBasis}"; asking for nationalId on that basis is refused (${outside.code})`);
  console.log(`"only once": ${((Date.now() - s0) / 1000).toFixed(1)} s`);
});

test("a holder's node that is down when a record is stored gets its copy when it returns (retry replication), checked against the commitment", { timeout: 90_000 }, async () => {
  const [registry, , health] = net.depts as [typeof net.depts[0], typeof net.depts[0], typeof net.depts[0]];
  await net.stop(health);
  const stored = await net.call(registry, keys.steward, 'POST', '/v1/sharing/store/records', { dataset: 'residents', subject, fields: { ...CANARY, birthDate: '1990-04-01' }, holders: ['health-department'], retentionUntil: Date.now() + 86_400_000 });
  assert.equal(stored.status, 201, JSON.stringify(stored.body));
  assert.equal(stored.body.replicatedTo, 0, "the health department's node is down");
  const file = join(health.dir, 'sharing', 'records', `${stored.body.recordId}.env`);
  net.start(health);
  await net.waitFor("the health department's copy", async () => (await readFile(file).then(() => true, () => false)), 60_000);
  step(`a record stored while the health department's node was down (replicatedTo 0) reached it when it returned: ${stored.body.recordId.slice(0, 12)}… in its private store`);
});
