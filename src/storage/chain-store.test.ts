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
import type { BlockCommit, ChainStore, ConsensusWal } from './interface.js';
import { createMemoryStore, createMemoryWal } from './memory-store.js';
import { COMPACT_BYTES, createConsensusWal } from './consensus-wal.js';
import { createCommitRecordFile } from './commit-record.js';
import { generateKeyPair, signBytes, verifyBytes } from '../crypto/ed25519.js';
import { appendFile, readFile, stat, writeFile } from 'node:fs/promises';

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

      // Every block from a height, in height order.
      const scanned: number[] = [];
      for await (const b of store.scanBlocks(1)) scanned.push(b.header.height);
      assert.deepEqual(scanned, [1, 2]);
      // Every header, from the headers kept apart (the start-up link check).
      const headers: number[] = [];
      for await (const h of store.scanSignedHeaders(1, 2)) headers.push(h.header.height);
      assert.deepEqual(headers, [1, 2]);
      for await (const h of store.scanSignedHeaders(2, 2)) assert.equal(h.header.height, 2);
      // The full scan's chunks: every entry once, in key order, however small the chunks.
      const keys: string[] = [];
      for (let after: string | undefined, first = true; first || after !== undefined; first = false) {
        const chunk = await store.scanChunk(after, 3, (key) => keys.push(key));
        assert.equal(chunk.damage, undefined);
        after = chunk.next;
      }
      assert.deepEqual(keys, [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
      assert.equal(new Set(keys).size, keys.length);
      for (const k of ['b/000000000001', 'b/000000000002', 'sh/000000000002', 'r/000000000001', 's/b/key', `nl/${first.results[0]!.txId}`]) assert.ok(keys.includes(k), k);

      // Closed and opened again (a restart): everything is still there; another chain is refused.
      await store.close();
      await assert.rejects(store.open('bb'.repeat(32)), /belongs to another chain/);
      await store.open(GENESIS);
      assert.equal((await store.loadHead())?.height, 2);
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

/** The consensus log's contract, on the file and in memory: what a restart hands the engine. */
async function walContract(name: string, make: () => Promise<{ wal: ConsensusWal; done(): Promise<void> }>): Promise<void> {
  await test(`${name}: keeps the consensus log's contract`, async () => {
    const { wal, done } = await make();
    try {
      assert.deepEqual(await wal.open(GENESIS), { found: false, prunedThrough: 0, topHeight: 0 }, 'a new log');
      assert.deepEqual(await wal.loadWal(1), { messages: [], blocks: [] });
      await wal.putWal({ type: 'prevote', height: 3, round: 0 });
      await wal.putWal({ type: 'proposal', height: 3, round: 1 }, { hash: hex('bb'), body: { header: { height: 3 } } });
      await wal.putWal({ type: 'prevote', height: 4, round: 0 });
      const logged = await wal.loadWal(3);
      assert.deepEqual(logged.messages, [
        { type: 'prevote', height: 3, round: 0 },
        { type: 'proposal', height: 3, round: 1 },
      ]);
      assert.deepEqual(logged.blocks, [{ header: { height: 3 } }]);
      await wal.pruneWal(3);
      assert.deepEqual(await wal.loadWal(3), { messages: [], blocks: [] });
      assert.equal((await wal.loadWal(4)).messages.length, 1);
      // A restart: what was not pruned is there, and the log says how far it was pruned.
      await wal.close();
      await assert.rejects(wal.open('bb'.repeat(32)), /belongs to another chain/);
      assert.deepEqual(await wal.open(GENESIS), { found: true, prunedThrough: 3, topHeight: 4 });
      assert.equal((await wal.loadWal(4)).messages.length, 1);
      await wal.close();
    } finally {
      await done();
    }
  });
}

await walContract('the consensus log file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'polity-wal-'));
  return { wal: createConsensusWal(join(dir, 'consensus-wal')), done: () => rm(dir, { recursive: true, force: true }) };
});
await walContract('the in-memory consensus log', async () => ({ wal: createMemoryWal(), done: async () => {} }));

test('the consensus log file drops a torn last append and reports a damaged line before it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'polity-wal-'));
  const path = join(dir, 'consensus-wal');
  try {
    const wal = createConsensusWal(path);
    await wal.open(GENESIS);
    await wal.putWal({ type: 'prevote', height: 1, round: 0 });
    await wal.putWal({ type: 'precommit', height: 1, round: 0 });
    await wal.close();
    const good = await readFile(path, 'utf8');
    // A crash in the middle of an append: half a line, never sent.
    await appendFile(path, good.split('\n')[1]!.slice(0, 20));
    assert.deepEqual(await wal.open(GENESIS), { found: true, prunedThrough: 0, topHeight: 1 });
    assert.equal((await wal.loadWal(1)).messages.length, 2);
    await wal.close();
    // A garbled line in the middle: the log cannot be trusted.
    const lines = good.split('\n');
    lines[1] = lines[1]!.replace('prevote', 'prevotf');
    await writeFile(path, lines.join('\n'));
    const opened = await wal.open(GENESIS);
    assert.equal(opened.found, true);
    assert.match(opened.damaged ?? '', /line 2 is unreadable/);
    await wal.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the consensus log file prunes with an appended mark, honours a mark at open, drops a torn one, and compacts when large', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'polity-wal-'));
  const path = join(dir, 'consensus-wal');
  try {
    const wal = createConsensusWal(path);
    await wal.open(GENESIS);
    await wal.putWal({ type: 'prevote', height: 5, round: 0 });
    await wal.putWal({ type: 'prevote', height: 6, round: 0 });
    const before = await stat(path);
    await wal.pruneWal(5);
    const after = await stat(path);
    assert.equal(after.ino, before.ino, 'the same file, appended to (no rewrite on every commit)');
    const text = await readFile(path, 'utf8');
    assert.match(text.trimEnd().split('\n').at(-1)!, /^[0-9a-f]{8} \{"prunedThrough":5\}$/, 'the last line is the mark');
    await wal.close();
    assert.deepEqual(await wal.open(GENESIS), { found: true, prunedThrough: 5, topHeight: 6 }, 'the mark counts at open');
    assert.equal((await wal.loadWal(5)).messages.length, 0, "a pruned height's messages are gone");
    assert.equal((await wal.loadWal(6)).messages.length, 1);
    // A torn mark (a crash while pruning height 6): the prune never happened.
    await wal.pruneWal(6);
    await wal.close();
    const marked = await readFile(path, 'utf8');
    await writeFile(path, marked.slice(0, marked.length - 6));
    assert.deepEqual(await wal.open(GENESIS), { found: true, prunedThrough: 5, topHeight: 6 });
    // Past COMPACT_BYTES the prune rewrites the file with only what is still needed.
    const big = { hash: hex('cc'), body: { pad: 'x'.repeat(COMPACT_BYTES) } };
    await wal.putWal({ type: 'proposal', height: 7, round: 0 }, big);
    await wal.putWal({ type: 'prevote', height: 8, round: 0 });
    await wal.pruneWal(7);
    assert.ok((await stat(path)).size < 4_096, 'compacted');
    assert.match((await readFile(path, 'utf8')).split('\n')[0]!, /"prunedThrough":7/, "the header carries the prune");
    await wal.close();
    assert.deepEqual(await wal.open(GENESIS), { found: true, prunedThrough: 7, topHeight: 8 });
    await wal.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the commit record file: saved atomically, signed, and refused when it is another chain’s or edited', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'polity-record-'));
  const path = join(dir, 'commit-record.json');
  const key = generateKeyPair();
  const options = { chainId: 'c', genesisHash: GENESIS, nodeKey: key.publicKey, sign: (m: Uint8Array) => signBytes(key.secretKey, m), verify: verifyBytes };
  try {
    const record = createCommitRecordFile(path, options);
    assert.equal(await record.load(), undefined);
    await record.save({ height: 7, blockHash: hex('cc') });
    assert.deepEqual(await record.load(), { height: 7, blockHash: hex('cc') });
    // A node key rotated in place: the record written under the old key still holds.
    const next = generateKeyPair();
    assert.deepEqual(await createCommitRecordFile(path, { ...options, nodeKey: next.publicKey, sign: (m: Uint8Array) => signBytes(next.secretKey, m) }).load(), { height: 7, blockHash: hex('cc') });
    await assert.rejects(createCommitRecordFile(path, { ...options, genesisHash: hex('dd') }).load(), /belongs to another chain/);
    const edited = JSON.parse(await readFile(path, 'utf8'));
    edited.height = 3;
    await writeFile(path, JSON.stringify(edited));
    await assert.rejects(record.load(), /valid signature/);
    edited.height = 7;
    edited.nodeKey = generateKeyPair().publicKey;
    await writeFile(path, JSON.stringify(edited));
    await assert.rejects(record.load(), /valid signature/, 'a record re-labelled with another key');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
