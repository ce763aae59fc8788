import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { generateKeyPair } from '../crypto/ed25519.js';
import { decodeTx } from '../ledger/transaction.js';
import { signTx } from '../ledger/sign.js';
import type { PolityError } from '../ledger/errors.js';
import { createMempool, DEFAULT_MEMPOOL, type MempoolOptions } from './mempool.js';

const keys = Array.from({ length: 4 }, () => generateKeyPair());
const tx = (k: number, nonce: number, expiresAt?: number, salt = 0) =>
  decodeTx(signTx({ v: 1, chainId: 'c', module: 'notary', action: 'anchor', args: { hash: String(nonce * 1000 + salt).padStart(64, '0') }, signer: keys[k]!.publicKey, nonce, ...(expiresAt ? { expiresAt } : {}) }, keys[k]!.secretKey));

test('reaps gap-free nonces per signer, round robin across signers', () => {
  const m = createMempool({ ...DEFAULT_MEMPOOL, txsMax: 100, bytesMax: 1e6, perSignerMax: 10, nonceWindow: 10 });
  m.add(tx(0, 0), 0, 0);
  m.add(tx(0, 1), 0, 0);
  m.add(tx(0, 3), 0, 0); // gap at 2: waits
  m.add(tx(1, 5), 5, 0);
  m.add(tx(1, 6), 5, 0);
  const reaped = m.reap(100, 1e6).map((t) => `${keys.findIndex((k) => k.publicKey === t.tx.body.signer)}:${t.tx.body.nonce}`);
  assert.deepEqual(reaped, ['0:0', '1:5', '0:1', '1:6']);
  assert.deepEqual(m.reap(3, 1e6).length, 3);
});

test('refuses duplicates, used nonces, far nonces and overflow; update drops included and stale', () => {
  const m = createMempool({ ...DEFAULT_MEMPOOL, txsMax: 3, bytesMax: 1e6, perSignerMax: 2, nonceWindow: 5 });
  const a = tx(0, 0);
  m.add(a, 0, 0);
  assert.throws(() => m.add(a, 0, 0), /already waiting/);
  assert.throws(() => m.add(tx(0, 0, undefined, 1), 0, 0), /already used by another waiting/);
  assert.throws(() => m.add(tx(0, 0, undefined, 2), 1, 0), /already used; the signer's next nonce is 1/);
  assert.throws(() => m.add(tx(0, 5), 0, 0), /more than 5 ahead/);
  m.add(tx(0, 1), 0, 0);
  assert.throws(() => m.add(tx(0, 2), 0, 0), /already has 2/);
  m.add(tx(1, 0), 0, 0);
  assert.throws(() => m.add(tx(2, 0), 0, 0), /full/);
  m.update(new Map([[keys[0]!.publicKey, 1]]), [a.id]);
  assert.equal(m.size, 2);
  m.update(new Map([[keys[0]!.publicKey, 2]]), []);
  assert.equal(m.size, 1);
});

test('expired transactions are dropped', () => {
  const m = createMempool({ ...DEFAULT_MEMPOOL, txsMax: 10, bytesMax: 1e6, perSignerMax: 10, nonceWindow: 10 });
  m.add(tx(0, 0, 5), 0, 0);
  m.add(tx(1, 0), 0, 0);
  assert.equal(m.dropExpired(6), 1);
  assert.equal(m.size, 1);
});

test('reap never exceeds its limits and never skips a nonce (property)', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 8 })), { maxLength: 40 }), fc.integer({ min: 1, max: 20 }), (adds, limit) => {
      const m = createMempool({ ...DEFAULT_MEMPOOL, txsMax: 1000, bytesMax: 1e7, perSignerMax: 100, nonceWindow: 100 });
      for (const [k, n] of adds) {
        try {
          m.add(tx(k, n), 0, 0);
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

// --- transactions that cannot run (a nonce gap before them): bounded, expiring, evicted first ---

/** Small limits: 40 transactions, at most 16 of them behind a gap, 8 nonces past a signer's next runnable one. */
const SMALL: MempoolOptions = { txsMax: 40, bytesMax: 1e6, perSignerMax: 40, nonceWindow: 1_000, futureNonceWindow: 8, futureTxsMax: 16, futureTtlMs: 60_000 };
const signerOf = (t: { tx: { body: { signer: string } } }) => keys.findIndex((k) => k.publicKey === t.tx.body.signer);

test('a signer may park transactions only a few nonces past its next runnable one', () => {
  const m = createMempool(SMALL);
  m.add(tx(0, 0), 0, 0);
  m.add(tx(0, 1), 0, 0);
  // Next runnable nonce is 2: 3..9 may wait behind the gap, 10 and beyond may not.
  m.add(tx(0, 9), 0, 0);
  assert.throws(() => m.add(tx(0, 10), 0, 0), (e: PolityError) => e.code === 'TX_NONCE_TOO_FAR' && /8 past the next nonce that can run \(2\)/.test(e.message));
  // Filling the gap moves the window.
  for (let n = 2; n < 9; n++) m.add(tx(0, n), 0, 0);
  m.add(tx(0, 17), 0, 0);
  assert.equal(m.size, 11);
});

test('gapped transactions from a few keys cannot fill the mempool; runnable ones still get in (a nonce-gap flood, small)', () => {
  const m = createMempool(SMALL);
  // Four keys send nonces 1.. and never 0, as many as they are allowed.
  for (let k = 0; k < 4; k++) {
    for (let n = 1; n < 40; n++) {
      try {
        m.add(tx(k, n), 0, 0);
      } catch (e) {
        assert.ok(['TX_NONCE_TOO_FAR', 'MEMPOOL_FULL'].includes((e as PolityError).code), (e as Error).message);
      }
    }
  }
  assert.ok(m.size <= 16, `at most futureTxsMax gapped transactions are kept (kept ${m.size})`);
  // The share is spread over the four, not taken by the first.
  for (let k = 0; k < 4; k++) assert.ok(m.list(40).filter((t) => signerOf(t) === k).length >= 3);
  // A fifth signer with runnable transactions fills the rest and then some: each one is admitted.
  const honest = createMempool({ ...SMALL, txsMax: 20 });
  for (let k = 0; k < 3; k++) {
    for (let n = 1; n < 9; n++) {
      try {
        honest.add(tx(k, n), 0, 0);
      } catch {
        /* the gapped share is full */
      }
    }
  }
  assert.equal(honest.size, 16); // the gapped share is full; 4 slots left
  for (let n = 0; n < 10; n++) honest.add(tx(3, n), 0, 0); // runnable: the last six evict gapped ones
  assert.equal(honest.size, 20);
  assert.equal(honest.reap(100, 1e6).filter((t) => signerOf(t) === 3).length, 10);
});

test('when full, a runnable transaction evicts the farthest gapped one of the signer with the most', () => {
  const m = createMempool({ ...SMALL, txsMax: 6 });
  m.add(tx(0, 1), 0, 0);
  m.add(tx(0, 2), 0, 0);
  m.add(tx(0, 3), 0, 0);
  m.add(tx(1, 5), 0, 0);
  m.add(tx(2, 0), 0, 0);
  m.add(tx(2, 1), 0, 0);
  // Full. A gapped transaction is refused; a runnable one evicts signer 0's nonce 3.
  assert.throws(() => m.add(tx(3, 4), 0, 0), (e: PolityError) => e.code === 'MEMPOOL_FULL');
  m.add(tx(3, 0), 0, 0);
  assert.equal(m.size, 6);
  const waiting = m.list(10).map((t) => `${signerOf(t)}:${t.tx.body.nonce}`);
  assert.deepEqual(waiting.sort(), ['0:1', '0:2', '1:5', '2:0', '2:1', '3:0']);
  // Nothing gapped is left to evict once only runnable ones remain.
  const r = createMempool({ ...SMALL, txsMax: 2 });
  r.add(tx(0, 0), 0, 0);
  r.add(tx(1, 0), 0, 0);
  assert.throws(() => r.add(tx(2, 0), 0, 0), (e: PolityError) => e.code === 'MEMPOOL_FULL');
});

test('the gapped share is kept by the signers with the fewest: a crowded signer loses its farthest', () => {
  const m = createMempool({ ...SMALL, futureTxsMax: 4 });
  for (let n = 1; n <= 4; n++) m.add(tx(0, n), 0, 0); // signer 0 holds the whole gapped share
  m.add(tx(1, 3), 0, 0); // signer 1's first gapped one takes signer 0's farthest (nonce 4)
  assert.deepEqual(m.list(10).map((t) => `${signerOf(t)}:${t.tx.body.nonce}`).sort(), ['0:1', '0:2', '0:3', '1:3']);
  m.add(tx(1, 4), 0, 0); // 3 vs 1: signer 0 loses nonce 3
  assert.throws(() => m.add(tx(1, 5), 0, 0), (e: PolityError) => e.code === 'MEMPOOL_FULL'); // signer 1 would hold 3 to signer 0's 2: no eviction
});

test('gapped transactions expire after futureTtlMs; runnable ones wait for their block', () => {
  const m = createMempool(SMALL);
  m.add(tx(0, 0), 0, 1_000);
  m.add(tx(0, 2), 0, 1_000); // behind a gap (nonce 1 is missing)
  m.add(tx(1, 1), 0, 30_000);
  assert.equal(m.expire(60_999), 0);
  assert.equal(m.expire(61_000), 1); // signer 0's nonce 2
  assert.equal(m.size, 2);
  // A gap that fills in time saves what waited behind it.
  m.add(tx(1, 0), 0, 62_000);
  assert.equal(m.expire(200_000), 0);
  assert.equal(m.size, 3);
  assert.equal(m.reap(10, 1e6).length, 3);
});

test('a committed block that fills a gap makes what waited runnable; the gapped count follows (property)', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 12 }), fc.boolean()), { maxLength: 60 }), (steps) => {
      const m = createMempool({ ...SMALL, txsMax: 24, futureTxsMax: 6 });
      const committed = [0, 0, 0, 0];
      for (const [k, n, commit] of steps) {
        if (commit) {
          // A block used signer k's nonces below n.
          committed[k] = Math.max(committed[k]!, n);
          m.update(new Map([[keys[k]!.publicKey, committed[k]!]]), []);
        } else {
          try {
            m.add(tx(k, n), committed[k]!, 0);
          } catch {
            /* refused: used, duplicate, too far or full */
          }
        }
        // Invariants after every step: limits hold, and the gapped count is what the queues say.
        assert.ok(m.size <= 24);
        let gapped = 0;
        keys.forEach((key, i) => {
          const nonces = new Set(m.list(100).filter((t) => t.tx.body.signer === key.publicKey).map((t) => t.tx.body.nonce));
          let next = committed[i]!;
          while (nonces.has(next)) next++;
          gapped += [...nonces].filter((x) => x > next).length;
          assert.ok([...nonces].every((x) => x >= committed[i]!));
        });
        assert.equal(m.gappedCount, gapped);
        assert.ok(gapped <= 6);
      }
    }),
    { numRuns: 200 },
  );
});
