/**
 * Where a transaction is, as the API answers it: once the node has committed
 * it, it is committed, even while the mempool has not yet been told (the
 * consensus host updates it after the block is durable, and a gossiped copy
 * can sit there a moment longer).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChainState } from './chain-state.js';
import { createTxStatusService } from './tx-status.js';

const result = { txId: 'aa'.repeat(32), code: 'OK' } as never;

function fakeChain(committed: Map<string, { height: number; index: number }>): ChainState {
  return {
    onCommit: () => () => {},
    committedTx: async (id: string) => {
      const c = committed.get(id);
      return c ? { ...c, result } : undefined;
    },
  } as unknown as ChainState;
}

test('a committed transaction is committed, even while the mempool still holds a copy', async () => {
  const id = 'aa'.repeat(32);
  const committed = new Map([[id, { height: 8, index: 1 }]]);
  const inMempool = new Set([id]);
  const txs = createTxStatusService(fakeChain(committed), { has: (t) => inMempool.has(t) });
  const s = await txs.txStatus(id);
  assert.equal(s.status, 'committed', `answered ${JSON.stringify(s)}`);
  assert.equal((s as { height: number }).height, 8);
  // and waitForTx answers at once, too
  assert.equal((await txs.waitForTx(id, 10_000)).status, 'committed');
});

test('a transaction only in the mempool is pending; one nowhere is unknown', async () => {
  const pendingId = 'bb'.repeat(32);
  const txs = createTxStatusService(fakeChain(new Map()), { has: (t) => t === pendingId });
  assert.equal((await txs.txStatus(pendingId)).status, 'pending');
  assert.equal((await txs.txStatus('cc'.repeat(32))).status, 'unknown');
});
