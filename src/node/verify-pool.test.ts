/**
 * The verification pool checks signatures over arbitrary messages in its
 * workers (a credential's 64 signed bytes, a vc+jwt's ~1 KB signing input)
 * with the same verdicts as a direct check: good ones pass, and a flipped
 * byte in the message, the signature or the key fails — across batches
 * mixing sizes, in order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { generateKeyPair, signRaw, verifyBytes } from '../crypto/ed25519.js';
import { createVerifyPool } from './verify-pool.js';

test('verifySignature in worker threads agrees with a direct check, for messages of any length, good and tampered', async () => {
  const pool = createVerifyPool(2);
  try {
    const key = generateKeyPair();
    const other = generateKeyPair();
    const cases = Array.from({ length: 300 }, (_, i) => {
      const message = randomBytes([0, 1, 64, 1_000, 90_000][i % 5]!);
      const sig = signRaw(key.secretKey, message);
      const kind = i % 4;
      if (kind === 1 && message.length > 0) message[0]! ^= 1; // message changed after signing
      if (kind === 2) sig[5]! ^= 1; // signature changed
      const pub = kind === 3 ? other.publicKey : key.publicKey; // another key
      return { pub, message, sig, expected: verifyBytes(pub, message, sig) };
    });
    const verdicts = await Promise.all(cases.map((c) => pool.verifySignature(c.pub, c.message, c.sig)));
    assert.deepEqual(verdicts, cases.map((c) => c.expected));
    assert.ok(verdicts.filter(Boolean).length >= 75 && verdicts.filter((v) => !v).length >= 150, 'both verdicts occur');
    // Shapes the worker record cannot hold are not valid signatures (never a crash).
    assert.equal(await pool.verifySignature('zz', new Uint8Array(1), new Uint8Array(64)), false);
    assert.equal(await pool.verifySignature(key.publicKey, new Uint8Array(1), new Uint8Array(63)), false);
  } finally {
    await pool.close();
  }
});
