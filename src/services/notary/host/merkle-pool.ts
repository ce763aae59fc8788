/**
 * Builds large aggregation trees on worker threads, so the thread that runs
 * the API and consensus stays free while millions of notary hashes are
 * hashed (each leaf costs two SHA-256 calls).
 *
 * The leaves are cut into aligned chunks of 2^CHUNK_LEVELS. In an RFC 9162
 * tree, the nodes of levels 0..CHUNK_LEVELS over an aligned chunk are exactly
 * the chunk's own subtree (the odd-node promotion of a partial last chunk is
 * the full tree's promotion too), so chunk levels concatenated give the full
 * tree's lower levels; the few levels above are hashed here. The result is
 * the same tree `buildMerkleTree` makes (tested).
 */
import { Worker } from 'node:worker_threads';
import { merkleTreeFromLevels, nextLevel, type MerkleTree } from '../../../crypto/merkle.js';
import { concatBytes } from '../../../crypto/bytes.js';

export const CHUNK_LEVELS = 15;
const CHUNK = 2 ** CHUNK_LEVELS;

export interface MerklePool {
  /** The RFC 9162 tree whose leaf data are the given 32-byte document hashes. */
  build(documentHashes: Uint8Array): Promise<MerkleTree>;
  close(): Promise<void>;
}

export function createMerklePool(workerCount: number): MerklePool {
  const workers = Array.from({ length: workerCount }, () => {
    return new Worker(new URL('./merkle-worker.js', import.meta.url));
  });
  const pending = new Map<number, (levels: ArrayBuffer[]) => void>();
  let nextId = 1;
  for (const w of workers) {
    w.on('message', (msg: { id: number; levels: ArrayBuffer[] }) => {
      const resolve = pending.get(msg.id);
      pending.delete(msg.id);
      if (pending.size === 0) for (const x of workers) x.unref();
      resolve?.(msg.levels);
    });
    w.on('error', (err) => {
      // A crashed tree worker is a bug: fail loudly rather than leave seals waiting forever.
      process.nextTick(() => {
        throw err;
      });
    });
    // An idle pool does not keep the process running; a tree being built does. (After the listeners:
    // adding a 'message' listener refs the worker's port again.)
    w.unref();
  }
  let turn = 0;
  const chunkLevels = (docs: Uint8Array): Promise<Uint8Array[]> =>
    new Promise((resolve) => {
      const id = nextId++;
      if (pending.size === 0) for (const x of workers) x.ref();
      pending.set(id, (levels) => resolve(levels.map((b) => new Uint8Array(b))));
      const copy = new Uint8Array(docs); // a real copy: Buffer#slice shares memory, possibly the shared pool
      workers[turn++ % workers.length]!.postMessage({ id, leaves: copy.buffer, levelsMax: CHUNK_LEVELS }, [copy.buffer]);
    });

  return {
    async build(documentHashes) {
      const size = documentHashes.length / 32;
      if (size === 0) return merkleTreeFromLevels([], 0);
      const chunks: Promise<Uint8Array[]>[] = [];
      for (let at = 0; at < size; at += CHUNK) chunks.push(chunkLevels(documentHashes.subarray(at * 32, Math.min(size, at + CHUNK) * 32)));
      const parts = await Promise.all(chunks);
      const levels: Uint8Array[] = [];
      const depth = Math.max(...parts.map((p) => p.length));
      for (let l = 0; l < depth; l++) {
        // A partial last chunk can reach its root below CHUNK_LEVELS: its root is promoted upwards.
        levels.push(concatBytes(...parts.map((p) => p[Math.min(l, p.length - 1)]!)));
        if (levels[l]!.length === 32) break;
      }
      while (levels[levels.length - 1]!.length > 32) levels.push(nextLevel(levels[levels.length - 1]!));
      return merkleTreeFromLevels(levels, size);
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
