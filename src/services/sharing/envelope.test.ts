/**
 * Private records as bytes: the commitment checks a record and a partial
 * disclosure and nothing altered; the envelope opens only for the nodes it
 * was wrapped for, and not once a byte, a wrap or the record id is changed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { fromHex } from '../../crypto/bytes.js';
import { generateKeyPair } from '../../crypto/ed25519.js';
import { x25519, x25519SecretFromEd25519Seed } from '../../crypto/x25519.js';
import { disclose, disclosureCommitment, envelopeProblem, newRecord, open, recordCommitment, seal, fieldsProblem, type Disclosure, type Envelope, type PrivateRecord } from './envelope.js';

const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
const agree = (secretKey: string) => (pub: Uint8Array) => x25519(x25519SecretFromEd25519Seed(fromHex(secretKey)), pub);
const fields = { name: 'Ada Lovelace', nationalId: 'CANARY-7f3a9c', verified: true, riskScore: 3 };

test('the commitment checks the record and a disclosure of some fields; any change breaks it', () => {
  const record = newRecord('kyc', fields, random);
  const c = recordCommitment(record);
  assert.match(c, /^[0-9a-f]{64}$/);
  const d = disclose(record, ['name', 'verified']);
  assert.deepEqual(Object.keys(d.fields).sort(), ['name', 'verified']);
  assert.deepEqual(Object.keys(d.withheld).sort(), ['nationalId', 'riskScore']);
  assert.ok(!JSON.stringify(d).includes('CANARY-7f3a9c'), 'a withheld value is not in the disclosure');
  assert.equal(disclosureCommitment(d), c);
  // Negative controls: a changed value, a dropped field, another record id, another salt.
  assert.notEqual(disclosureCommitment({ ...d, fields: { ...d.fields, name: { ...d.fields.name!, value: 'Eve' } } }), c);
  const { riskScore: _dropped, ...fewer } = d.withheld;
  assert.notEqual(disclosureCommitment({ ...d, withheld: fewer }), c);
  assert.notEqual(recordCommitment({ ...record, recordId: 'ab'.repeat(32) }), c);
  assert.notEqual(recordCommitment({ ...record, salt: 'cd'.repeat(32) }), c);
});

test('an envelope opens for each node it was wrapped for, and for no other', () => {
  const [b, c, a] = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
  const record = newRecord('kyc', fields, random);
  const env = seal(record, 'record', [b.publicKey, c.publicKey], random);
  assert.equal(envelopeProblem(env), undefined);
  assert.ok(!JSON.stringify(env).includes('CANARY'), 'no plaintext in the envelope');
  for (const k of [b, c]) assert.deepEqual(open(env, k.publicKey, agree(k.secretKey)), record);
  assert.equal(open(env, a.publicKey, agree(a.secretKey)), undefined, 'not wrapped for A');
  // A pretends to be B: B's wrap with A's secret does not open.
  assert.equal(open(env, b.publicKey, agree(a.secretKey)), undefined);
});

test('an altered envelope does not open: a ciphertext byte, a wrap, the record id, the kind', () => {
  const b = generateKeyPair();
  const record = newRecord('kyc', fields, random);
  const env = seal(record, 'record', [b.publicKey], random);
  const ct = Buffer.from(env.ct, 'base64');
  ct[5]! ^= 1;
  const tampered: Envelope[] = [
    { ...env, ct: ct.toString('base64') },
    { ...env, wraps: [{ ...env.wraps[0]!, key: env.wraps[0]!.key.replace(/^./, (ch) => (ch === '0' ? '1' : '0')) }] },
    { ...env, recordId: 'ab'.repeat(32) },
    { ...env, kind: 'disclosure' },
  ];
  for (const t of tampered) assert.equal(open(t, b.publicKey, agree(b.secretKey)), undefined);
  assert.deepEqual(open(env, b.publicKey, agree(b.secretKey)) as PrivateRecord, record, 'the untouched envelope opens (control)');
  const d = disclose(record, ['name']);
  assert.deepEqual(open(seal(d, 'disclosure', [b.publicKey], random), b.publicKey, agree(b.secretKey)) as Disclosure, d);
});

test('bounds: fields, sizes, recipients, and malformed envelopes each say what was expected, never a value', () => {
  assert.match(fieldsProblem({})!, /at least one field/);
  assert.match(fieldsProblem({ 'Bad Name': 1 })!, /field names/);
  assert.match(fieldsProblem(Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`f${i}`, i])))!, /at most 64/);
  const big = fieldsProblem({ blob: 'SECRET'.repeat(20_000) })!;
  assert.match(big, /bytes of JSON/);
  assert.ok(!big.includes('SECRET'));
  assert.equal(fieldsProblem(fields), undefined);
  const record = newRecord('kyc', fields, random);
  assert.throws(() => seal(record, 'record', [], random), /1 to 64/);
  assert.throws(() => seal(record, 'record', Array.from({ length: 65 }, () => generateKeyPair().publicKey), random), /1 to 64/);
  assert.match(envelopeProblem({ v: 1, kind: 'record', recordId: 'x' })!, /record id/);
  assert.match(envelopeProblem({ v: 1, kind: 'record', recordId: 'ab'.repeat(32), iv: '00'.repeat(12), ct: 'A'.repeat(100_000), wraps: [] })!, /ciphertext/);
});
