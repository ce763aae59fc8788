/**
 * The chain store's contract (interface.ts), checked on both stores: the
 * LevelDB store a node runs and the in-memory store the simulator runs. The
 * simulator's verdicts are only worth as much as the memory store keeps
 * the same promises.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Block, TxResult } from '../ledger/block.js';
import { createChainStore } from './chain-store.js';
import type { BlockCommit, ChainStore } from './interface.js';
import { createMemoryStore } from './memory-store.js';

const GENESIS = 'aa'.repeat(32);
const hex = (byte: string): string => byte.repeat(32);
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A block at `height` with one transaction, as the store sees it (the store checks no content). */
function commitAt(height: number, changes: [string, string | null][], attachment?: Uint8Array): BlockCommit {
  const txId = hex((height % 10).toString(16).padStart(2, '0')).slice(0, 62) + 'ff';
  const blockHash = hex((0x10 + height).toString(16));
  const block = {
    header: { v: 1, chainId: 'c', height, time: 1000 + height },
    txs: [{ body: { module: 'm', action: 'a', nonce: height }, sig: '00' }],
    certificate: { height, round: 0, blockHash, signatures: [] },
  } as unknown as Block;
  const results = [{ txId, code: 'OK', events: [] }] as unknown as TxResult[];
  return {
    block,
    results,
    resultsJson: JSON.stringify(results),
    stateChanges: new Map(changes.map(([k, v]) => [k, v === null ? null : utf8(v)])),
    historyNodes: [{ level: 0, index: height - 1, hash: hex('0' + (height % 10)) }],
    head: { height, blockHash, time: 1000 + height, stateRoot: hex('ee'), history: { size: height, frontier: [] } },
    attachments: attachment ? [{ txId, bytes: attachment }] : [],
  };
}

async function allState(store: ChainStore): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for await (const entry of store.loadState()) out.push(entry);
  return out;
}

async function contract(name: string, make: () => Promise<{ store: ChainStore; done(): Promise<void> }>): Promise<void> {
  await test(`${name}: keeps the chain store's contract`, async () => {
    const { store, done } = await make();
    try {
      await store.open(GENESIS);
      assert.equal(await store.loadHead(), undefined);
      assert.equal(await store.getBlock(1), undefined);
      assert.equal(await store.getAttachment('00'.repeat(32)), undefined);
      assert.deepEqual(await store.loadWal(1), { messages: [], blocks: [] });

      const leaves = Uint8Array.from({ length: 64 }, (_, i) => i);
      const first = commitAt(1, [['b/key', '"two"'], ['a/key', '1'], ['é/key', 'true']], leaves);
      await store.commitBlock(first);
      await store.commitBlock(commitAt(2, [['a/key', null], ['c/key', '3']]));

      assert.deepEqual(await store.loadHead(), commitAt(2, []).head);
      assert.deepEqual(await store.getBlock(1), first.block);
      assert.equal(await store.getHeightByHash(first.head.blockHash), 1);
      assert.deepEqual(await store.getSignedHeader(1), { header: first.block.header, certificate: first.block.certificate });
      assert.equal(await store.getSignedHeader(3), undefined);
      assert.deepEqual(await store.getResults(1), first.results);
      assert.deepEqual(await store.getTxLocation(first.results[0]!.txId), { height: 1, index: 0 });
      assert.deepEqual(await store.getHistoryNode(0, 1), Buffer.from(hex('02'), 'hex'));
      assert.deepEqual(new Uint8Array(await store.getAttachment(first.results[0]!.txId) ?? []), leaves);
      // State in key order (bytewise over UTF-8), a deleted key gone.
      assert.deepEqual(await allState(store), [['b/key', '"two"'], ['c/key', '3'], ['é/key', 'true']]);

      // What a reader gets is a copy: changing it changes nothing stored.
      const read = (await store.getBlock(1))!;
      read.header.height = 99;
      assert.equal((await store.getBlock(1))!.header.height, 1);

      // The write-ahead log: messages and block bodies per height, pruned up to a height.
      await store.putWal({ type: 'prevote', height: 3, round: 0 });
      await store.putWal({ type: 'proposal', height: 3, round: 1 }, { hash: hex('bb'), body: { header: { height: 3 } } });
      await store.putWal({ type: 'prevote', height: 4, round: 0 });
      const wal = await store.loadWal(3);
      assert.deepEqual(wal.messages, [
        { type: 'prevote', height: 3, round: 0 },
        { type: 'proposal', height: 3, round: 1 },
      ]);
      assert.deepEqual(wal.blocks, [{ header: { height: 3 } }]);
      await store.pruneWal(3);
      assert.deepEqual(await store.loadWal(3), { messages: [], blocks: [] });
      assert.equal((await store.loadWal(4)).messages.length, 1);

      // Closed and opened again (a restart): everything is still there; another chain is refused.
      await store.close();
      await assert.rejects(store.open('bb'.repeat(32)), /belongs to another chain/);
      await store.open(GENESIS);
      assert.equal((await store.loadHead())?.height, 2);
      assert.equal((await store.loadWal(4)).messages.length, 1);
      await store.close();
    } finally {
      await done();
    }
  });
}

await contract('the LevelDB store', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'polity-store-'));
  return { store: createChainStore(join(dir, 'chain')), done: () => rm(dir, { recursive: true, force: true }) };
});

await contract('the in-memory store', async () => ({ store: createMemoryStore(), done: async () => {} }));
