import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { generateKeyPair } from '../crypto/ed25519.js';
import { decodeTx } from '../ledger/transaction.js';
import { signTx } from '../ledger/sign.js';
import { createMempool } from './mempool.js';

const keys = Array.from({ length: 4 }, () => generateKeyPair());
const tx = (k: number, nonce: number, expiresAt?: number, salt = 0) =>
  decodeTx(signTx({ v: 1, chainId: 'c', module: 'notary', action: 'anchor', args: { hash: String(nonce * 1000 + salt).padStart(64, '0') }, signer: keys[k]!.publicKey, nonce, ...(expiresAt ? { expiresAt } : {}) }, keys[k]!.secretKey));

test('reaps gap-free nonces per signer, round robin across signers', () => {
  const m = createMempool({ txsMax: 100, bytesMax: 1e6, perSignerMax: 10, nonceWindow: 10 });
  m.add(tx(0, 0), 0);
  m.add(tx(0, 1), 0);
  m.add(tx(0, 3), 0); // gap at 2: waits
  m.add(tx(1, 5), 5);
  m.add(tx(1, 6), 5);
  const reaped = m.reap(100, 1e6).map((t) => `${keys.findIndex((k) => k.publicKey === t.tx.body.signer)}:${t.tx.body.nonce}`);
  assert.deepEqual(reaped, ['0:0', '1:5', '0:1', '1:6']);
  assert.deepEqual(m.reap(3, 1e6).length, 3);
});

test('refuses duplicates, used nonces, far nonces and overflow; update drops included and stale', () => {
  const m = createMempool({ txsMax: 3, bytesMax: 1e6, perSignerMax: 2, nonceWindow: 5 });
  const a = tx(0, 0);
  m.add(a, 0);
  assert.throws(() => m.add(a, 0), /already waiting/);
  assert.throws(() => m.add(tx(0, 0, undefined, 1), 0), /already used by another waiting/);
  assert.throws(() => m.add(tx(0, 0, undefined, 2), 1), /already used; the signer's next nonce is 1/);
  assert.throws(() => m.add(tx(0, 5), 0), /more than 5 ahead/);
  m.add(tx(0, 1), 0);
  assert.throws(() => m.add(tx(0, 2), 0), /already has 2/);
  m.add(tx(1, 0), 0);
  assert.throws(() => m.add(tx(2, 0), 0), /full/);
  m.update(new Map([[keys[0]!.publicKey, 1]]), [a.id]);
  assert.equal(m.size, 2);
  m.update(new Map([[keys[0]!.publicKey, 2]]), []);
  assert.equal(m.size, 1);
});

test('expired transactions are dropped', () => {
  const m = createMempool({ txsMax: 10, bytesMax: 1e6, perSignerMax: 10, nonceWindow: 10 });
  m.add(tx(0, 0, 5), 0);
  m.add(tx(1, 0), 0);
  assert.equal(m.dropExpired(6), 1);
  assert.equal(m.size, 1);
});

test('reap never exceeds its limits and never skips a nonce (property)', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 8 })), { maxLength: 40 }), fc.integer({ min: 1, max: 20 }), (adds, limit) => {
      const m = createMempool({ txsMax: 1000, bytesMax: 1e7, perSignerMax: 100, nonceWindow: 100 });
      for (const [k, n] of adds) {
        try {
          m.add(tx(k, n), 0);
        } catch {
          /* duplicates are refused */
        }
      }
      const out = m.reap(limit, 1e7);
      assert.ok(out.length <= limit);
      const next = new Map<string, number>();
      for (const t of out) {
        const expected = next.get(t.tx.body.signer) ?? 0;
        assert.equal(t.tx.body.nonce, expected);
        next.set(t.tx.body.signer, expected + 1);
      }
    }),
    { numRuns: 100 },
  );
});
