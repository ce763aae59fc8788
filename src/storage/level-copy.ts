/**
 * A copy of a LevelDB store for a backup (node/backup.ts): every entry read
 * through one iterator, i.e. one snapshot of the store, written in bounded
 * batches into a new store at `target`, synced at the end. Used for the
 * LevelDB stores of service hosts that hold primary data (the notary's batch
 * leaves); the block store has its own copy with its head (chain-store.ts).
 */
import { readdir } from 'node:fs/promises';
import { ClassicLevel } from 'classic-level';

/** Entries per write batch: bounded memory whatever the store's size. */
const BATCH_ENTRIES = 4096;

type Db = ClassicLevel<Uint8Array, Uint8Array>;

/** Copy an open store (the process owns its lock) into an empty `target`. */
export async function exportLevelDb(db: Db, target: string): Promise<{ entries: number; bytes: number }> {
  if ((await readdir(target).catch(() => [] as string[])).length > 0) throw new Error(`cannot copy a store into ${target}: it is not empty`);
  const copy: Db = new ClassicLevel<Uint8Array, Uint8Array>(target, { keyEncoding: 'buffer', valueEncoding: 'buffer', errorIfExists: true });
  await copy.open();
  let entries = 0;
  let bytes = 0;
  try {
    let batch = copy.batch();
    for await (const [k, v] of db.iterator({ keyEncoding: 'buffer', valueEncoding: 'buffer', fillCache: false })) {
      batch.put(k, v);
      entries++;
      bytes += k.length + v.length;
      if (batch.length >= BATCH_ENTRIES) {
        await batch.write();
        batch = copy.batch();
      }
    }
    await batch.write({ sync: true });
  } finally {
    await copy.close();
  }
  return { entries, bytes };
}

/** Copy a store no process has open (a stopped node's); a store in use is refused by LevelDB's lock. */
export async function copyLevelDbAt(path: string, target: string): Promise<{ entries: number; bytes: number }> {
  const db: Db = new ClassicLevel<Uint8Array, Uint8Array>(path, { keyEncoding: 'buffer', valueEncoding: 'buffer', createIfMissing: false });
  try {
    await db.open();
  } catch (e) {
    throw new Error(`cannot open ${path} to copy it (${(e as { cause?: Error }).cause?.message ?? (e as Error).message}); is a node running on this data directory?`);
  }
  try {
    return await exportLevelDb(db, target);
  } finally {
    await db.close();
  }
}
