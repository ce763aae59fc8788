/**
 * The aggregated-hash index: document hash -> where it was first anchored in
 * an aggregation batch. It lets `GET /v1/notary/hashes/:hash` and receipts
 * find a hash among millions.
 *
 * It is derived data: each batch's leaves are the attachment of its
 * transaction, stored with its block in the block's one synced batch
 * (src/storage/chain-store.ts), and this index is rebuilt from them. So it
 * lives in its own LevelDB, written after the block is durable and off the
 * commit path: a block of 200k aggregated hashes no longer waits for 200k
 * index writes, and LevelDB's single writer queue of the chain store is not
 * shared with them. Each write carries the height it indexes up to in the
 * same atomic batch; after a crash the notary host re-indexes the blocks
 * above that height from their stored leaves (../host.ts).
 *
 * Layout (binary keys and values):
 *   0x01 || docHash (32) || height (u32 BE) -> txIndex (u32 BE) || leafIndex (u32 BE)
 *   "meta/indexed"                          -> the last height indexed (decimal text)
 * A hash anchored again later gets a second entry (no read before write);
 * the first key of its prefix is the earliest anchoring.
 */
import { ClassicLevel } from 'classic-level';

export interface HashLocation {
  height: number;
  txIndex: number;
  leafIndex: number;
}

export interface IndexedBatch {
  txIndex: number;
  /** The batch's document hashes, 32 bytes each, in leaf order. */
  leaves: Uint8Array;
}

export interface HashIndex {
  open(): Promise<void>;
  close(): Promise<void>;
  /** Last height whose batches are indexed (0 when none). */
  indexedHeight(): Promise<number>;
  /** Index the batches of `height` and record it as indexed, atomically. */
  write(height: number, batches: readonly IndexedBatch[]): Promise<void>;
  /** The earliest indexed anchoring of each hash. */
  lookup(hashes: readonly string[]): Promise<(HashLocation | undefined)[]>;
  /** Forget everything (the block store it was derived from was replaced); durable when it resolves. */
  reset(): Promise<void>;
}

const PREFIX = 0x01;
const MARKER = 'meta/indexed';

/** LevelDB's memtable size for the index: one block's batches (200k hashes, ~9 MiB of entries) fit without a flush. */
const WRITE_BUFFER_BYTES = 64 * 1024 * 1024;

export function createHashIndex(path: string): HashIndex {
  const db = new ClassicLevel<string | Uint8Array, string | Uint8Array>(path, {
    keyEncoding: 'buffer',
    valueEncoding: 'buffer',
    writeBufferSize: WRITE_BUFFER_BYTES,
  });
  return {
    open: () => db.open(),
    close: () => db.close(),
    async reset() {
      await db.clear();
      await db.put(MARKER, '0', { sync: true });
    },
    async indexedHeight() {
      const value = (await db.get(MARKER)) as unknown as Buffer | undefined;
      return value === undefined ? 0 : Number(value.toString('utf8'));
    },
    async write(height, batches) {
      const batch = db.batch();
      for (const { txIndex, leaves } of batches) {
        const count = leaves.length / 32;
        // One buffer for all keys and one for all values; each entry is a view into them.
        const keys = Buffer.allocUnsafe(count * 37);
        const values = Buffer.allocUnsafe(count * 8);
        for (let i = 0; i < count; i++) {
          keys[i * 37] = PREFIX;
          keys.set(leaves.subarray(i * 32, i * 32 + 32), i * 37 + 1);
          keys.writeUInt32BE(height, i * 37 + 33);
          values.writeUInt32BE(txIndex, i * 8);
          values.writeUInt32BE(i, i * 8 + 4);
          batch.put(keys.subarray(i * 37, i * 37 + 37), values.subarray(i * 8, i * 8 + 8));
        }
      }
      batch.put(MARKER, String(height));
      await batch.write();
    },
    lookup(hashes) {
      return Promise.all(
        hashes.map(async (hash) => {
          const from = Buffer.alloc(37);
          from[0] = PREFIX;
          from.write(hash, 1, 'hex');
          const to = Buffer.from(from);
          to.fill(0xff, 33);
          const entries = (await db.iterator({ gte: from, lte: to, limit: 1 }).all()) as unknown as [Buffer, Buffer][];
          const first = entries[0];
          if (!first) return undefined;
          const [key, value] = first;
          return { height: key.readUInt32BE(33), txIndex: value.readUInt32BE(0), leafIndex: value.readUInt32BE(4) };
        }),
      );
    },
  };
}
