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
 *   w/<height:012>/<type>/<round:06>
 *                       BFT write-ahead log: a proposal or vote this validator signed,
 *                       written (synced) before it is sent; pruned once the height commits
 *   w/<height:012>/block/<blockHash>
 *                       the body of a block such a message names, written with it
 *
 * What the bytes of an attachment mean is the business of the service that
 * stored them (the notary's hash index, for example, is derived from its
 * batches' leaves and kept by its host in a LevelDB of its own).
 */
import { ClassicLevel } from 'classic-level';
import type { Block, TxResult } from '../ledger/block.js';
import { padHeight as pad, padRound, type ChainStore, type Head, type SignedHeader, type WalRecord } from './interface.js';

export type { Attachment, BlockCommit, ChainStore, Head, SignedHeader, TxLocation, WalMessage, WalRecord } from './interface.js';

/** The third segment of a write-ahead log key that holds a block body rather than a message (message types are proposal, prevote, precommit). */
const WAL_BLOCK = 'block';

/** LevelDB's memtable size for the chain store (its default is 4 MiB; see below). */
const WRITE_BUFFER_BYTES = 64 * 1024 * 1024;

export function createChainStore(path: string): ChainStore {
  // Buffer encodings throughout: strings passed in are stored as UTF-8, and
  // binary index entries need no per-operation encoding options (which cost
  // ~4x per put in a chained batch, measured).
  const db = new ClassicLevel<string | Uint8Array, string | Uint8Array>(path, {
    keyEncoding: 'buffer',
    valueEncoding: 'buffer',
    // A 64 MiB memtable (LevelDB's default is 4 MiB): an aggregation batch of 200k hashes
    // writes ~12 MiB of index entries, which would otherwise flush and compact every block.
    writeBufferSize: WRITE_BUFFER_BYTES,
  });

  const get = async (key: string): Promise<string | undefined> => {
    const value = (await db.get(key)) as unknown as Buffer | undefined;
    return value === undefined ? undefined : value.toString('utf8');
  };

  return {
    path,
    async open(genesisHash) {
      await db.open();
      const stored = await get('meta/genesis');
      if (stored === undefined) {
        await db.put('meta/genesis', genesisHash, { sync: true });
      } else if (stored !== genesisHash) {
        await db.close();
        throw new Error(`the data directory belongs to another chain (genesis ${stored.slice(0, 16)}…, expected ${genesisHash.slice(0, 16)}…)`);
      }
    },
    close: () => db.close(),
    async loadHead() {
      const text = await get('meta/head');
      return text === undefined ? undefined : (JSON.parse(text) as Head);
    },
    async *loadState() {
      for await (const [key, value] of db.iterator({ gte: 's/', lt: 's0' })) {
        yield [(key as unknown as Buffer).toString('utf8', 2), (value as unknown as Buffer).toString("utf8")];
      }
    },
    async getBlock(height) {
      const text = await get(`b/${pad(height)}`);
      return text === undefined ? undefined : (JSON.parse(text) as Block);
    },
    async getSignedHeader(height) {
      const text = await get(`sh/${pad(height)}`);
      return text === undefined ? undefined : (JSON.parse(text) as SignedHeader);
    },
    async getHeightByHash(hash) {
      const text = await get(`bh/${hash}`);
      return text === undefined ? undefined : Number(text);
    },
    async getResults(height) {
      const text = await get(`r/${pad(height)}`);
      return text === undefined ? undefined : (JSON.parse(text) as TxResult[]);
    },
    async getTxLocation(txId) {
      const text = await get(`t/${txId}`);
      if (text === undefined) return undefined;
      const [height, index] = text.split(':').map(Number);
      return { height: height!, index: index! };
    },
    async getHistoryNode(level, index) {
      const text = await get(`m/${level}/${index}`);
      return text === undefined ? undefined : Buffer.from(text, 'hex');
    },
    async getAttachment(txId) {
      return ((await db.get(`nl/${txId}`)) as unknown as Buffer | undefined) ?? undefined;
    },
    async putWal(message, block) {
      const key = `w/${pad(message.height)}/${message.type}/${padRound(message.round)}`;
      if (!block) {
        await db.put(key, JSON.stringify(message), { sync: true });
        return;
      }
      const batch = db.batch();
      batch.put(`w/${pad(message.height)}/${WAL_BLOCK}/${block.hash}`, JSON.stringify(block.body));
      batch.put(key, JSON.stringify(message));
      await batch.write({ sync: true });
    },
    async loadWal(height) {
      const record: WalRecord = { messages: [], blocks: [] };
      for await (const [key, value] of db.iterator({ gte: `w/${pad(height)}/`, lt: `w/${pad(height)}0` })) {
        const kind = (key as unknown as Buffer).toString('utf8').split('/')[2];
        (kind === WAL_BLOCK ? record.blocks : record.messages).push(JSON.parse((value as unknown as Buffer).toString('utf8')));
      }
      return record;
    },
    async pruneWal(height) {
      await db.clear({ gte: 'w/', lt: `w/${pad(height + 1)}` });
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
}
