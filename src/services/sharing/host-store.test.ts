/**
 * The private store on disk: records are ciphertext at rest, a read decrypts
 * only after its access entry resolved (a refused entry: nothing decrypted),
 * a record that does not match its commitment is refused, erasure leaves no
 * byte of the file, a write cut short is cleaned up, and the count is bounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fromHex } from '../../crypto/bytes.js';
import { generateKeyPair } from '../../crypto/ed25519.js';
import { x25519, x25519PublicOf, x25519SecretFromEd25519Seed } from '../../crypto/x25519.js';
import { PolityError } from '../../ledger/errors.js';
import { tempDir } from '../../../test/helpers.js';
import { newRecord, recordCommitment, seal } from './envelope.js';
import { createPrivateStore } from './host-store.js';

const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
const CANARY = 'CANARY-store-9e41d2';

async function setup(recordsMax?: number) {
  const dataDir = await tempDir('polity-sharing-store-');
  const node = generateKeyPair();
  const secret = x25519SecretFromEd25519Seed(fromHex(node.secretKey));
  const store = createPrivateStore({ dataDir, nodeKey: node.publicKey, keyAgreement: { publicKey: x25519PublicOf(secret), sharedSecret: (pub) => x25519(secret, pub) }, ...(recordsMax ? { recordsMax } : {}) });
  await store.open();
  const put = async (fields = { name: 'Ada', nationalId: CANARY }) => {
    const record = newRecord('kyc', fields, random);
    await store.save(seal(record, 'record', [node.publicKey], random), { dataset: 'kyc', subject: 'did:key:z6MkSubject' });
    return { record, commitment: recordCommitment(record) };
  };
  return { dataDir, node, store, put };
}

async function rawBytes(dir: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) e.isDirectory() ? await walk(join(d, e.name)) : parts.push(await readFile(join(d, e.name)));
  };
  await walk(dir);
  return Buffer.concat(parts);
}

test('records are ciphertext at rest and a read decrypts only after its access entry', async () => {
  const { dataDir, store, put } = await setup();
  const { record, commitment } = await put();
  assert.equal((await rawBytes(dataDir)).includes(CANARY), false, 'no plaintext in the data directory');
  assert.deepEqual(store.find('kyc', 'did:key:z6MkSubject'), [record.recordId]);
  const order: string[] = [];
  const { record: read, entry } = await store.read(record.recordId, commitment, async () => (order.push('entry'), 'entry-1'));
  assert.equal(entry, 'entry-1');
  assert.deepEqual(read.fields, record.fields);
  // A refused entry: the read throws the refusal and nothing is decrypted.
  await assert.rejects(store.read(record.recordId, commitment, async () => { throw new PolityError('SHARING_CONSENT_REVOKED', 'the subject revoked the consent'); }), (e: PolityError) => e.code === 'SHARING_CONSENT_REVOKED');
  // A commitment that does not match (another salt's): refused after the entry, nothing returned.
  await assert.rejects(store.read(record.recordId, 'ab'.repeat(32), async () => 'entry-2'), (e: PolityError) => e.code === 'SHARING_STORE_MISMATCH' && !e.message.includes(CANARY));
  await assert.rejects(store.read('cd'.repeat(32), commitment, async () => 'x'), (e: PolityError) => e.code === 'SHARING_RECORD_NOT_HELD');
});

test('erasure overwrites and unlinks: no byte of the record is left in the data directory; a restart does not bring it back', async () => {
  const { dataDir, node, store, put } = await setup();
  const { record, commitment } = await put();
  const other = await put({ name: 'Bob', nationalId: 'KEEP-ME-77' });
  const ciphertext = JSON.parse(await readFile(join(store.dir, `${record.recordId}.env`), 'utf8')).envelope.ct as string;
  assert.equal(await store.erase(record.recordId), true);
  assert.equal(await store.erase(record.recordId), false, 'erased once');
  const raw = await rawBytes(dataDir);
  assert.equal(raw.includes(ciphertext.slice(0, 40)), false, 'the ciphertext is gone');
  assert.equal(raw.includes(record.recordId), false, 'even the record id is gone from the store');
  await assert.rejects(store.read(record.recordId, commitment, async () => 'e'), (e: PolityError) => e.code === 'SHARING_RECORD_NOT_HELD');
  const secret = x25519SecretFromEd25519Seed(fromHex(node.secretKey));
  const again = createPrivateStore({ dataDir, nodeKey: node.publicKey, keyAgreement: { publicKey: x25519PublicOf(secret), sharedSecret: (pub) => x25519(secret, pub) } });
  await again.open();
  assert.deepEqual(again.ids(), [other.record.recordId]);
  // Negative control: the scan finds what is there.
  assert.equal(raw.includes(JSON.parse(await readFile(join(store.dir, `${other.record.recordId}.env`), 'utf8')).envelope.ct.slice(0, 40)), true);
});

test('a write cut short is destroyed at open, an envelope this node cannot open is refused, and the count is bounded', async () => {
  const { dataDir, store, put } = await setup(2);
  await writeFile(join(store.dir, `${'ee'.repeat(32)}.env.123.tmp`), 'half a record');
  const reopened = createPrivateStore({ dataDir, nodeKey: generateKeyPair().publicKey, keyAgreement: { publicKey: new Uint8Array(32), sharedSecret: () => new Uint8Array(32) } });
  await reopened.open();
  assert.deepEqual(await readdir(store.dir), []);
  const stranger = generateKeyPair();
  await assert.rejects(store.save(seal(newRecord('kyc', { a: 1 }, random), 'record', [stranger.publicKey], random), { dataset: 'kyc', subject: 's' }), (e: PolityError) => e.code === 'SHARING_STORE_INVALID');
  await put();
  await put();
  await assert.rejects(put(), (e: PolityError) => e.code === 'SHARING_STORE_FULL');
});
