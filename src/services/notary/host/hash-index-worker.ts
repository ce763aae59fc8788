/**
 * Worker thread that owns the aggregated-hash index (hash-index.ts): the
 * LevelDB is opened here, and every call the notary host makes through
 * hash-index-thread.ts is answered here.
 *
 * Why a thread: indexing a block means one LevelDB put per anchored hash
 * (200,000 and more a block under load), and each put's key building and
 * its call into LevelDB cost the main thread, which also runs the API and
 * consensus, more than the rest of aggregation together. Here that work
 * runs beside it, on another core.
 *
 * Protocol: { id, method, args } in; { id, value } or { id, error } out,
 * answered in whatever order the calls finish (as in-process calls would).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createHashIndex, type HashIndex } from './hash-index.js';

export interface IndexCall {
  id: number;
  method: 'open' | 'close' | 'indexedHeight' | 'current' | 'write' | 'references' | 'lookup' | 'reset';
  args: unknown[];
}

export interface IndexAnswer {
  id: number;
  value?: unknown;
  error?: { message: string; code?: string };
}

const index = createHashIndex((workerData as { path: string }).path);
const port = parentPort!;

port.on('message', (call: IndexCall) => {
  const method = index[call.method] as (...args: unknown[]) => Promise<unknown>;
  method.apply(index, call.args).then(
    (value) => port.postMessage({ id: call.id, value } satisfies IndexAnswer),
    (e: Error & { code?: string }) => port.postMessage({ id: call.id, error: { message: e.message, ...(typeof e.code === 'string' ? { code: e.code } : {}) } } satisfies IndexAnswer),
  );
});

export type { HashIndex };
