/**
 * Data sharing as stories on an in-memory chain. The population registry
 * publishes a dataset (and a second version of it), commits a record, and a
 * citizen — known only by a pairwise did:key — consents that a bank may read
 * two fields. The bank asks; the registry releases; the citizen lists the
 * access and revokes; the bank's next read is refused and the refusal is in
 * the log. Every refusal has its own code: a forged consent (other key,
 * changed document, other chain), a consent for another recipient, one not
 * covering the fields, a revoked or an expired consent, a replayed request,
 * no legal basis, a manual term released by a node, a closed request, a
 * record committed twice, purges before an order or twice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { canonicalHash, canonicalJson } from '../../crypto/canonical-json.js';
import { toHex, utf8Encode } from '../../crypto/bytes.js';
import { generateKeyPair, signBytes, type KeyPair } from '../../crypto/ed25519.js';
import { builtinModules } from '../index.js';
import { createTestChain, testGenesis, testOrg, type TestChain } from '../test-chain.js';
import { signConsent as signOrgConsent } from '../org/consent-sign.js';
import type { Consent } from './consent.js';
import { signConsent, signRevocation } from './consent-sign.js';
import { subjectKeyPair, subjectPseudonym } from './pseudonym.js';
import { accessKey, consentProblem, erasuresOf, getErasureRequest, getRecord, getRequest, mayHold, recordKey, releaseProblem, sharingModule, type AccessEntry, type DatasetVersion } from './module.js';
import { accessOf, consentsOf, consentState, datasetHistory, datasetsOf, directory, requestsTo } from './queries.js';

const MODULES = builtinModules.some((m) => m.name === 'sharing') ? builtinModules : [...builtinModules, sharingModule];
const hex32 = (): string => toHex(randomBytes(32));
const DAY = 86_400_000;

interface World {
  chain: TestChain;
  admins: Record<'registry' | 'bank' | 'clinic', KeyPair>;
  registryNode: KeyPair;
  steward: KeyPair;
  requester: KeyPair;
  clinicRequester: KeyPair;
  clerk: KeyPair;
  secret: Uint8Array;
  subject: string;
  subjectKeys: KeyPair;
  stranger: KeyPair;
}

function register(chain: TestChain, admin: KeyPair, org: string, key: KeyPair, roles: string[]): void {
  const consent = signOrgConsent({ chainId: chain.genesis.chainId, org, use: 'official', publicKey: key.publicKey, secretKey: key.secretKey }).signature;
  const r = chain.run(admin, 'org', 'propose', { org, op: { type: 'registerOfficial', key: key.publicKey, roles, consent } });
  assert.equal(r.code, 'OK', r.message);
}

const DATASET = {
  name: 'residents',
  title: 'Resident register',
  fields: [
    { name: 'name', sensitivity: 'personal' },
    { name: 'birthDate', sensitivity: 'personal' },
    { name: 'address', sensitivity: 'personal' },
    { name: 'health', sensitivity: 'special' },
  ],
  sensitivity: 'special',
  legalBasis: 'Population Register Act §3',
  terms: [
    { recipient: 'bank', legalBasis: 'AML Act §12', fields: ['name', 'birthDate'], approval: 'auto' },
    { recipient: '*', legalBasis: 'Courts Act §9', fields: ['address'], approval: 'manual' },
  ],
  retentionDays: 3650,
};

function world(): World {
  const orgs = [testOrg('registry'), testOrg('bank'), testOrg('clinic')];
  const chain = createTestChain(testGenesis(orgs), MODULES);
  const admins = Object.fromEntries(orgs.map((o) => [o.id, o.admins[0]!])) as World['admins'];
  const secret = new Uint8Array(randomBytes(32));
  const w: World = {
    chain, admins, registryNode: orgs[0]!.nodes[0]!, steward: generateKeyPair(), requester: generateKeyPair(), clinicRequester: generateKeyPair(), clerk: generateKeyPair(),
    secret, subject: subjectPseudonym(secret, chain.genesis.chainId, 'registry', 'residents'), subjectKeys: subjectKeyPair(secret, chain.genesis.chainId, 'registry', 'residents'), stranger: generateKeyPair(),
  };
  register(chain, admins.registry, 'registry', w.steward, ['data-steward']);
  register(chain, admins.registry, 'registry', w.clerk, ['auditor']);
  register(chain, admins.bank, 'bank', w.requester, ['data-requester']);
  register(chain, admins.clinic, 'clinic', w.clinicRequester, ['data-requester']);
  const r = chain.run(w.steward, 'sharing', 'defineDataset', DATASET);
  assert.equal(r.code, 'OK', r.message);
  return w;
}

function consentOf(w: World, more: Partial<Consent> = {}): Consent {
  return { type: 'polity-sharing-consent', v: 1, chainId: w.chain.genesis.chainId, id: hex32(), subject: w.subject, holder: 'registry', dataset: 'residents', fields: ['name', 'birthDate'], recipient: 'bank', purpose: 'account opening: verify identity', until: w.chain.genesis.genesisTime + 365 * DAY, ...more };
}

function grant(w: World, c: Consent, key = w.subjectKeys): string {
  const r = w.chain.run(w.stranger, 'sharing', 'grantConsent', { consent: c, signature: signConsent(c, key.secretKey) });
  assert.equal(r.code, 'OK', r.message);
  return c.id;
}

function ask(w: World, basis: { consent?: string; legalBasis?: string }, more: Record<string, unknown> = {}, key = w.requester): { id: string; code: string } {
  const id = hex32();
  const r = w.chain.run(key, 'sharing', 'request', { id, holder: 'registry', dataset: 'residents', fields: ['name', 'birthDate'], subject: w.subject, purpose: 'account opening', ...basis, ...more });
  return { id, code: r.code };
}

const entry = (w: World, id: string): AccessEntry => w.chain.get(accessKey(id)) as unknown as AccessEntry;

test('the directory: a dataset is published, then changed; each version is anchored by its hash in a change log chained to the one before', () => {
  const w = world();
  const v2 = { ...DATASET, title: 'Resident register (2027)' };
  assert.equal(w.chain.run(w.steward, 'sharing', 'defineDataset', v2).code, 'OK');
  const log = datasetHistory(w.chain.get, 'registry', 'residents') as DatasetVersion[];
  assert.deepEqual(log.map((v) => v.version), [1, 2]);
  assert.equal(log[0]!.hash, toHex(canonicalHash(DATASET)));
  assert.equal(log[1]!.hash, toHex(canonicalHash(v2)));
  assert.equal(log[1]!.previous, log[0]!.hash);
  assert.equal(log[1]!.key, w.steward.publicKey);
  const ds = datasetsOf(w.chain.get, 'registry')[0]!;
  assert.equal(ds.version, 2);
  assert.equal(ds.title, v2.title);
  assert.equal(directory(w.chain.get).datasets.length, 1);
  // The same descriptor again is no new version; a term naming a field the dataset lacks; a term for itself.
  assert.equal(w.chain.run(w.steward, 'sharing', 'defineDataset', v2).code, 'SHARING_INVALID');
  assert.equal(w.chain.run(w.steward, 'sharing', 'defineDataset', { ...v2, terms: [{ ...DATASET.terms[0], fields: ['salary'] }] }).code, 'SHARING_FIELD_UNKNOWN');
  assert.equal(w.chain.run(w.steward, 'sharing', 'defineDataset', { ...v2, terms: [{ ...DATASET.terms[0], recipient: 'registry' }] }).code, 'SHARING_INVALID');
  assert.equal(w.chain.run(w.steward, 'sharing', 'defineDataset', { ...v2, fields: [...v2.fields, v2.fields[0]] }).code, 'SHARING_INVALID');
  // Only a data-steward (or admin) publishes.
  assert.equal(w.chain.run(w.requester, 'sharing', 'defineDataset', { ...DATASET, name: 'accounts' }).code, 'AUTH_ROLE_MISSING');
  assert.equal(w.chain.run(w.stranger, 'sharing', 'defineDataset', { ...DATASET, name: 'accounts' }).code, 'AUTH_NOT_OFFICIAL');
});

test('record commitments: a random id, the HMAC, the holders and the retention; by a data-steward or a node of the organisation, once per id', () => {
  const w = world();
  const now = w.chain.genesis.genesisTime;
  const args = { recordId: hex32(), dataset: 'residents', commitment: hex32(), holders: ['registry', 'clinic'], retentionUntil: now + 100 * DAY };
  assert.equal(w.chain.run(w.steward, 'sharing', 'commit', args).code, 'OK');
  const rec = getRecord(w.chain.get, args.recordId)!;
  assert.equal(rec.org, 'registry');
  assert.equal(rec.datasetVersion, 1);
  assert.equal(rec.status, 'held');
  assert.ok(mayHold(w.chain.get, args.recordId, 'clinic'));
  assert.ok(!mayHold(w.chain.get, args.recordId, 'bank'));
  assert.equal(w.chain.run(w.registryNode, 'sharing', 'commit', { ...args, recordId: hex32() }).code, 'OK');
  assert.equal(w.chain.run(w.steward, 'sharing', 'commit', args).code, 'SHARING_RECORD_EXISTS');
  assert.equal(w.chain.run(w.steward, 'sharing', 'commit', { ...args, recordId: hex32(), holders: ['clinic'] }).code, 'SHARING_INVALID');
  assert.equal(w.chain.run(w.steward, 'sharing', 'commit', { ...args, recordId: hex32(), dataset: 'taxes' }).code, 'SHARING_DATASET_UNKNOWN');
  assert.equal(w.chain.run(w.steward, 'sharing', 'commit', { ...args, recordId: hex32(), retentionUntil: now }).code, 'SHARING_INVALID');
  assert.equal(w.chain.run(w.steward, 'sharing', 'commit', { ...args, recordId: hex32(), retentionUntil: now + 4000 * DAY }).code, 'SHARING_OVERSIZED');
  for (const k of [w.requester, w.clerk, w.stranger]) assert.equal(w.chain.run(k, 'sharing', 'commit', { ...args, recordId: hex32() }).code, 'SHARING_NOT_HOLDER');
});

test('consent: signed by the pairwise DID; a forged one (other key, changed document, other chain) and a replayed one are refused, each with its code', () => {
  const w = world();
  const c = consentOf(w);
  const sig = signConsent(c, w.subjectKeys.secretKey);
  const run = (consent: Consent, signature: string): string => w.chain.run(w.stranger, 'sharing', 'grantConsent', { consent, signature }).code;
  assert.equal(run(c, signConsent(c, generateKeyPair().secretKey)), 'SHARING_CONSENT_FORGED');
  assert.equal(run({ ...c, recipient: 'clinic' }, sig), 'SHARING_CONSENT_FORGED');
  const other = { ...c, chainId: 'polity-other' };
  assert.equal(run(other, signConsent(other, w.subjectKeys.secretKey)), 'SHARING_CONSENT_FORGED');
  // Someone who knows the pseudonym cannot consent for it: their key is not its key.
  const mallory = generateKeyPair();
  assert.equal(run(c, signConsent(c, mallory.secretKey)), 'SHARING_CONSENT_FORGED');
  assert.equal(run(c, sig), 'OK');
  assert.equal(run(c, sig), 'SHARING_CONSENT_EXISTS');
  const expired = consentOf(w, { until: w.chain.genesis.genesisTime });
  assert.equal(run(expired, signConsent(expired, w.subjectKeys.secretKey)), 'SHARING_CONSENT_EXPIRED');
  const badField = consentOf(w, { fields: ['salary'] });
  assert.equal(run(badField, signConsent(badField, w.subjectKeys.secretKey)), 'SHARING_FIELD_UNKNOWN');
  const listed = consentsOf(w.chain.get, w.subject);
  assert.deepEqual(listed.map((r) => r.consent.id), [c.id]);
  assert.equal(consentState(listed[0]!, w.chain.height + 1, Number.MAX_SAFE_INTEGER - 1), 'expired');
  assert.equal(consentState(listed[0]!, w.chain.height + 1, 0), 'effective');
});

test('a consented read: request, release, a granted entry the subject lists; the consent is effective only from the next block', () => {
  const w = world();
  const c = consentOf(w);
  const sig = signConsent(c, w.subjectKeys.secretKey);
  const id = hex32();
  // The grant, the request and a release in one block: the request is taken, the release is refused (not yet effective).
  const { results } = w.chain.block([
    { key: w.stranger, module: 'sharing', action: 'grantConsent', args: { consent: c, signature: sig } },
    { key: w.requester, module: 'sharing', action: 'request', args: { id, holder: 'registry', dataset: 'residents', fields: ['name'], subject: w.subject, purpose: 'account opening', consent: c.id } },
    { key: w.registryNode, module: 'sharing', action: 'release', args: { request: id } },
  ]);
  assert.deepEqual(results.map((r) => r.code), ['OK', 'OK', 'OK']);
  assert.equal(getRequest(w.chain.get, id)!.status, 'refused');
  assert.equal(getRequest(w.chain.get, id)!.decided!.code, 'SHARING_CONSENT_NOT_EFFECTIVE');
  // A fresh request in a later block is released by the registry's node (a consent lets the node release).
  const r2 = ask(w, { consent: c.id });
  assert.equal(r2.code, 'OK');
  assert.equal(releaseProblem(w.chain.get, r2.id, w.chain.height + 1, w.chain.genesis.genesisTime + (w.chain.height + 1) * 1000), undefined);
  const rel = w.chain.run(w.registryNode, 'sharing', 'release', { request: r2.id });
  assert.equal(rel.code, 'OK', rel.message);
  assert.ok(rel.events.some((e) => e.type === 'sharing.accessed'));
  const e = entry(w, rel.txId);
  assert.equal(e.outcome, 'granted');
  assert.deepEqual({ org: e.org, official: e.official, holder: e.holder, dataset: e.dataset, fields: e.fields, subject: e.subject, purpose: e.purpose, consent: e.consent, channel: e.channel, request: e.request }, { org: 'bank', official: w.requester.publicKey, holder: 'registry', dataset: 'residents', fields: ['name', 'birthDate'], subject: w.subject, purpose: 'account opening', consent: c.id, channel: 'transfer', request: r2.id });
  assert.equal(getRequest(w.chain.get, r2.id)!.status, 'released');
  const mine = accessOf(w.chain.get, w.subject, 0, 100);
  assert.deepEqual(mine.entries.map((x) => x.outcome), ['refused', 'granted']);
  assert.equal(requestsTo(w.chain.get, 'registry', 0, 100).total, 2);
  // Released already; another holder's node may not release; the requester may not release its own request.
  assert.equal(w.chain.run(w.registryNode, 'sharing', 'release', { request: r2.id }).code, 'SHARING_REQUEST_CLOSED');
  const r3 = ask(w, { consent: c.id });
  assert.equal(w.chain.run(w.requester, 'sharing', 'release', { request: r3.id }).code, 'SHARING_NOT_HOLDER');
  assert.equal(w.chain.run(w.clerk, 'sharing', 'release', { request: r3.id }).code, 'SHARING_NOT_HOLDER');
  assert.equal(w.chain.run(w.registryNode, 'sharing', 'release', { request: hex32() }).code, 'SHARING_REQUEST_UNKNOWN');
});

test('bad requests, each with its code: a consent for another recipient, one not covering the fields, a replayed request, no basis, no legal basis', () => {
  const w = world();
  const c = grant(w, consentOf(w));
  w.chain.skip();
  assert.equal(ask(w, { consent: c }, {}, w.clinicRequester).code, 'SHARING_CONSENT_WRONG_RECIPIENT');
  assert.equal(ask(w, { consent: c }, { fields: ['name', 'health'] }).code, 'SHARING_CONSENT_NOT_COVERING');
  const otherSubject = subjectPseudonym(new Uint8Array(randomBytes(32)), w.chain.genesis.chainId, 'registry', 'residents');
  assert.equal(ask(w, { consent: c }, { subject: otherSubject }).code, 'SHARING_CONSENT_NOT_COVERING');
  assert.equal(ask(w, { consent: hex32() }).code, 'SHARING_CONSENT_UNKNOWN');
  const ok = ask(w, { consent: c });
  assert.equal(ok.code, 'OK');
  const replay = w.chain.run(w.requester, 'sharing', 'request', { id: ok.id, holder: 'registry', dataset: 'residents', fields: ['name'], subject: w.subject, purpose: 'again', consent: c });
  assert.equal(replay.code, 'SHARING_REQUEST_REPLAYED');
  assert.equal(ask(w, {}).code, 'SHARING_NO_BASIS');
  assert.equal(ask(w, { consent: c, legalBasis: 'AML Act §12' }).code, 'SHARING_NO_BASIS');
  assert.equal(ask(w, { legalBasis: 'Because we want it' }).code, 'SHARING_NO_LEGAL_BASIS');
  assert.equal(ask(w, { legalBasis: 'AML Act §12' }, { fields: ['health'] }).code, 'SHARING_NO_LEGAL_BASIS');
  assert.equal(ask(w, { legalBasis: 'AML Act §12' }, {}, w.clinicRequester).code, 'SHARING_NO_LEGAL_BASIS');
  assert.equal(ask(w, { legalBasis: 'AML Act §12' }, { fields: ['salary'] }).code, 'SHARING_FIELD_UNKNOWN');
  assert.equal(ask(w, { legalBasis: 'AML Act §12' }, { dataset: 'taxes' }).code, 'SHARING_DATASET_UNKNOWN');
  assert.equal(ask(w, { legalBasis: 'AML Act §12' }, {}, w.steward).code, 'AUTH_ROLE_MISSING');
  assert.equal(ask(w, { legalBasis: 'AML Act §12' }, {}, w.stranger).code, 'AUTH_NOT_OFFICIAL');
});

test('revocation: effective from the next block — a release in the same block still holds, the next is refused and logged; new requests are refused', () => {
  const w = world();
  const c = grant(w, consentOf(w));
  w.chain.skip();
  const a = ask(w, { consent: c });
  const b = ask(w, { consent: c });
  const revoke = { id: c, signature: signRevocation(w.chain.genesis.chainId, c, w.subjectKeys.secretKey) };
  // A revocation by another key is forged.
  assert.equal(w.chain.run(w.stranger, 'sharing', 'revokeConsent', { id: c, signature: signRevocation(w.chain.genesis.chainId, c, generateKeyPair().secretKey) }).code, 'SHARING_CONSENT_FORGED');
  const { results } = w.chain.block([
    { key: w.stranger, module: 'sharing', action: 'revokeConsent', args: revoke },
    { key: w.registryNode, module: 'sharing', action: 'release', args: { request: a.id } },
  ]);
  assert.deepEqual(results.map((r) => r.code), ['OK', 'OK']);
  assert.equal(entry(w, results[1]!.txId).outcome, 'granted');
  const rel = w.chain.run(w.registryNode, 'sharing', 'release', { request: b.id });
  assert.equal(rel.code, 'OK');
  const refused = entry(w, rel.txId);
  assert.equal(refused.outcome, 'refused');
  assert.equal(refused.code, 'SHARING_CONSENT_REVOKED');
  assert.ok(rel.events.some((e) => e.type === 'sharing.refused' && e.code === 'SHARING_CONSENT_REVOKED'));
  assert.equal(getRequest(w.chain.get, b.id)!.status, 'refused');
  assert.equal(ask(w, { consent: c }).code, 'SHARING_CONSENT_REVOKED');
  assert.equal(w.chain.run(w.stranger, 'sharing', 'revokeConsent', revoke).code, 'SHARING_CONSENT_REVOKED');
  assert.equal(w.chain.run(w.stranger, 'sharing', 'revokeConsent', { ...revoke, id: hex32() }).code, 'SHARING_CONSENT_UNKNOWN');
  assert.equal(consentState(consentsOf(w.chain.get, w.subject)[0]!, w.chain.height + 1, 0), 'revoked');
});

test('expiry: a release after the consent expired is refused and logged; a request is refused', () => {
  const w = world();
  // Block h's time is genesisTime + h seconds: the consent ends four blocks from now (grant, skip, request, then the release is too late).
  const until = w.chain.genesis.genesisTime + (w.chain.height + 4) * 1000;
  const c = grant(w, consentOf(w, { until }));
  w.chain.skip();
  const a = ask(w, { consent: c });
  assert.equal(a.code, 'OK');
  const rel = w.chain.run(w.registryNode, 'sharing', 'release', { request: a.id });
  assert.equal(entry(w, rel.txId).code, 'SHARING_CONSENT_EXPIRED');
  assert.equal(ask(w, { consent: c }).code, 'SHARING_CONSENT_EXPIRED');
  assert.equal(consentProblem(w.chain.get, c, { recipient: 'bank', holder: 'registry', dataset: 'residents', fields: ['name'], subject: w.subject }, w.chain.height + 1, until - 1), undefined);
});

test('legal basis: an auto term is released by the node, a manual one only by an official; a term withdrawn before the release leaves a refused entry', () => {
  const w = world();
  const auto = ask(w, { legalBasis: 'AML Act §12' });
  assert.equal(auto.code, 'OK');
  const rel = w.chain.run(w.registryNode, 'sharing', 'release', { request: auto.id });
  assert.equal(entry(w, rel.txId).outcome, 'granted');
  assert.equal(entry(w, rel.txId).legalBasis, 'AML Act §12');
  const manual = ask(w, { legalBasis: 'Courts Act §9' }, { fields: ['address'] }, w.clinicRequester);
  assert.equal(manual.code, 'OK');
  assert.equal(getRequest(w.chain.get, manual.id)!.approval, 'manual');
  assert.equal(w.chain.run(w.registryNode, 'sharing', 'release', { request: manual.id }).code, 'SHARING_MANUAL_APPROVAL');
  assert.equal(w.chain.run(w.steward, 'sharing', 'release', { request: manual.id }).code, 'OK');
  // The registry withdraws the bank's term: a pending request's release is refused and logged.
  const pending = ask(w, { legalBasis: 'AML Act §12' });
  assert.equal(w.chain.run(w.steward, 'sharing', 'defineDataset', { ...DATASET, terms: [DATASET.terms[1]] }).code, 'OK');
  const refused = w.chain.run(w.registryNode, 'sharing', 'release', { request: pending.id });
  assert.equal(refused.code, 'OK');
  assert.deepEqual([entry(w, refused.txId).outcome, entry(w, refused.txId).code], ['refused', 'SHARING_NO_LEGAL_BASIS']);
  // Declining by hand closes a request.
  const d = ask(w, { legalBasis: 'Courts Act §9' }, { fields: ['address'] }, w.clinicRequester);
  assert.equal(w.chain.run(w.requester, 'sharing', 'decline', { request: d.id, reason: 'other' }).code, 'AUTH_ROLE_MISSING');
  assert.equal(w.chain.run(w.steward, 'sharing', 'decline', { request: d.id, reason: 'not-proportionate' }).code, 'OK');
  assert.equal(getRequest(w.chain.get, d.id)!.status, 'declined');
  assert.equal(w.chain.run(w.steward, 'sharing', 'decline', { request: d.id, reason: 'other' }).code, 'SHARING_REQUEST_CLOSED');
  assert.equal(w.chain.run(w.steward, 'sharing', 'release', { request: d.id }).code, 'SHARING_REQUEST_CLOSED');
});

test("logAccess: the holder's own reads on its legal basis, by an official or by the node naming one; refused reads are logged with their code", () => {
  const w = world();
  const args = { dataset: 'residents', fields: ['address'], subject: w.subject, purpose: 'correct an address', legalBasis: DATASET.legalBasis, channel: 'console' };
  const own = w.chain.run(w.steward, 'sharing', 'logAccess', args);
  assert.equal(own.code, 'OK', own.message);
  assert.equal(entry(w, own.txId).official, w.steward.publicKey);
  const byNode = w.chain.run(w.registryNode, 'sharing', 'logAccess', { ...args, official: w.clerk.publicKey, channel: 'api' });
  assert.equal(byNode.code, 'OK', byNode.message);
  assert.equal(entry(w, byNode.txId).official, w.clerk.publicKey);
  assert.equal(w.chain.run(w.registryNode, 'sharing', 'logAccess', args).code, 'SHARING_INVALID');
  assert.equal(w.chain.run(w.registryNode, 'sharing', 'logAccess', { ...args, official: w.requester.publicKey }).code, 'SHARING_INVALID');
  assert.equal(w.chain.run(w.steward, 'sharing', 'logAccess', { ...args, legalBasis: 'AML Act §12' }).code, 'SHARING_NO_LEGAL_BASIS');
  const { legalBasis: _, ...noBasis } = args;
  const refused = w.chain.run(w.registryNode, 'sharing', 'logAccess', { ...noBasis, official: w.clerk.publicKey, refused: 'SHARING_NO_LEGAL_BASIS' });
  assert.equal(refused.code, 'OK', refused.message);
  assert.deepEqual([entry(w, refused.txId).outcome, entry(w, refused.txId).code], ['refused', 'SHARING_NO_LEGAL_BASIS']);
  assert.equal(w.chain.run(w.requester, 'sharing', 'logAccess', args).code, 'SHARING_NOT_HOLDER');
  assert.equal(w.chain.run(w.stranger, 'sharing', 'logAccess', args).code, 'SHARING_NOT_HOLDER');
  assert.equal(accessOf(w.chain.get, w.subject, 0, 10).total, 3);
});

test('erasure: the owner orders it, every holder confirms its purge, the commitment stays; past retention the first purge needs no order', () => {
  const w = world();
  const now = w.chain.genesis.genesisTime;
  const recordId = hex32();
  const clinicNode = generateKeyPair();
  assert.equal(w.chain.run(w.steward, 'sharing', 'commit', { recordId, dataset: 'residents', commitment: hex32(), holders: ['registry', 'clinic'], retentionUntil: now + 100 * DAY }).code, 'OK');
  assert.equal(w.chain.run(w.registryNode, 'sharing', 'purge', { recordId }).code, 'SHARING_NOT_ERASING');
  assert.equal(w.chain.run(w.requester, 'sharing', 'erase', { recordId, reason: 'subject-request' }).code, 'SHARING_NOT_HOLDER');
  assert.equal(w.chain.run(w.steward, 'sharing', 'erase', { recordId, reason: 'retention' }).code, 'SHARING_INVALID');
  assert.equal(w.chain.run(w.steward, 'sharing', 'erase', { recordId, reason: 'subject-request' }).code, 'OK');
  assert.equal(getRecord(w.chain.get, recordId)!.status, 'erasing');
  assert.ok(!mayHold(w.chain.get, recordId, 'registry'));
  assert.equal(w.chain.run(w.steward, 'sharing', 'erase', { recordId, reason: 'subject-request' }).code, 'SHARING_RECORD_ERASED');
  assert.equal(w.chain.run(w.registryNode, 'sharing', 'purge', { recordId }).code, 'OK');
  assert.equal(w.chain.run(w.registryNode, 'sharing', 'purge', { recordId }).code, 'SHARING_RECORD_ERASED');
  assert.equal(w.chain.run(clinicNode, 'sharing', 'purge', { recordId }).code, 'SHARING_NOT_HOLDER');
  assert.equal(w.chain.run(w.requester, 'sharing', 'purge', { recordId }).code, 'SHARING_NOT_HOLDER');
  assert.equal(w.chain.run(w.admins.clinic, 'sharing', 'purge', { recordId }).code, 'OK');
  const rec = getRecord(w.chain.get, recordId)!;
  assert.equal(rec.status, 'purged');
  assert.ok(rec.commitment.length === 64 && w.chain.get(recordKey(recordId)) !== undefined, 'the commitment stays');
  assert.equal(w.chain.run(w.steward, 'sharing', 'purge', { recordId: hex32() }).code, 'SHARING_RECORD_UNKNOWN');
  // Retention: a record whose date passes is purged on the first holder's word.
  const short = hex32();
  assert.equal(w.chain.run(w.steward, 'sharing', 'commit', { recordId: short, dataset: 'residents', commitment: hex32(), holders: ['registry'], retentionUntil: now + (w.chain.height + 2) * 1000 }).code, 'OK');
  w.chain.skip(2);
  assert.equal(w.chain.run(w.registryNode, 'sharing', 'purge', { recordId: short }).code, 'OK');
  assert.equal(getRecord(w.chain.get, short)!.status, 'purged');
  assert.equal(getRecord(w.chain.get, short)!.erasure!.reason, 'retention');
});

test('nothing on the chain names the subject but its pseudonym: the subject secret and its DID key seed appear in no state value', () => {
  const w = world();
  const c = grant(w, consentOf(w));
  w.chain.skip();
  w.chain.run(w.registryNode, 'sharing', 'release', { request: ask(w, { consent: c }).id });
  const all = JSON.stringify([...w.chain.state.entries()]);
  assert.ok(all.includes(w.subject), 'the pseudonym is there (negative control of the scan)');
  assert.ok(!all.includes(toHex(w.secret)));
  assert.ok(!all.includes(w.subjectKeys.secretKey));
  // Two datasets of one person: unrelated pseudonyms.
  const other = subjectPseudonym(w.secret, w.chain.genesis.chainId, 'registry', 'taxes');
  assert.notEqual(other, w.subject);
  assert.notEqual(subjectPseudonym(w.secret, w.chain.genesis.chainId, 'clinic', 'residents'), w.subject);
});

test("refuseTransfer: the recipient's node records a refused transfer of a released request, once; nobody else can", () => {
  const w = world();
  const bankNode = generateKeyPair();
  const a = ask(w, { legalBasis: 'AML Act §12' });
  assert.equal(w.chain.run(w.requester, 'sharing', 'refuseTransfer', { request: a.id, code: 'SHARING_COMMITMENT_MISMATCH' }).code, 'SHARING_REQUEST_CLOSED');
  assert.equal(w.chain.run(w.registryNode, 'sharing', 'release', { request: a.id }).code, 'OK');
  for (const k of [w.steward, w.clinicRequester, w.stranger, bankNode]) assert.equal(w.chain.run(k, 'sharing', 'refuseTransfer', { request: a.id, code: 'SHARING_COMMITMENT_MISMATCH' }).code, 'SHARING_NOT_HOLDER');
  const r = w.chain.run(w.requester, 'sharing', 'refuseTransfer', { request: a.id, code: 'SHARING_COMMITMENT_MISMATCH' });
  assert.equal(r.code, 'OK', r.message);
  assert.deepEqual([entry(w, r.txId).outcome, entry(w, r.txId).code, entry(w, r.txId).org], ['refused', 'SHARING_COMMITMENT_MISMATCH', 'bank']);
  assert.equal(w.chain.run(w.requester, 'sharing', 'refuseTransfer', { request: a.id, code: 'SHARING_COMMITMENT_MISMATCH' }).code, 'SHARING_REQUEST_CLOSED');
  assert.equal(w.chain.run(w.requester, 'sharing', 'refuseTransfer', { request: hex32(), code: 'SHARING_COMMITMENT_MISMATCH' }).code, 'SHARING_REQUEST_UNKNOWN');
});

test("the subject's erasure request is on the chain: signed by the pseudonym, for a held record of the holder's dataset, once; the holder's erase names it", () => {
  const w = world();
  const now = w.chain.genesis.genesisTime;
  const recordId = hex32();
  const other = hex32();
  for (const id of [recordId, other]) assert.equal(w.chain.run(w.steward, 'sharing', 'commit', { recordId: id, dataset: 'residents', commitment: hex32(), holders: ['registry', 'clinic'], retentionUntil: now + 100 * DAY }).code, 'OK');
  const doc = (more: Record<string, unknown> = {}) => ({ type: 'polity-sharing-erasure', v: 1, chainId: w.chain.genesis.chainId, id: hex32(), subject: w.subject, holder: 'registry', dataset: 'residents', recordId, ...more });
  // The exact bytes signed: a domain, then the RFC 8785 JSON of the document (as consents).
  const sign = (d: object, key = w.subjectKeys): string => signBytes(key.secretKey, utf8Encode(`polity-sharing-erasure:v1:${canonicalJson(d as never)}`));
  const ask = (d: object, key = w.subjectKeys) => w.chain.run(w.stranger, 'sharing', 'requestErasure', { erasure: d, signature: sign(d, key) });
  assert.equal(ask(doc(), w.stranger).code, 'SHARING_ERASURE_FORGED', 'only the subject');
  assert.equal(ask(doc({ chainId: 'another-chain' })).code, 'SHARING_ERASURE_FORGED');
  assert.equal(ask(doc({ recordId: hex32() })).code, 'SHARING_RECORD_UNKNOWN', 'the record exists');
  assert.equal(ask(doc({ dataset: 'tax-returns' })).code, 'SHARING_DATASET_UNKNOWN');
  const first = doc();
  assert.equal(ask(first).code, 'OK');
  assert.equal(w.chain.run(w.stranger, 'sharing', 'requestErasure', { erasure: first, signature: sign(first) }).code, 'SHARING_ERASURE_EXISTS', 'a replayed request');
  const e = getErasureRequest(w.chain.get, first.id)!;
  assert.equal(e.erasure.subject, w.subject);
  assert.deepEqual(e.records, []);
  // The holder carries it out: its erase names the request; another record than the one named is refused.
  assert.equal(w.chain.run(w.registryNode, 'sharing', 'erase', { recordId: other, reason: 'subject-request', erasure: first.id }).code, 'SHARING_INVALID');
  assert.equal(w.chain.run(w.registryNode, 'sharing', 'erase', { recordId, reason: 'subject-request', erasure: first.id }).code, 'OK');
  assert.equal(getRecord(w.chain.get, recordId)!.status, 'erasing');
  assert.deepEqual(getErasureRequest(w.chain.get, first.id)!.records, [recordId]);
  assert.equal(ask(doc()).code, 'SHARING_RECORD_ERASED', 'not already erased or purged');
  // A request naming no record: every record of the subject the holder files in the dataset.
  const all = doc({ recordId: undefined });
  delete (all as { recordId?: string }).recordId;
  assert.equal(ask(all).code, 'OK');
  assert.equal(w.chain.run(w.registryNode, 'sharing', 'erase', { recordId: other, reason: 'subject-request', erasure: all.id }).code, 'OK');
  assert.deepEqual(erasuresOf(w.chain.get, 'registry', 'residents', w.subject), [first.id, all.id]);
});
