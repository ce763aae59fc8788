/**
 * Batched Ed25519 verification of transaction signatures in worker threads,
 * off the thread that runs consensus and the API (DESIGN.md, decision 9).
 *
 * Each transaction is verified once per node, when it enters the mempool;
 * execution trusts the mempool's verdict, so no signature is checked twice.
 * Requests are packed into one transferable buffer per batch and sent to the
 * worker with the fewest records outstanding.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { verifyBytes } from '../crypto/ed25519.js';
import { txSignMessage, type DecodedTx } from '../ledger/transaction.js';

const RECORD_BYTES = 128;
const BATCH_MAX = 1024;

export interface VerifyPool {
  /** Resolves true when the transaction's signature is valid. */
  verify(tx: DecodedTx): Promise<boolean>;
  close(): Promise<void>;
  readonly workers: number;
}

interface Pending {
  tx: DecodedTx;
  resolve: (ok: boolean) => void;
}

export function createVerifyPool(workerCount = availableParallelism()): VerifyPool {
  if (workerCount === 0) {
    return {
      workers: 0,
      verify: async (tx) => verifyBytes(tx.tx.body.signer, txSignMessage(tx.idBytes), tx.tx.sig),
      close: async () => {},
    };
  }
  const workers = Array.from({ length: workerCount }, () => {
    const worker = new Worker(new URL('./verify-worker.js', import.meta.url));
    worker.unref();
    return { worker, outstanding: 0, batches: new Map<number, { items: Pending[] }>() };
  });
  let nextId = 1;
  let queue: Pending[] = [];
  let scheduled = false;

  for (const w of workers) {
    w.worker.on('message', (msg: { id: number; ok: Uint8Array }) => {
      const batch = w.batches.get(msg.id);
      if (!batch) return;
      w.batches.delete(msg.id);
      w.outstanding -= batch.items.length;
      for (let i = 0; i < batch.items.length; i++) batch.items[i]!.resolve(msg.ok[i] === 1);
    });
    w.worker.on('error', (err) => {
      // A worker crash is a bug; fail its outstanding requests rather than hang.
      for (const batch of w.batches.values()) for (const p of batch.items) p.resolve(false);
      w.batches.clear();
      throw err;
    });
  }

  const flush = (): void => {
    scheduled = false;
    while (queue.length > 0) {
      const items = queue.length > BATCH_MAX ? queue.slice(0, BATCH_MAX) : queue;
      queue = queue.length > BATCH_MAX ? queue.slice(BATCH_MAX) : [];
      const buffer = new ArrayBuffer(items.length * RECORD_BYTES);
      const data = new Uint8Array(buffer);
      for (let i = 0; i < items.length; i++) {
        const { tx } = items[i]!;
        const at = i * RECORD_BYTES;
        data.set(Buffer.from(tx.tx.body.signer, 'hex'), at);
        data.set(tx.idBytes, at + 32);
        data.set(Buffer.from(tx.tx.sig, 'hex'), at + 64);
      }
      let target = workers[0]!;
      for (const w of workers) if (w.outstanding < target.outstanding) target = w;
      const id = nextId++;
      target.batches.set(id, { items });
      target.outstanding += items.length;
      target.worker.postMessage({ id, buffer }, [buffer]);
    }
  };

  return {
    workers: workerCount,
    verify(tx) {
      return new Promise<boolean>((resolve) => {
        queue.push({ tx, resolve });
        if (queue.length >= BATCH_MAX) flush();
        else if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.worker.terminate()));
    },
  };
}
