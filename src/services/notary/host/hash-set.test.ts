/**
 * The byte-keyed hash set of the aggregation queue (hash-set.ts) against a
 * plain Set of hex strings: the same members, each once, in the order first
 * added, across growth; and hashes that differ in one word only are told
 * apart (every word is compared).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { createHashSet, hashSetOf } from './hash-set.js';

const hex = (b: Uint8Array, i: number): string => Buffer.from(b.subarray(i * 32, i * 32 + 32)).toString('hex');

test('it holds what a Set of hex strings holds, first-added order kept, through growth', () => {
  fc.assert(
    fc.property(fc.array(fc.nat(3000), { minLength: 1, maxLength: 6 }), fc.nat(50), (sizes, dupEvery) => {
      const set = createHashSet();
      const reference = new Set<string>();
      const pool = new Uint8Array(randomBytes(2000 * 32));
      for (const n of sizes) {
        // Draw from a pool so that repeats occur, within a request and across requests.
        const req = new Uint8Array(n * 32);
        for (let i = 0; i < n; i++) req.set(pool.subarray(((i * (dupEvery + 1)) % 2000) * 32, ((i * (dupEvery + 1)) % 2000) * 32 + 32), i * 32);
        const before = reference.size;
        for (let i = 0; i < n; i++) reference.add(hex(req, i));
        assert.equal(set.addAll(req), reference.size - before);
      }
      assert.equal(set.size, reference.size);
      const bytes = set.bytes();
      assert.deepEqual(Array.from({ length: set.size }, (_, i) => hex(bytes, i)), [...reference]);
      for (const [i, h] of [...reference].entries()) assert.equal(set.indexOf(Buffer.from(h, 'hex')), i);
      assert.equal(set.indexOf(randomBytes(32)), -1);
    }),
    { numRuns: 40 },
  );
});

test('a cleared set is empty and takes hashes again, in order, in the same memory', () => {
  const set = createHashSet(100);
  const first = new Uint8Array(randomBytes(100 * 32));
  assert.equal(set.addAll(first), 100);
  const capacity = set.capacity;
  set.clear();
  assert.equal(set.size, 0);
  assert.equal(set.indexOf(first, 0), -1, 'forgotten');
  const second = new Uint8Array(randomBytes(50 * 32));
  assert.equal(set.addAll(second), 50);
  assert.equal(set.addAll(first.subarray(0, 32)), 1, 'a hash of before the clear is new again');
  assert.deepEqual(Buffer.from(set.bytes().subarray(0, 50 * 32)), Buffer.from(second));
  assert.equal(set.indexOf(first, 0), 50);
  assert.equal(set.capacity, capacity);
});

test('unaligned input is read the same as aligned, and look-ups find hashes at any offset', () => {
  const data = randomBytes(1 + 100 * 32);
  const unaligned = new Uint8Array(data.buffer, data.byteOffset + 1, 100 * 32);
  const set = createHashSet();
  assert.equal(set.addAll(unaligned), 100);
  assert.deepEqual(Buffer.from(set.bytes()), Buffer.from(unaligned));
  for (let i = 0; i < 100; i++) assert.equal(set.indexOf(unaligned, i * 32), i);
  const again = hashSetOf(new Uint8Array(unaligned));
  assert.equal(again.size, 100);
});

test('hashes that differ in one 32-bit word only are all kept, each at its own entry', () => {
  for (let word = 0; word < 8; word++) {
    const n = 5_000;
    const req = new Uint8Array(n * 32);
    for (let i = 0; i < n; i++) new DataView(req.buffer).setUint32(i * 32 + word * 4, i * 65536 + 1);
    const set = createHashSet();
    assert.equal(set.addAll(req), n, `word ${word}`);
    for (let i = 0; i < n; i += 97) assert.equal(set.indexOf(req, i * 32), i);
  }
  const n = 50_000;
  const req = new Uint8Array(n * 32);
  for (let i = 0; i < n; i++) new DataView(req.buffer).setUint32(i * 32 + 28, i * 65536);
  const set = createHashSet();
  assert.equal(set.addAll(req), n);
  for (let i = 0; i < n; i += 997) assert.equal(set.indexOf(req, i * 32), i);
  // Negative control: identical hashes are one member.
  assert.equal(createHashSet().addAll(new Uint8Array(10 * 32)), 1);
});
