/**
 * Transfers between nodes, both ends, over a chain state held in a map:
 * the receiver accepts exactly the requested fields of a held record of the
 * request's holder that match the commitment, and refuses a tampered
 * answer (SHARING_COMMITMENT_MISMATCH) whatever was changed — even one the
 * sender re-sealed properly; the holder answers only a released request,
 * only to a node of the requesting organisation, and only once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Json } from '../../crypto/canonical-json.js';
import { fromHex } from '../../crypto/bytes.js';
import { generateKeyPair, type KeyPair } from '../../crypto/ed25519.js';
import { x25519, x25519PublicOf, x25519SecretFromEd25519Seed } from '../../crypto/x25519.js';
import { PolityError } from '../../ledger/errors.js';
import { tempDir } from '../../../test/helpers.js';
import { disclose, newRecord, open, recordCommitment, seal, type Disclosure, type Envelope } from './envelope.js';
import { recordKey, requestKey, type RecordCommitment, type SharingRequest } from './module.js';
import { createPrivateStore } from './host-store.js';
import { acceptReplica, checkAnswer, decodeMessage, serveTransfer, type HolderSide } from './host-transfer.js';
import { createServedLog } from './host-served.js';

const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
const agree = (k: KeyPair) => (pub: Uint8Array) => x25519(x25519SecretFromEd25519Seed(fromHex(k.secretKey)), pub);
const [nodeA, nodeB, nodeC] = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
const fields = { name: 'Ada', nationalId: 'CANARY-T-1', address: 'Somewhere 1' };

function world() {
  const state = new Map<string, Json>();
  const get = (k: string): Json | undefined => state.get(k);
  const record = newRecord('residents', fields, random);
  const rec: RecordCommitment = { recordId: record.recordId, org: 'registry', dataset: 'residents', datasetVersion: 1, commitment: recordCommitment(record), holders: ['registry', 'health'], retentionUntil: 9e12, height: 3, time: 1, status: 'held' };
  state.set(recordKey(record.recordId), rec as unknown as Json);
  const request: SharingRequest = { id: 'aa'.repeat(32), org: 'tax', official: 'bb'.repeat(32), holder: 'registry', dataset: 'residents', fields: ['name', 'address'], subject: 'did:key:z6MkS', purpose: 'p', consent: 'cc'.repeat(32), approval: 'auto', status: 'released', height: 4, time: 2, decided: { height: 5, time: 3, key: nodeB.publicKey, entry: 'dd'.repeat(32) } };
  state.set(requestKey(request.id), request as unknown as Json);
  const answer = (d: Disclosure | ReturnType<typeof disclose> = disclose(record, request.fields), to = nodeA.publicKey, kind: Envelope['kind'] = 'disclosure') => ({ records: [{ recordId: record.recordId, envelope: seal(d, kind, [to], random) }] });
  return { state, get, record, rec, request, answer };
}

test('the receiver accepts exactly the requested fields of a held record that match the commitment', () => {
  const w = world();
  const checked = checkAnswer(w.get, w.request, w.answer(), nodeA.publicKey, agree(nodeA));
  assert.deepEqual(checked, { accepted: [{ recordId: w.record.recordId, fields: { name: 'Ada', address: 'Somewhere 1' } }] });
});

test('a tampered transfer is refused with SHARING_COMMITMENT_MISMATCH, whatever was changed', () => {
  const w = world();
  const good = disclose(w.record, w.request.fields);
  const flipped = w.answer();
  const ct = Buffer.from(flipped.records[0]!.envelope.ct, 'base64');
  ct[3]! ^= 1;
  flipped.records[0]!.envelope.ct = ct.toString('base64');
  const cases: [string, unknown][] = [
    ['a value changed and re-sealed by the sender', w.answer({ ...good, fields: { ...good.fields, name: { ...good.fields.name!, value: 'Eve' } } })],
    ['a field not asked for disclosed', w.answer(disclose(w.record, ['name', 'address', 'nationalId']))],
    ['a field asked for withheld', w.answer(disclose(w.record, ['name']))],
    ['sealed to another node', w.answer(good, nodeC.publicKey)],
    ['a ciphertext bit flipped', flipped],
    ['a whole record instead of a disclosure', w.answer(w.record as never, nodeA.publicKey, 'record')],
    ['no records', { records: [] }],
    ['not an answer', 'hello'],
  ];
  for (const [what, answer] of cases) {
    const checked = checkAnswer(w.get, w.request, answer, nodeA.publicKey, agree(nodeA));
    assert.ok('code' in checked && checked.code === 'SHARING_COMMITMENT_MISMATCH', `${what}: ${JSON.stringify(checked)}`);
    assert.ok(!('message' in checked) || !checked.message.includes('CANARY'), 'no value in the message');
  }
  // The record erased on the chain, or of another holder: refused even when the bytes are right.
  w.state.set(recordKey(w.record.recordId), { ...w.rec, status: 'erasing' } as unknown as Json);
  assert.equal((checkAnswer(w.get, w.request, w.answer(), nodeA.publicKey, agree(nodeA)) as { code: string }).code, 'SHARING_COMMITMENT_MISMATCH');
  w.state.set(recordKey(w.record.recordId), { ...w.rec, org: 'health' } as unknown as Json);
  assert.equal((checkAnswer(w.get, w.request, w.answer(), nodeA.publicKey, agree(nodeA)) as { code: string }).code, 'SHARING_COMMITMENT_MISMATCH');
});

async function holder(w: ReturnType<typeof world>, submitted: string[] = []): Promise<HolderSide> {
  const secret = x25519SecretFromEd25519Seed(fromHex(nodeB.secretKey));
  const store = createPrivateStore({ dataDir: await tempDir('polity-sharing-transfer-'), nodeKey: nodeB.publicKey, keyAgreement: { publicKey: x25519PublicOf(secret), sharedSecret: (p) => x25519(secret, p) } });
  await store.open();
  await store.save(seal(w.record, 'record', [nodeB.publicKey], random), { dataset: 'residents', subject: w.request.subject });
  const orgs: Record<string, string> = { [nodeA.publicKey]: 'tax', [nodeB.publicKey]: 'registry', [nodeC.publicKey]: 'health' };
  return { get: w.get, ownOrg: () => 'registry', orgOfNode: (k) => orgs[k], nodeKey: nodeB.publicKey, store, submit: async (action) => (submitted.push(action), { code: 'OK' }), random, served: createServedLog(undefined), now: () => 0 };
}

test('the holder answers a released request once, to a node of the requesting organisation, with the requested fields sealed to it', async () => {
  const w = world();
  const side = await holder(w);
  await assert.rejects(serveTransfer(side, nodeC.publicKey, w.request.id), (e: PolityError) => e.code === 'SHARING_TRANSFER_NOT_ALLOWED');
  const answer = await serveTransfer(side, nodeA.publicKey, w.request.id);
  const d = open(answer.records[0]!.envelope, nodeA.publicKey, agree(nodeA)) as Disclosure;
  assert.deepEqual(Object.keys(d.fields).sort(), ['address', 'name']);
  assert.ok(!JSON.stringify(answer).includes('CANARY'), 'the withheld field is not in the answer, not even encrypted');
  assert.equal(open(answer.records[0]!.envelope, nodeC.publicKey, agree(nodeC)), undefined, 'sealed to the asker only');
  await assert.rejects(serveTransfer(side, nodeA.publicKey, w.request.id), (e: PolityError) => e.code === 'SHARING_TRANSFER_ANSWERED');
});

test('the holder sends nothing for a refused or declined request, and releases a pending one on the chain first', async () => {
  const w = world();
  const submitted: string[] = [];
  const side = await holder(w, submitted);
  w.state.set(requestKey(w.request.id), { ...w.request, status: 'refused', decided: { ...w.request.decided!, code: 'SHARING_CONSENT_REVOKED' } } as unknown as Json);
  await assert.rejects(serveTransfer(side, nodeA.publicKey, w.request.id), (e: PolityError) => e.code === 'SHARING_CONSENT_REVOKED');
  // Pending: the holder submits the release; the chain (here: the map) then says refused.
  w.state.set(requestKey(w.request.id), { ...w.request, status: 'pending' } as unknown as Json);
  side.submit = async (action) => {
    submitted.push(action);
    w.state.set(requestKey(w.request.id), { ...w.request, status: 'refused', decided: { ...w.request.decided!, code: 'SHARING_NO_LEGAL_BASIS' } } as unknown as Json);
    return { code: 'OK' };
  };
  await assert.rejects(serveTransfer(side, nodeA.publicKey, w.request.id), (e: PolityError) => e.code === 'SHARING_NO_LEGAL_BASIS');
  assert.deepEqual(submitted, ['release']);
});

test('a replica is kept only by a holder, from the record organisation\'s node, when it matches the commitment', async () => {
  const w = world();
  const secretC = x25519SecretFromEd25519Seed(fromHex(nodeC.secretKey));
  const storeC = createPrivateStore({ dataDir: await tempDir('polity-sharing-replica-'), nodeKey: nodeC.publicKey, keyAgreement: { publicKey: x25519PublicOf(secretC), sharedSecret: (p) => x25519(secretC, p) } });
  await storeC.open();
  const orgs: Record<string, string> = { [nodeA.publicKey]: 'tax', [nodeB.publicKey]: 'registry', [nodeC.publicKey]: 'health' };
  const sideC: HolderSide = { get: w.get, ownOrg: () => 'health', orgOfNode: (k) => orgs[k], nodeKey: nodeC.publicKey, store: storeC, submit: async () => ({ code: 'OK' }), random, served: createServedLog(undefined), now: () => 0 };
  const msg = (record = w.record) => ({ type: 'replicate' as const, recordId: w.record.recordId, dataset: 'residents', subject: 'did:key:z6MkS', envelope: seal(record, 'record', [nodeB.publicKey, nodeC.publicKey], random) });
  await assert.rejects(acceptReplica(sideC, nodeA.publicKey, msg(), agree(nodeC)), (e: PolityError) => e.code === 'SHARING_TRANSFER_NOT_ALLOWED');
  await assert.rejects(acceptReplica(sideC, nodeB.publicKey, msg({ ...w.record, fields: { ...fields, name: 'Eve' } }), agree(nodeC)), (e: PolityError) => e.code === 'SHARING_COMMITMENT_MISMATCH');
  assert.equal(storeC.size, 0);
  await acceptReplica(sideC, nodeB.publicKey, msg(), agree(nodeC));
  assert.deepEqual(storeC.ids(), [w.record.recordId]);
  await assert.rejects(acceptReplica({ ...sideC, ownOrg: () => 'tax' }, nodeB.publicKey, msg(), agree(nodeC)), (e: PolityError) => e.code === 'SHARING_TRANSFER_NOT_ALLOWED');
});

test('a peer message is checked for shape before any work, and refused with a sentence that names no value', () => {
  const bad = ['not json', JSON.stringify({ type: 'transfer', request: 'short' }), JSON.stringify({ type: 'replicate', recordId: 'ab'.repeat(32), dataset: 'x', subject: 's', envelope: { v: 1, kind: 'record', recordId: 'ab'.repeat(32), iv: '00', ct: 'SECRET', wraps: [] } }), JSON.stringify({ type: 'other' }), JSON.stringify(null)];
  for (const text of bad) {
    assert.throws(() => decodeMessage(new TextEncoder().encode(text)), (e: PolityError) => e.code === 'SHARING_STORE_INVALID' && !e.message.includes('SECRET'));
  }
  assert.deepEqual(decodeMessage(new TextEncoder().encode(JSON.stringify({ type: 'transfer', request: 'ab'.repeat(32), extra: 1 }))), { type: 'transfer', request: 'ab'.repeat(32) });
});
