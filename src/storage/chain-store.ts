/**
 * The chain store: blocks, results, indexes, the flat state and the history
 * log's nodes, in one embedded LevelDB database (classic-level).
 *
 * Why LevelDB: measured on this class of machine (spec/storage.md), its
 * chained batch writes ~570k small records/s, it keeps sorted keys for range
 * scans, and the npm package ships its prebuilt binary. SQLite's npm package
 * fetches its binary at install time, and SQLite keyed by random hashes falls
 * to 21-30k writes/s.
 *
 * Crash safety: everything one block changes — the block, its results, the
 * transaction index, state writes, history-log nodes, the attachments of its
 * transactions, and the head pointer — goes into ONE chained batch
 * written with `sync: true`. LevelDB applies a batch atomically from its
 * write-ahead log, so after a kill -9 at any instant the store holds either
 * all of a block or none of it, and the head never points past what is
 * stored.
 *
 * Key layout (utf8 keys; values utf8 JSON unless noted):
 *   meta/genesis        genesis hash this store belongs to
 *   meta/head           Head
 *   b/<height:012>      {header, certificate, txs}
 *   sh/<height:012>     {header, certificate}: what lists of blocks read, without the body
 *                       (blocks stored before this key existed have none; readers fall back)
 *   bh/<blockHash>      height
 *   r/<height:012>      TxResult[]
 *   t/<txId>            "<height>:<index>"
 *   s/<state key>       canonical JSON value
 *   m/<level>/<index>   history-log node, hex
 *   nl/<txId>           the attachment a service host stored with its transaction, raw
 *                       bytes (the prefix is named after its first use, the leaves of a
 *                       notary aggregation batch, and kept so existing data directories open)
 *
 * The consensus write-ahead log is not here: it lived under `w/` keys until
 * it moved to `<data>/consensus-wal` (consensus-wal.ts), so that deleting a
 * damaged store does not delete the record of what the validator signed.
 * Leftover `w/` keys of an older node are deleted at open.
 *
 * Damage (spec/storage.md §8): LevelDB's own errors ("Database failed to
 * open", "Corruption: …") say neither which store nor what to do. Here they
 * become sentences that name the directory: another process holds the lock;
 * the store is damaged (with LevelDB's reason), as STORE_CORRUPT, on open and
 * on every read. A store directory that holds files but no CURRENT is
 * refused before LevelDB opens it: LevelDB would take it for a new database
 * and delete the table files it no longer knows.
 *
 * What the bytes of an attachment mean is the business of the service that
 * stored them (the notary's hash index, for example, is derived from its
 * batches' leaves and kept by its host in a LevelDB of its own).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import type { Block, TxResult } from '../ledger/block.js';
import { PolityError } from '../ledger/errors.js';
import { padHeight as pad, type ChainStore, type Head, type SignedHeader } from './interface.js';

export type { Attachment, BlockCommit, ChainStore, Head, ScanChunk, SignedHeader, TxLocation, WalMessage, WalRecord } from './interface.js';

/** Most characters of LevelDB's own reason quoted in a message. */
const REASON_CHARS_MAX = 200;

/** LevelDB's reason, from an error of classic-level (its `cause` when opening failed). */
const levelReason = (e: unknown): { code: string | undefined; reason: string } => {
  const err = e as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const inner = err.code === 'LEVEL_DATABASE_NOT_OPEN' && err.cause ? err.cause : err;
  return { code: inner.code, reason: String(inner.message ?? e).slice(0, REASON_CHARS_MAX) };
};

/** True for what LevelDB reports when stored bytes cannot be read back. */
const isDamage = (code: string | undefined, reason: string): boolean =>
  code === 'LEVEL_CORRUPTION' || code === 'LEVEL_IO_ERROR' || /corrupt|checksum|missing files|bad block|truncated/i.test(reason);

/** The error for a store that cannot be read: STORE_CORRUPT naming the store, or the original error when it is not damage. */
export function storeReadError(path: string, what: string, e: unknown): Error {
  if (e instanceof PolityError) return e;
  const { code, reason } = levelReason(e);
  if (!isDamage(code, reason)) return e as Error;
  return new PolityError('STORE_CORRUPT', `the chain store ${path} is damaged: reading ${what} failed (${reason})`, undefined, { cause: e });
}

/** Refuse a store directory that holds LevelDB's files but no CURRENT (see the header). */
async function checkCurrent(path: string): Promise<void> {
  let files: string[];
  try {
    files = await readdir(path);
  } catch {
    return; // no directory yet: a new store
  }
  const levelFiles = files.filter((f) => /\.(ldb|sst|log)$/.test(f) || f.startsWith('MANIFEST-'));
  if (levelFiles.length > 0 && !files.includes('CURRENT')) {
    // CURRENT only names the newest MANIFEST: when nothing else is lost, writing it back repairs the store.
    const manifest = files.filter((f) => f.startsWith('MANIFEST-')).sort().at(-1);
    throw new PolityError(
      'STORE_CORRUPT',
      `the chain store ${path} is damaged: ${join(path, 'CURRENT')} is missing (the store still holds ${levelFiles.length} of LevelDB's files; it is not opened, because LevelDB would start an empty database and delete them)${manifest ? `; if only CURRENT was lost, \`echo ${manifest} > ${join(path, 'CURRENT')}\` restores it` : ''}`,
    );
  }
}

/** Entries per write batch of a backup copy (exportTo): bounded memory whatever the store's size. */
const EXPORT_BATCH_ENTRIES = 10_000;

/** LevelDB's memtable size for the chain store (its default is 4 MiB; see below). */
const WRITE_BUFFER_BYTES = 64 * 1024 * 1024;

export interface ChainStoreOptions {
  /** Told of every read that found damage (STORE_CORRUPT), with its message: the node's storage health (GET /v1/status). */
  onDamage?: (message: string) => void;
}

/**
 * The store is locked by another process (a running node): not damage, and
 * told apart so that `polity check` can say "in use" with its own exit code.
 */
export class StoreInUseError extends Error {
  override readonly name = 'StoreInUseError';
}

export function createChainStore(path: string, options: ChainStoreOptions = {}): ChainStore {
  // Buffer encodings throughout: strings passed in are stored as UTF-8, and
  // binary index entries need no per-operation encoding options (which cost
  // ~4x per put in a chained batch, measured).
  type Db = ClassicLevel<string | Uint8Array, string | Uint8Array>;
  // Made at the first open, not here: classic-level opens a database as soon as it is
  // constructed, which would run before the CURRENT check below.
  let db!: Db;
  const makeDb = (): Db =>
    new ClassicLevel<string | Uint8Array, string | Uint8Array>(path, {
      keyEncoding: 'buffer',
      valueEncoding: 'buffer',
      // A 64 MiB memtable (LevelDB's default is 4 MiB): an aggregation batch of 200k hashes
      // writes ~12 MiB of index entries, which would otherwise flush and compact every block.
      writeBufferSize: WRITE_BUFFER_BYTES,
    });

  /** Tell the node of damage found on a read, and hand the error back to throw. */
  const damage = (e: Error): Error => {
    if (e instanceof PolityError && e.code === 'STORE_CORRUPT') options.onDamage?.(e.message);
    return e;
  };
  /** Parse a stored JSON value; one that does not parse is damage, like one LevelDB cannot read. */
  const parse = <T>(text: string, what: string): T => {
    try {
      return JSON.parse(text) as T;
    } catch {
      throw damage(new PolityError('STORE_CORRUPT', `the chain store ${path} is damaged: ${what} is not the JSON that was written`));
    }
  };

  const getBytes = async (key: string, what: string): Promise<Buffer | undefined> => {
    try {
      return (await db.get(key)) as unknown as Buffer | undefined;
    } catch (e) {
      throw damage(storeReadError(path, what, e));
    }
  };
  const get = async (key: string, what: string): Promise<string | undefined> => (await getBytes(key, what))?.toString('utf8');

  async function openDb(): Promise<void> {
    await checkCurrent(path);
    try {
      db ??= makeDb();
      await db.open();
    } catch (e) {
      const { code, reason } = levelReason(e);
      if (code === 'LEVEL_LOCKED' || /lock/i.test(reason)) {
        throw new StoreInUseError(`another node is running on this data directory (${path} is locked by another process); stop it first, or give this node another --data directory`, { cause: e });
      }
      if (isDamage(code, reason)) throw new PolityError('STORE_CORRUPT', `the chain store ${path} is damaged: LevelDB cannot open it (${reason})`, undefined, { cause: e });
      throw new Error(`cannot open the chain store ${path}: ${reason}`, { cause: e });
    }
  }

  const self: ChainStore = {
    path,
    async open(genesisHash) {
      await openDb();
      const stored = await get('meta/genesis', 'the genesis hash');
      if (stored === undefined) {
        await db.put('meta/genesis', genesisHash, { sync: true });
      } else if (stored !== genesisHash) {
        await db.close();
        throw new Error(`the data directory belongs to another chain (genesis ${stored.slice(0, 16)}…, expected ${genesisHash.slice(0, 16)}…)`);
      }
      // The write-ahead log of an older node (spec/storage.md §2): it now lives in <data>/consensus-wal.
      await db.clear({ gte: 'w/', lt: 'w0' });
    },
    close: async () => db?.close(),
    async loadHead() {
      const text = await get('meta/head', 'the head');
      return text === undefined ? undefined : parse<Head>(text, 'the head');
    },
    async *loadState() {
      try {
        for await (const [key, value] of db.iterator({ gte: 's/', lt: 's0', fillCache: false })) {
          yield [(key as unknown as Buffer).toString('utf8', 2), (value as unknown as Buffer).toString('utf8')];
        }
      } catch (e) {
        throw storeReadError(path, 'the state', e);
      }
    },
    async *scanBlocks(fromHeight) {
      try {
        // fillCache false: one pass over every block must not evict what readers use.
        for await (const value of db.values({ gte: `b/${pad(fromHeight)}`, lt: 'b0', fillCache: false })) {
          yield parse<Block>((value as unknown as Buffer).toString('utf8'), 'a stored block');
        }
      } catch (e) {
        throw storeReadError(path, 'the blocks', e);
      }
    },
    async *scanSignedHeaders(fromHeight, toHeight) {
      let expected = fromHeight;
      if (toHeight < fromHeight) return;
      try {
        for await (const [key, value] of db.iterator({ gte: `sh/${pad(fromHeight)}`, lte: `sh/${pad(toHeight)}`, fillCache: false })) {
          const height = Number((key as unknown as Buffer).toString('utf8', 3));
          // Blocks stored before headers were kept apart have none: their bodies, one at a time.
          for (; expected < height; expected++) {
            const block = await self.getBlock(expected);
            if (!block) return; // a gap: the caller reports the missing block
            yield { header: block.header, certificate: block.certificate };
          }
          yield parse<SignedHeader>((value as unknown as Buffer).toString('utf8'), `the header of block ${height}`);
          expected = height + 1;
        }
      } catch (e) {
        throw storeReadError(path, 'the block headers', e);
      }
      // No header kept past here (a store older than them): the rest are bodies, read one at a time.
      for (; expected <= toHeight; expected++) {
        const block = await self.getBlock(expected);
        if (!block) return;
        yield { header: block.header, certificate: block.certificate };
      }
    },
    async scanChunk(afterKey, entriesMax, visit) {
      let next: string | undefined;
      let count = 0;
      // fillCache false: the scan must not evict what readers use. A fresh iterator per
      // chunk, so no snapshot is held between chunks and compaction can free files. It
      // runs to its limit: LevelDB reports a block it skipped only when an iteration ends.
      const range = afterKey === undefined ? {} : { gt: Buffer.from(afterKey, 'utf8') };
      try {
        for await (const [k, v] of db.iterator({ ...range, limit: entriesMax, fillCache: false })) {
          next = (k as unknown as Buffer).toString('utf8');
          count++;
          visit(next, v as unknown as Buffer);
        }
      } catch (e) {
        return { next: next ?? afterKey, damage: levelReason(e).reason };
      }
      return { next: count < entriesMax ? undefined : next };
    },
    async exportTo(target) {
      await checkCurrent(target);
      const files = await readdir(target).catch(() => [] as string[]);
      if (files.length > 0) throw new Error(`cannot copy the chain store into ${target}: it is not empty`);
      const copy = new ClassicLevel<Uint8Array, Uint8Array>(target, { keyEncoding: 'buffer', valueEncoding: 'buffer', errorIfExists: true });
      await copy.open();
      let head: Head | undefined;
      let entries = 0;
      let bytes = 0;
      try {
        let batch = copy.batch();
        // One iterator: LevelDB reads it from one implicit snapshot, taken here, so blocks committed meanwhile are not in the copy.
        for await (const [k, v] of db.iterator({ fillCache: false })) {
          const key = k as unknown as Buffer;
          const value = v as unknown as Buffer;
          batch.put(key, value);
          entries++;
          bytes += key.length + value.length;
          if (key.toString('utf8') === 'meta/head') head = parse<Head>(value.toString('utf8'), 'the head');
          if (batch.length >= EXPORT_BATCH_ENTRIES) {
            await batch.write();
            batch = copy.batch();
          }
        }
        await batch.write({ sync: true });
      } catch (e) {
        throw storeReadError(path, 'the store for a backup', e);
      } finally {
        await copy.close();
      }
      return { head, entries, bytes };
    },
    async getBlock(height) {
      const text = await get(`b/${pad(height)}`, `block ${height}`);
      return text === undefined ? undefined : parse<Block>(text, `block ${height}`);
    },
    async getSignedHeader(height) {
      const text = await get(`sh/${pad(height)}`, `the header of block ${height}`);
      return text === undefined ? undefined : parse<SignedHeader>(text, `the header of block ${height}`);
    },
    async getHeightByHash(hash) {
      const text = await get(`bh/${hash}`, 'the block-hash index');
      return text === undefined ? undefined : Number(text);
    },
    async getResults(height) {
      const text = await get(`r/${pad(height)}`, `the results of block ${height}`);
      return text === undefined ? undefined : parse<TxResult[]>(text, `the results of block ${height}`);
    },
    async getTxLocation(txId) {
      const text = await get(`t/${txId}`, 'the transaction index');
      if (text === undefined) return undefined;
      const [height, index] = text.split(':').map(Number);
      return { height: height!, index: index! };
    },
    async getHistoryNode(level, index) {
      const text = await get(`m/${level}/${index}`, 'the block-history tree');
      return text === undefined ? undefined : Buffer.from(text, 'hex');
    },
    async getAttachment(txId) {
      return (await getBytes(`nl/${txId}`, 'an attachment')) ?? undefined;
    },
    async commitBlock(commit) {
      const { block, results, head } = commit;
      const height = block.header.height;
      const batch = db.batch();
      batch.put(`b/${pad(height)}`, JSON.stringify(block));
      batch.put(`sh/${pad(height)}`, JSON.stringify({ header: block.header, certificate: block.certificate }));
      batch.put(`bh/${head.blockHash}`, String(height));
      batch.put(`r/${pad(height)}`, commit.resultsJson);
      for (let i = 0; i < results.length; i++) batch.put(`t/${results[i]!.txId}`, `${height}:${i}`);
      for (const [key, value] of commit.stateChanges) {
        if (value === null) batch.del(`s/${key}`);
        else batch.put(`s/${key}`, value);
      }
      for (const n of commit.historyNodes) batch.put(`m/${n.level}/${n.index}`, n.hash);
      for (const { txId, bytes } of commit.attachments) batch.put(`nl/${txId}`, bytes);
      batch.put('meta/head', JSON.stringify(head));
      await batch.write({ sync: true });
    },
  };
  return self;
}
