/** The double-sign guard's cases (signing-guard.ts): from which height a validator may sign after a start. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signFromHeight } from './signing-guard.js';

const log = (prunedThrough: number, topHeight = prunedThrough) => ({ found: true, prunedThrough, topHeight });

test('a new validator signs from height 1; a normal restart signs at once, with its log', () => {
  assert.equal(signFromHeight({ storeHeight: 0, committedHeight: 0, wal: { found: false, prunedThrough: 0, topHeight: 0 } }).height, 1);
  assert.deepEqual(signFromHeight({ storeHeight: 9, committedHeight: 9, wal: log(9, 10) }), { height: 10 });
  // A crash between the store's write and the record's, or before the log was pruned.
  assert.deepEqual(signFromHeight({ storeHeight: 9, committedHeight: 8, wal: log(8, 9) }), { height: 10 });
});

test('a lost, damaged or stale log, or a store behind the record: nothing is signed up to the height after the last commit', () => {
  const missing = signFromHeight({ storeHeight: 9, committedHeight: 9, wal: { found: false, prunedThrough: 0, topHeight: 0 } });
  assert.deepEqual(missing, { height: 11, reason: 'the consensus log is missing' });
  assert.equal(signFromHeight({ storeHeight: 9, committedHeight: 9, wal: { ...log(9), damaged: 'line 2 is unreadable' } }).height, 11);
  assert.match(signFromHeight({ storeHeight: 9, committedHeight: 9, wal: log(5) }).reason!, /older than the chain/);
  assert.equal(signFromHeight({ storeHeight: 9, committedHeight: 9, wal: log(5) }).height, 11);
  const wiped = signFromHeight({ storeHeight: 0, committedHeight: 9, wal: log(9, 10) });
  assert.equal(wiped.height, 11);
  assert.match(wiped.reason!, /behind/);
  // Everything but the commit record deleted: still guarded by the record.
  assert.equal(signFromHeight({ storeHeight: 0, committedHeight: 9, wal: { found: false, prunedThrough: 0, topHeight: 0 } }).height, 11);
});

test('a pilot that grew into a BFT network: its solo blocks left no log, and it signs from its next height; not when its store is behind', () => {
  const none = { found: false, prunedThrough: 0, topHeight: 0 };
  assert.deepEqual(signFromHeight({ storeHeight: 7, committedHeight: 7, wal: none, soloHead: true }), { height: 8 });
  // The head was decided by a set of several: the missing log is a lost log.
  assert.equal(signFromHeight({ storeHeight: 7, committedHeight: 7, wal: none, soloHead: false }).height, 9);
  // A store behind the record (restored or cut): guarded as before.
  assert.equal(signFromHeight({ storeHeight: 5, committedHeight: 7, wal: none, soloHead: true }).height, 9);
});
