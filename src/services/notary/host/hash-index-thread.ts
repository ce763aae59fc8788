/**
 * The aggregated-hash index (hash-index.ts) run on a worker thread of its
 * own (hash-index-worker.ts), behind the same interface: the notary host
 * cannot tell the two apart, and the on-disk layout is the same.
 *
 * - Each call is a message; its answer settles the call's promise. A
 *   write's leaves are copied to the worker (structured clone): the host
 *   keeps its own for look-ups until the write lands.
 * - An error in the worker (LevelDB refusing a write, a full disk) rejects
 *   that call with the worker's message and code, as in process.
 * - If the thread itself dies, every waiting call and every later one is
 *   rejected: the host then stops, as it does when a write fails, rather
 *   than serve look-ups that silently miss hashes.
 * - `close` closes the LevelDB in the worker, then ends the thread.
 */
import { Worker } from 'node:worker_threads';
import type { HashIndex } from './hash-index.js';
import type { IndexAnswer, IndexCall } from './hash-index-worker.js';

/** An error from the index's thread: its message and code, as the in-process index would have thrown them. */
class IndexError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** The index at `path`, opened on a thread running `script` (the tests give another one). */
export function createHashIndexThread(path: string, script: URL = new URL('./hash-index-worker.js', import.meta.url)): HashIndex {
  const worker = new Worker(script, { workerData: { path } });
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let dead: Error | undefined;
  const fail = (e: Error): void => {
    dead ??= e;
    for (const w of waiting.values()) w.reject(dead);
    waiting.clear();
  };
  worker.on('message', ({ id, value, error }: IndexAnswer) => {
    const w = waiting.get(id);
    if (!w) return;
    waiting.delete(id);
    if (waiting.size === 0) worker.unref();
    if (error) w.reject(new IndexError(error.message, error.code));
    else w.resolve(value);
  });
  worker.on('error', (e) => fail(new Error(`the hash index's thread failed: ${e.message}`)));
  worker.on('exit', (code) => fail(new Error(`the hash index's thread ended (exit code ${code})`)));
  // An idle index does not keep the process running; a call waiting for its answer does. (After the
  // listeners: adding a 'message' listener refs the worker's port again.)
  worker.unref();

  const send = <T>(method: IndexCall['method'], transfer: ArrayBuffer[], args: unknown[]): Promise<T> => {
    if (dead) return Promise.reject(dead);
    return new Promise<T>((resolve, reject) => {
      const id = nextId++;
      if (waiting.size === 0) worker.ref();
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ id, method, args } satisfies IndexCall, transfer);
    });
  };
  const call = <T>(method: IndexCall['method'], ...args: unknown[]): Promise<T> => send<T>(method, [], args);

  return {
    open: () => call('open'),
    async close() {
      if (dead) return;
      await call('close');
      await worker.terminate();
    },
    indexedHeight: () => call('indexedHeight'),
    current: () => call('current'),
    write(height, batches, references = []) {
      // A view is cloned with its whole buffer: send each batch's leaves alone, moved rather than copied again.
      const own = batches.map(({ txIndex, leaves }) => ({ txIndex, leaves: new Uint8Array(leaves) }));
      return send('write', own.map((b) => b.leaves.buffer as ArrayBuffer), [height, own, references]);
    },
    references: (reference, limit, before) => call('references', reference, limit, before),
    lookup: (hashes) => call('lookup', hashes),
    reset: () => call('reset'),
  };
}
