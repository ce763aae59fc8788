import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { generateKeyPair, verifyBytes } from '../crypto/ed25519.js';
import { decodeTx, txSignMessage, TX_BYTES_MAX, type TxBody } from './transaction.js';
import { signTx } from './sign.js';
import { PolityError } from './errors.js';

const key = generateKeyPair();
const body = (over: Partial<TxBody> = {}): TxBody => ({
  v: 1,
  chainId: 'polity-test',
  module: 'notary',
  action: 'anchor',
  args: { hash: 'ab'.repeat(32) },
  signer: key.publicKey,
  nonce: 0,
  ...over,
});

test('a signed transaction decodes, and its signature covers the domain-separated id', () => {
  const tx = signTx(body(), key.secretKey);
  const d = decodeTx(JSON.parse(JSON.stringify(tx)));
  assert.equal(d.id.length, 64);
  assert.ok(verifyBytes(key.publicKey, txSignMessage(d.idBytes), tx.sig));
  // The id does not depend on property order.
  const reordered = { sig: tx.sig, body: Object.fromEntries(Object.entries(tx.body).reverse()) };
  assert.equal(decodeTx(reordered).id, d.id);
});

test('the id changes with every field (property)', () => {
  fc.assert(
    fc.property(fc.nat({ max: 1e9 }), fc.string({ maxLength: 20 }), (nonce, ref) => {
      const a = decodeTx(signTx(body({ nonce }), key.secretKey));
      const b = decodeTx(signTx(body({ nonce: nonce + 1 }), key.secretKey));
      const c = decodeTx(signTx(body({ nonce, args: { hash: 'ab'.repeat(32), ref } }), key.secretKey));
      assert.notEqual(a.id, b.id);
      if (ref.length > 0 || true) assert.notEqual(a.id, c.id);
    }),
    { numRuns: 50 },
  );
});

test('malformed transactions are refused with the field that is wrong', () => {
  const good = signTx(body(), key.secretKey);
  const cases: [unknown, RegExp][] = [
    [null, /expected an object/],
    [[], /expected an object/],
    [{ ...good, extra: 1 }, /unexpected field "extra"/],
    [{ ...good, sig: 'xyz' }, /sig/],
    [{ ...good, body: { ...good.body, v: 2 } }, /body\.v/],
    [{ ...good, body: { ...good.body, chainId: 'Bad Chain' } }, /chainId/],
    [{ ...good, body: { ...good.body, module: '' } }, /module/],
    [{ ...good, body: { ...good.body, action: '1x' } }, /action/],
    [{ ...good, body: { ...good.body, args: [] } }, /args/],
    [{ ...good, body: { ...good.body, signer: 'ab' } }, /signer/],
    [{ ...good, body: { ...good.body, nonce: -1 } }, /nonce/],
    [{ ...good, body: { ...good.body, nonce: 1.5 } }, /nonce/],
    [{ ...good, body: { ...good.body, expiresAt: 0 } }, /expiresAt/],
    [{ ...good, body: { ...good.body, surprise: true } }, /unexpected field "surprise"/],
  ];
  for (const [value, pattern] of cases) {
    assert.throws(() => decodeTx(value), (e: unknown) => e instanceof PolityError && e.code === 'TX_MALFORMED' && pattern.test(e.message), String(pattern));
  }
  const huge = signTx(body({ args: { pad: 'x'.repeat(TX_BYTES_MAX) } }), key.secretKey);
  assert.throws(() => decodeTx(huge), (e: unknown) => e instanceof PolityError && e.code === 'TX_TOO_LARGE');
});
