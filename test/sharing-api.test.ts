/**
 * Data sharing end to end on a real node, with `polity sharing` and the
 * API, the way people use it: the population registry (the founding
 * department) publishes a dataset with `polity sharing define` and commits
 * a record; the consortium admits a bank. A citizen makes a subject secret,
 * learns their pseudonym at the registry, and consents that the bank may
 * read two fields. The bank asks; the registry releases; the citizen lists
 * who read their data (with the purpose), exports the entry's receipt and
 * verifies it offline against the genesis — a tampered receipt fails. The
 * citizen revokes: the bank's pending request is refused at release and
 * the refusal is in the citizen's log; a new request is refused outright.
 * Bad input through the API, each with its code: a forged consent, a
 * consent for another recipient, a replayed request.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { main } from '../src/main.js';
import type { Io } from '../src/cli/io.js';
import { toHex } from '../src/crypto/bytes.js';
import { generateKeyPair, type KeyPair } from '../src/crypto/ed25519.js';
import { didKeyFromPublicKey } from '../src/crypto/multikey.js';
import { signTx } from '../src/ledger/sign.js';
import { adminKeyPath, genesisPath } from '../src/node/data-dir.js';
import { signConsent as signOrgConsent } from '../src/services/org/consent-sign.js';
import { signConsent } from '../src/services/sharing/consent-sign.js';
import type { Consent } from '../src/services/sharing/consent.js';
import { subjectKeyPair } from '../src/services/sharing/pseudonym.js';
import type { AccessAnswerT, ConsentsAnswerT, DatasetAnswerT, QueueAnswerT } from '../src/services/sharing/schemas.js';
import { signedFetch } from '../src/sdk/http-auth.js';
import { startTestNode, tempDir, type TestNode } from './helpers.js';

let t: TestNode;
let api: string;
let work: string;
let registry: string;
const files: Record<'admin' | 'bankAdmin' | 'steward' | 'requester', string> = {} as never;
const keys = {} as Record<keyof typeof files, KeyPair>;

async function cli(key: keyof typeof files | undefined, args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), progress: () => {}, isTty: false };
  const code = await main([...args, '--api', api, ...(key ? ['--key', files[key]] : [])], io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function send(key: KeyPair, module: string, action: string, args: Record<string, unknown>): Promise<{ code: string; message?: string }> {
  const { nonce } = (await t.app.inject({ method: 'GET', url: `/v1/accounts/${key.publicKey}` })).json() as { nonce: number };
  const tx = signTx({ v: 1, chainId: t.genesis.chainId, module, action, args: args as never, signer: key.publicKey, nonce }, key.secretKey);
  const done = (await t.app.inject({ method: 'POST', url: '/v1/tx?wait=commit', payload: tx })).json() as { result: { code: string; message?: string } };
  return done.result;
}
async function commit(key: KeyPair, module: string, action: string, args: Record<string, unknown>): Promise<void> {
  const r = await send(key, module, action, args);
  assert.equal(r.code, 'OK', JSON.stringify(r));
}

const official = (org: string, key: KeyPair, roles: string[]) => ({
  org,
  op: { type: 'registerOfficial', key: key.publicKey, roles, consent: signOrgConsent({ chainId: t.genesis.chainId, org, use: 'official', publicKey: key.publicKey, secretKey: key.secretKey }).signature },
});
const get = async <T>(url: string): Promise<T> => (await t.app.inject({ method: 'GET', url })).json() as T;

before(async () => {
  t = await startTestNode({ listen: true });
  api = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  work = await tempDir('polity-sharing-');
  registry = t.genesis.organisations![0]!.id;
  files.admin = adminKeyPath(t.dir);
  keys.admin = JSON.parse(await readFile(files.admin, 'utf8')) as KeyPair;
  for (const name of ['bankAdmin', 'steward', 'requester'] as const) {
    keys[name] = generateKeyPair();
    files[name] = join(work, `${name}.json`);
    await writeFile(files[name], JSON.stringify(keys[name]), { mode: 0o600 });
  }
  // While the department is the only member its vote is the share: it admits the bank, permitted in the sharing module.
  await commit(keys.admin, 'gov', 'propose', { change: { type: 'addOrganisation', organisation: { id: 'bank', name: 'Example Bank', admins: [keys.bankAdmin.publicKey], threshold: 1, nodes: [], permissions: ['sharing'] } } });
  await commit(keys.admin, 'org', 'propose', official(registry, keys.steward, ['data-steward']));
  await commit(keys.bankAdmin, 'org', 'propose', official('bank', keys.requester, ['data-requester']));
});
after(async () => {
  await t?.close();
});

test('a consented read, the citizen sees it and verifies its receipt offline; a revocation stops the next read', async () => {
  // The registry publishes its dataset.
  const descriptor = join(work, 'residents.json');
  await writeFile(descriptor, JSON.stringify({ name: 'residents', title: 'Resident register', fields: [{ name: 'name', sensitivity: 'personal' }, { name: 'birthDate', sensitivity: 'personal' }, { name: 'address', sensitivity: 'personal' }], sensitivity: 'personal', legalBasis: 'Population Register Act §3', terms: [], retentionDays: 3650 }));
  const defined = await cli('steward', ['sharing', 'define', '--file', descriptor]);
  assert.equal(defined.code, 0, defined.err);
  const ds = await cli(undefined, ['sharing', 'dataset', registry, 'residents']);
  assert.match(ds.out, /version 1 hash [0-9a-f]{64}/);
  const record = join(work, 'record.json');
  await writeFile(record, JSON.stringify({ name: 'CANARY-Ada Lovelace', birthDate: '1815-12-10' }));
  const committed = await cli('steward', ['sharing', 'commit', '--dataset', 'residents', '--record', record, '--holders', registry, '--retention-days', '365', '--json']);
  assert.equal(committed.code, 0, committed.err);
  const { recordId } = JSON.parse(committed.out) as { recordId: string };
  const rec = await get<{ record: { commitment: string; holders: string[] } }>(`/v1/sharing/records/${recordId}`);
  assert.deepEqual(rec.record.holders, [registry]);

  // The citizen: a secret, the pseudonym at the registry, a consent for the bank.
  const secretFile = join(work, 'subject.secret');
  assert.equal((await cli(undefined, ['sharing', 'secret', '--out', secretFile])).code, 0);
  const pseudonym = await cli(undefined, ['sharing', 'pseudonym', '--secret', secretFile, '--holder', registry, '--dataset', 'residents']);
  const subject = pseudonym.out.trim();
  assert.match(subject, /^did:key:z6Mk/);
  const consented = await cli(undefined, ['sharing', 'consent', '--secret', secretFile, '--holder', registry, '--dataset', 'residents', '--fields', 'name,birthDate', '--recipient', 'bank', '--purpose', 'account opening: verify identity', '--days', '30']);
  assert.equal(consented.code, 0, consented.err);
  const consentId = /consent ([0-9a-f]{64}) granted/.exec(consented.out)![1]!;

  // The bank asks twice (the second request stays pending); the registry releases the first.
  const ask = async () => {
    const r = await cli('requester', ['sharing', 'request', '--holder', registry, '--dataset', 'residents', '--fields', 'name,birthDate', '--subject', subject, '--purpose', 'account opening', '--consent', consentId]);
    assert.equal(r.code, 0, r.err);
    return /request ([0-9a-f]{64})/.exec(r.out)![1]!;
  };
  const first = await ask();
  const second = await ask();
  const released = await cli('steward', ['sharing', 'release', first]);
  assert.equal(released.code, 0, released.err);
  const queue = await get<QueueAnswerT>(`/v1/sharing/queue/${registry}`);
  assert.deepEqual(queue.requests.map((r) => r.status), ['released', 'pending']);

  // The citizen sees who read their data, and why.
  const seen = await cli(undefined, ['sharing', 'access', '--secret', secretFile]);
  assert.equal(seen.code, 0, seen.err);
  assert.ok(seen.out.includes(`bank (official ${keys.requester.publicKey.slice(0, 12)}…) ${registry}/residents [name, birthDate] for "account opening" on consent`), seen.out);
  const log = await get<AccessAnswerT>(`/v1/sharing/subjects/${subject}/access`);
  assert.equal(log.total, 1);
  const entry = log.entries[0]!;
  assert.deepEqual([entry.org, entry.official, entry.purpose, entry.consent, entry.outcome], ['bank', keys.requester.publicKey, 'account opening', consentId, 'granted']);

  // The receipt, verified offline; a tampered one fails.
  const receiptFile = join(work, 'receipt.json');
  assert.equal((await cli(undefined, ['sharing', 'receipt', entry.id, '--out', receiptFile])).code, 0);
  const verified = await cli(undefined, ['sharing', 'verify-receipt', receiptFile, '--genesis', genesisPath(t.dir), '--entry', entry.id]);
  assert.equal(verified.code, 0, verified.err);
  assert.match(verified.out, /^verified offline against .*: block \d+/);
  assert.match(verified.out, /for "account opening"/);
  const receipt = JSON.parse(await readFile(receiptFile, 'utf8')) as { entries: { value: { purpose: string } }[] };
  receipt.entries[0]!.value.purpose = 'nothing to see';
  const tampered = join(work, 'tampered.json');
  await writeFile(tampered, JSON.stringify(receipt));
  const bad = await cli(undefined, ['sharing', 'verify-receipt', tampered, '--genesis', genesisPath(t.dir)]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /^SHARING_RECEIPT_INVALID: /);

  // The citizen revokes: the pending request is refused at release and logged; a new one is refused outright.
  const revoked = await cli(undefined, ['sharing', 'revoke', consentId, '--secret', secretFile, '--holder', registry, '--dataset', 'residents']);
  assert.equal(revoked.code, 0, revoked.err);
  const refused = await cli('steward', ['sharing', 'release', second]);
  assert.equal(refused.code, 1);
  assert.match(refused.out, /^refused: SHARING_CONSENT_REVOKED — the refusal is in the access log/);
  const again = await cli('requester', ['sharing', 'request', '--holder', registry, '--dataset', 'residents', '--fields', 'name', '--subject', subject, '--purpose', 'again', '--consent', consentId]);
  assert.equal(again.code, 1);
  assert.match(again.err, /SHARING_CONSENT_REVOKED/);
  const after = await get<AccessAnswerT>(`/v1/sharing/subjects/${subject}/access`);
  assert.deepEqual(after.entries.map((e) => [e.outcome, e.code ?? null]), [['granted', null], ['refused', 'SHARING_CONSENT_REVOKED']]);
  const consents = await get<ConsentsAnswerT>(`/v1/sharing/subjects/${subject}/consents`);
  assert.equal(consents.consents[0]!.state, 'revoked');
  const listed = await cli(undefined, ['sharing', 'consents', '--subject', subject]);
  assert.match(listed.out, /^revoked/);
  const history = await get<DatasetAnswerT>(`/v1/sharing/datasets/${registry}/residents`);
  assert.equal(history.history.length, 1);
  // Nothing personal in what the node answers about the record or the log.
  assert.ok(!JSON.stringify([rec, log, after, consents, queue]).includes('CANARY'));
});

test('bad input through the API, each with its own code: a forged consent, a consent for another recipient, a replayed request', async () => {
  const secret = new Uint8Array(randomBytes(32));
  const me = subjectKeyPair(secret, t.genesis.chainId, registry, 'residents');
  const subject = didKeyFromPublicKey(me.publicKey);
  const consentFor = (recipient: string): Consent => ({ type: 'polity-sharing-consent', v: 1, chainId: t.genesis.chainId, id: toHex(randomBytes(32)), subject, holder: registry, dataset: 'residents', fields: ['name'], recipient, purpose: 'test', until: Date.now() + 86_400_000 });
  const forged = consentFor('bank');
  const f = await send(generateKeyPair(), 'sharing', 'grantConsent', { consent: forged, signature: signConsent(forged, generateKeyPair().secretKey) });
  assert.equal(f.code, 'SHARING_CONSENT_FORGED');
  assert.doesNotMatch(f.message ?? '', /did:key/, 'the message names no subject');
  // A consent for the registry's own officials, cited by the bank.
  const forOther = consentFor(registry);
  await commit(generateKeyPair(), 'sharing', 'grantConsent', { consent: forOther, signature: signConsent(forOther, me.secretKey) });
  await commit(generateKeyPair(), 'sharing', 'grantConsent', { consent: forged, signature: signConsent(forged, me.secretKey) });
  const base = { holder: registry, dataset: 'residents', fields: ['name'], subject, purpose: 'test' };
  const wrong = await send(keys.requester, 'sharing', 'request', { id: toHex(randomBytes(32)), ...base, consent: forOther.id });
  assert.equal(wrong.code, 'SHARING_CONSENT_WRONG_RECIPIENT');
  const id = toHex(randomBytes(32));
  await commit(keys.requester, 'sharing', 'request', { id, ...base, consent: forged.id });
  const replay = await send(keys.requester, 'sharing', 'request', { id, ...base, consent: forged.id });
  assert.equal(replay.code, 'SHARING_REQUEST_REPLAYED');
  const unknown = await t.app.inject({ method: 'GET', url: `/v1/sharing/access/${toHex(randomBytes(32))}/receipt` });
  assert.equal(unknown.statusCode, 404);
  assert.equal((unknown.json() as { code: string }).code, 'SHARING_ENTRY_UNKNOWN');
});

test("the subject asks for erasure on the chain with `polity sharing request-erasure`: the registry's node carries it out, the record is purged and its file gone", async () => {
  const secretFile = join(work, 'erasure.secret');
  assert.equal((await cli(undefined, ['sharing', 'secret', '--out', secretFile])).code, 0);
  const subject = (await cli(undefined, ['sharing', 'pseudonym', '--secret', secretFile, '--holder', registry, '--dataset', 'residents'])).out.trim();
  const res = await signedFetch(`${api}/v1/sharing/store/records`, { method: 'POST', body: JSON.stringify({ dataset: 'residents', subject, fields: { name: 'CANARY-Erase Me' }, retentionUntil: Date.now() + 86_400_000 }) }, { keyId: keys.steward.publicKey, secretKey: keys.steward.secretKey });
  const stored = (await res.json()) as { recordId: string };
  assert.equal(res.status, 201, JSON.stringify(stored));
  const asked = await cli(undefined, ['sharing', 'request-erasure', '--secret', secretFile, '--holder', registry, '--dataset', 'residents', '--yes', '--json']);
  assert.equal(asked.code, 0, asked.err);
  let status = '';
  for (let i = 0; i < 600 && status !== 'purged'; i++) {
    status = (await get<{ record: { status: string } }>(`/v1/sharing/records/${stored.recordId}`)).record.status;
    if (status !== 'purged') await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(status, 'purged', "the registry's node ordered the erasure and confirmed the purge");
  const file = join(t.dir, 'sharing', 'records', `${stored.recordId}.env`);
  assert.equal(await readFile(file).then(() => 'present', () => 'gone'), 'gone');
  // The subject follows the request on the chain (what /sharing shows): the record erased for it, purged by the registry.
  const mine = await get<{ erasures: { request: { erasure: { id: string; holder: string }; records: string[] }; records: { recordId: string; status: string; purged?: Record<string, number> }[]; recordsTotal: number }[]; truncated: boolean }>(`/v1/sharing/subjects/${subject}/erasures`);
  assert.equal(mine.truncated, false);
  assert.equal(mine.erasures.length, 1);
  const [e] = mine.erasures;
  assert.equal(e!.request.erasure.holder, registry);
  assert.deepEqual(e!.request.records, [stored.recordId]);
  assert.deepEqual({ recordsTotal: e!.recordsTotal, recordId: e!.records[0]!.recordId, status: e!.records[0]!.status, purgedBy: Object.keys(e!.records[0]!.purged ?? {}) }, { recordsTotal: 1, recordId: stored.recordId, status: 'purged', purgedBy: [registry] });
  assert.deepEqual((await get<{ erasures: unknown[] }>(`/v1/sharing/subjects/${didKeyFromPublicKey(generateKeyPair().publicKey)}/erasures`)).erasures, [], 'another pseudonym has none');
});

test("a dataset's change log is read a page at a time: ?limit versions, then the next page from its cursor", async () => {
  const base = { name: 'permits', fields: [{ name: 'holder', sensitivity: 'personal' }], sensitivity: 'personal', legalBasis: 'Permits Act §1', terms: [], retentionDays: 365 };
  for (const title of ['Permits', 'Permits, second edition', 'Permits, third edition']) await commit(keys.steward, 'sharing', 'defineDataset', { ...base, title });
  const first = await get<DatasetAnswerT>(`/v1/sharing/datasets/${registry}/permits?limit=2`);
  assert.deepEqual(first.history.map((v) => v.version), [1, 2]);
  assert.ok(first.next, 'a cursor to the rest');
  const rest = await get<DatasetAnswerT>(`/v1/sharing/datasets/${registry}/permits?limit=2&cursor=${first.next}`);
  assert.deepEqual(rest.history.map((v) => v.version), [3]);
  assert.equal(rest.next, null);
  const all = await get<DatasetAnswerT>(`/v1/sharing/datasets/${registry}/permits`);
  assert.deepEqual(all.history.map((v) => v.version), [1, 2, 3], 'without ?limit, a page of up to 100 versions, as before');
});
