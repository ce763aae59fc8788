/**
 * Where a transaction is, as the API answers it: once the node has committed
 * it, it is committed, even while the mempool has not yet been told (the
 * consensus host updates it after the block is durable, and a gossiped copy
 * can sit there a moment longer). Recent blocks are answered from memory;
 * older transactions from the chain store's index.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChainState, CommittedBlock } from './chain-state.js';
import { createTxStatusService, RECENT_BLOCKS } from './tx-status.js';

const okResult = (txId: string) => ({ txId, code: 'OK' }) as never;

/** A chain whose store holds `stored` (committed before this node started) and whose `commit` notifies listeners. */
function fakeChain(stored: Map<string, { height: number; index: number }>) {
  const listeners: ((c: CommittedBlock) => void)[] = [];
  let storeReads = 0;
  const chain = {
    onCommit: (l: (c: CommittedBlock) => void) => {
      listeners.push(l);
      return () => {};
    },
    committedTx: async (id: string) => {
      storeReads++;
      const c = stored.get(id);
      return c ? { ...c, result: okResult(id) } : undefined;
    },
  } as unknown as ChainState;
  const commit = (height: number, txIds: string[]): void => {
    txIds.forEach((id, index) => stored.set(id, { height, index }));
    const block = { height, hash: 'ab'.repeat(32), block: { header: { time: 1_000 + height } }, results: txIds.map(okResult) } as unknown as CommittedBlock;
    for (const l of listeners) l(block);
  };
  return { chain, commit, storeReads: () => storeReads };
}

test('a committed transaction is committed, even while the mempool still holds a copy', async () => {
  const id = 'aa'.repeat(32);
  const inMempool = new Set([id]);
  const fake = fakeChain(new Map());
  const txs = createTxStatusService(fake.chain, { has: (t) => inMempool.has(t) });
  assert.equal((await txs.txStatus(id)).status, 'pending');
  fake.commit(8, ['cc'.repeat(32), id]); // the mempool is told afterwards
  const s = await txs.txStatus(id);
  assert.equal(s.status, 'committed', `answered ${JSON.stringify(s)}`);
  assert.equal((s as { height: number }).height, 8);
  assert.equal((s as { index: number }).index, 1);
  // and waitForTx answers at once, too, with the block's hash and time
  const waited = await txs.waitForTx(id, 10_000);
  assert.equal(waited.status, 'committed');
  assert.equal((waited as { time: number }).time, 1_008);
});

test('a transaction only in the mempool is pending; one nowhere is unknown; one committed before the node started is read from the store', async () => {
  const pendingId = 'bb'.repeat(32);
  const oldId = 'dd'.repeat(32);
  const fake = fakeChain(new Map([[oldId, { height: 3, index: 0 }]]));
  const txs = createTxStatusService(fake.chain, { has: (t) => t === pendingId });
  assert.equal((await txs.txStatus(pendingId)).status, 'pending');
  assert.equal((await txs.txStatus('cc'.repeat(32))).status, 'unknown');
  const old = await txs.txStatus(oldId);
  assert.equal(old.status, 'committed');
  assert.equal((old as { height: number }).height, 3);
});

test('a waiter for a pending transaction is answered by the commit, without reading the store', async () => {
  const id = 'ee'.repeat(32);
  const inMempool = new Set([id]);
  const fake = fakeChain(new Map());
  const txs = createTxStatusService(fake.chain, { has: (t) => inMempool.has(t) });
  const waiting = txs.waitForTx(id, 10_000);
  await new Promise((r) => setImmediate(r));
  fake.commit(5, [id]);
  inMempool.delete(id);
  const s = await waiting;
  assert.equal(s.status, 'committed');
  assert.equal(fake.storeReads(), 0, 'a transaction in the mempool or a recent block needs no read of the store');
});

test(`only the last ${RECENT_BLOCKS} blocks are remembered in memory; older transactions come from the store`, async () => {
  const fake = fakeChain(new Map());
  const txs = createTxStatusService(fake.chain, { has: () => false });
  const first = '01'.repeat(32);
  fake.commit(1, [first]);
  for (let h = 2; h <= RECENT_BLOCKS + 1; h++) fake.commit(h, [h.toString(16).padStart(64, '0')]);
  const reads = fake.storeReads();
  const s = await txs.txStatus(first);
  assert.equal(s.status, 'committed');
  assert.equal(fake.storeReads(), reads + 1, 'the oldest block fell out of memory and was read from the store');
  const latest = await txs.txStatus((RECENT_BLOCKS + 1).toString(16).padStart(64, '0'));
  assert.equal(latest.status, 'committed');
  assert.equal(fake.storeReads(), reads + 1, 'the newest block is answered from memory');
});

test('a commit that lands while the status is being read still answers the waiter (not "unknown", not a timeout)', async () => {
  const id = 'f0'.repeat(32);
  const fake = fakeChain(new Map());
  let releaseRead!: () => void;
  const slowRead = new Promise<void>((r) => (releaseRead = r));
  const chain = { ...fake.chain, onCommit: fake.chain.onCommit, committedTx: async () => (await slowRead, undefined) } as unknown as ChainState;
  const txs = createTxStatusService(chain, { has: () => false }); // the mempool has already let it go
  const waiting = txs.waitForTx(id, 60_000);
  await new Promise((r) => setImmediate(r));
  fake.commit(9, [id]); // the block commits while the store is read
  releaseRead();
  const s = await Promise.race([waiting, new Promise<string>((r) => setTimeout(() => r('still waiting after 2 s'), 2_000))]);
  assert.equal(typeof s === 'string' ? s : s.status, 'committed');
});
