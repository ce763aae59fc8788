/**
 * The node's own sharing transactions: offered to the block being built,
 * settled with their result, offered again when their block was abandoned,
 * given up after a time or when the node closes, and bounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TxResult } from '../../ledger/block.js';
import { createSubmitQueue } from './host-submit.js';

const space = { height: 5, txsMax: 1000, bytesMax: 1 << 20 };
const result = (code: string): TxResult => ({ txId: 'ab'.repeat(32), code: code as never, events: [] });

test('a contribution resolves with its committed result; an abandoned one is offered again', async () => {
  let woken = 0;
  const q = createSubmitQueue(() => woken++);
  const done = q.submit('logAccess', { dataset: 'x' }, 10_000);
  assert.equal(q.pendingWork(), 1);
  const [c] = q.contribute(space);
  assert.deepEqual(c!.body, { module: 'sharing', action: 'logAccess', args: { dataset: 'x' } });
  assert.equal(q.pendingWork(), 0, 'in flight: not offered twice');
  assert.equal(q.contribute(space).length, 0);
  c!.settled!({ status: 'abandoned', reason: 'another block was committed at this height' });
  const [again] = q.contribute(space);
  assert.ok(again, 'offered again');
  again!.settled!({ status: 'failed', height: 6, txIndex: 0, txId: 'ab'.repeat(32), result: result('SHARING_CONSENT_REVOKED') });
  assert.deepEqual(await done, { code: 'SHARING_CONSENT_REVOKED', txId: 'ab'.repeat(32), height: 6, events: [] });
  assert.ok(woken >= 2);
});

test('a wait past its time resolves SHARING_ACCESS_NOT_RECORDED; closing gives up the rest', async () => {
  const q = createSubmitQueue(() => {});
  assert.equal((await q.submit('logAccess', {}, 10)).code, 'SHARING_ACCESS_NOT_RECORDED');
  const pending = q.submit('purge', {}, 10_000);
  q.close();
  assert.equal((await pending).code, 'SHARING_ACCESS_NOT_RECORDED');
});

test('the block takes at most its room', () => {
  const q = createSubmitQueue(() => {});
  for (let i = 0; i < 10; i++) void q.submit('purge', { i }, 60_000);
  assert.equal(q.contribute({ ...space, txsMax: 3 }).length, 3);
  assert.equal(q.pendingWork(), 7);
  q.close();
});
