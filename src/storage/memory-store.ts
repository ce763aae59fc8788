/**
 * A chain store in memory, for the simulator and tests: the same contract
 * as the LevelDB store (interface.ts; checked on both by
 * chain-store.test.ts), with nothing on disk.
 *
 * It plays a disk that survives its process: `close` and a later `open`
 * keep everything, so a simulated node that crashes and restarts rebuilds
 * from what it had committed and logged, as a real node does. Values are
 * kept as the same encodings the LevelDB store writes (JSON text, canonical
 * state bytes), so a reader never shares an object with the writer, and
 * `commitBlock` applies a block all at once: nothing can interleave with it.
 *
 * Beside it, the in-memory consensus write-ahead log and commit record
 * (`createMemoryWal`, `createMemoryCommitRecord`), kept apart from the store
 * as on disk, so that a test can lose one and keep the other.
 *
 * Every method is async and awaits nothing but resolved promises, so a
 * caller driven by a virtual clock sees its work done once the microtask
 * queue is drained (the simulator's determinism rests on this).
 */
import { assert } from '../ledger/errors.js';
import type { Block } from '../ledger/block.js';
import { padHeight, padRound, type ChainStore, type CommitRecordFile, type CommittedHeight, type ConsensusWal, type Head, type SignedHeader, type TxLocation, type WalMessage, type WalRecord } from './interface.js';

const utf8 = new TextDecoder();

/** Keys in LevelDB's order: bytewise over their UTF-8 encodings. */
const byUtf8 = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

export function createMemoryStore(path = 'memory'): ChainStore {
  let genesis: string | undefined;
  let open = false;
  let head: string | undefined;
  const blocks = new Map<number, string>();
  const heightByHash = new Map<string, number>();
  const signedHeaders = new Map<number, string>();
  const results = new Map<number, string>();
  const txLocations = new Map<string, TxLocation>();
  const state = new Map<string, string>();
  const historyNodes = new Map<string, string>();
  const attachments = new Map<string, Uint8Array>();

  const ready = (): void => assert(open, `the store ${path} is not open`);

  return {
    path,
    async open(genesisHash) {
      assert(!open, `the store ${path} is already open`);
      if (genesis === undefined) genesis = genesisHash;
      else if (genesis !== genesisHash) {
        throw new Error(`the data directory belongs to another chain (genesis ${genesis.slice(0, 16)}…, expected ${genesisHash.slice(0, 16)}…)`);
      }
      open = true;
    },
    async close() {
      open = false;
    },
    async loadHead() {
      ready();
      return head === undefined ? undefined : (JSON.parse(head) as Head);
    },
    async *loadState() {
      ready();
      for (const key of [...state.keys()].sort(byUtf8)) yield [key, state.get(key)!];
    },
    async getBlock(height) {
      ready();
      const text = blocks.get(height);
      return text === undefined ? undefined : JSON.parse(text);
    },
    async getSignedHeader(height) {
      ready();
      const text = signedHeaders.get(height);
      return text === undefined ? undefined : JSON.parse(text);
    },
    async *scanBlocks(fromHeight) {
      ready();
      for (const height of [...blocks.keys()].filter((h) => h >= fromHeight).sort((a, b) => a - b)) yield JSON.parse(blocks.get(height)!) as Block;
    },
    async *scanSignedHeaders(fromHeight, toHeight) {
      ready();
      for (const height of [...signedHeaders.keys()].filter((h) => h >= fromHeight && h <= toHeight).sort((a, b) => a - b)) yield JSON.parse(signedHeaders.get(height)!) as SignedHeader;
    },
    async scanChunk(afterKey, entriesMax, visit) {
      ready(); // memory does not rot: every entry reads back, in the LevelDB store's key layout
      const all: [string, string | Uint8Array][] = [
        ...(head === undefined ? [] : [['meta/head', head] as [string, string]]),
        ...[...blocks].map(([h, v]) => [`b/${padHeight(h)}`, v] as [string, string]),
        ...[...signedHeaders].map(([h, v]) => [`sh/${padHeight(h)}`, v] as [string, string]),
        ...[...results].map(([h, v]) => [`r/${padHeight(h)}`, v] as [string, string]),
        ...[...heightByHash].map(([k, h]) => [`bh/${k}`, String(h)] as [string, string]),
        ...[...txLocations].map(([k, l]) => [`t/${k}`, `${l.height}:${l.index}`] as [string, string]),
        ...[...state].map(([k, v]) => [`s/${k}`, v] as [string, string]),
        ...[...historyNodes].map(([k, v]) => [`m/${k}`, v] as [string, string]),
        ...[...attachments].map(([k, v]) => [`nl/${k}`, v] as [string, Uint8Array]),
      ];
      all.sort((a, b) => byUtf8(a[0], b[0]));
      let count = 0;
      let next: string | undefined;
      for (const [key, v] of all) {
        if (afterKey !== undefined && byUtf8(key, afterKey) <= 0) continue;
        if (count === entriesMax) return { next };
        visit(key, typeof v === 'string' ? Buffer.from(v, 'utf8') : Uint8Array.from(v));
        next = key;
        count++;
      }
      return { next: undefined };
    },
    async getHeightByHash(hash) {
      ready();
      return heightByHash.get(hash);
    },
    async getResults(height) {
      ready();
      const text = results.get(height);
      return text === undefined ? undefined : JSON.parse(text);
    },
    async getTxLocation(txId) {
      ready();
      const loc = txLocations.get(txId);
      return loc && { ...loc };
    },
    async getHistoryNode(level, index) {
      ready();
      const hex = historyNodes.get(`${level}/${index}`);
      return hex === undefined ? undefined : Buffer.from(hex, 'hex');
    },
    async getAttachment(txId) {
      ready();
      const bytes = attachments.get(txId);
      return bytes && Uint8Array.from(bytes);
    },
    async commitBlock(commit) {
      ready();
      const height = commit.block.header.height;
      // Everything is encoded before anything is applied: a failure leaves the store as it was.
      const blockText = JSON.stringify(commit.block);
      const signedHeaderText = JSON.stringify({ header: commit.block.header, certificate: commit.block.certificate });
      const headText = JSON.stringify(commit.head);
      const states = [...commit.stateChanges].map(([key, value]) => [key, value === null ? null : utf8.decode(value)] as const);
      const copies = commit.attachments.map((a) => [a.txId, Uint8Array.from(a.bytes)] as const);
      blocks.set(height, blockText);
      signedHeaders.set(height, signedHeaderText);
      heightByHash.set(commit.head.blockHash, height);
      results.set(height, commit.resultsJson);
      commit.results.forEach((r, index) => txLocations.set(r.txId, { height, index }));
      for (const [key, value] of states) {
        if (value === null) state.delete(key);
        else state.set(key, value);
      }
      for (const n of commit.historyNodes) historyNodes.set(`${n.level}/${n.index}`, n.hash);
      for (const [txId, bytes] of copies) attachments.set(txId, bytes);
      head = headText;
    },
  };
}

/**
 * The consensus write-ahead log in memory (the file one is consensus-wal.ts):
 * it survives `close` and a later `open`, as a file does, and says at its
 * first open that there was none.
 */
export function createMemoryWal(path = 'memory wal'): ConsensusWal {
  let genesis: string | undefined;
  let open = false;
  let prunedThrough = 0;
  /** Key (height, type or block, round or hash, in sortable form) -> JSON text. */
  const wal = new Map<string, string>();
  const ready = (): void => assert(open, `the log ${path} is not open`);
  const put = (message: WalMessage, block?: { hash: string; body: unknown }): void => {
    ready();
    const prefix = `w/${padHeight(message.height)}/`;
    if (block) wal.set(`${prefix}block/${block.hash}`, JSON.stringify(block.body));
    wal.set(`${prefix}${message.type}/${padRound(message.round)}`, JSON.stringify(message));
  };
  return {
    path,
    async open(genesisHash) {
      assert(!open, `the log ${path} is already open`);
      const found = genesis !== undefined;
      if (genesis !== undefined && genesis !== genesisHash) throw new Error(`the consensus log ${path} belongs to another chain`);
      genesis = genesisHash;
      open = true;
      const heights = [...wal.keys()].map((k) => Number(k.split('/')[1]));
      return { found, prunedThrough, topHeight: Math.max(prunedThrough, ...heights) };
    },
    async close() {
      open = false;
    },
    async putWal(message, block) {
      put(message, block);
    },
    async putWalMany(records) {
      for (const r of records) put(r.message, r.block);
    },
    async loadWal(height) {
      ready();
      const prefix = `w/${padHeight(height)}/`;
      const record: WalRecord = { messages: [], blocks: [] };
      for (const key of [...wal.keys()].filter((k) => k.startsWith(prefix)).sort(byUtf8)) {
        const value = JSON.parse(wal.get(key)!);
        (key.split('/')[2] === 'block' ? record.blocks : record.messages).push(value);
      }
      return record;
    },
    async pruneWal(height) {
      ready();
      const end = `w/${padHeight(height + 1)}`;
      for (const key of [...wal.keys()]) if (key < end) wal.delete(key);
      prunedThrough = Math.max(prunedThrough, height);
    },
  };
}

/** The commit record in memory (the file one is commit-record.ts). */
export function createMemoryCommitRecord(path = 'memory commit record'): CommitRecordFile {
  let record: CommittedHeight | undefined;
  return {
    path,
    load: async () => record && { ...record },
    async save(committed) {
      record = { ...committed };
    },
    close: async () => {},
  };
}
