/**
 * Batched Ed25519 verification of transaction signatures in worker threads,
 * off the thread that runs consensus and the API (DESIGN.md, decision 9).
 *
 * Each transaction is verified once per node, when it enters the mempool;
 * execution trusts the mempool's verdict, so no signature is checked twice.
 * Requests are packed into one transferable buffer per batch and sent to the
 * worker with the fewest records outstanding.
 *
 * The same workers check signatures over arbitrary messages for the API
 * (`verifySignature`: a credential's eddsa-jcs-2022 proof or JWS), so a
 * verifier's Ed25519 work uses every core instead of the API's one thread.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { verifyBytes } from '../crypto/ed25519.js';
import { txSignMessage, type DecodedTx } from '../ledger/transaction.js';

const RECORD_BYTES = 128;
const BATCH_MAX = 1024;
/** Bytes of raw messages packed into one batch before it is sent (a message may be up to ~90 KB, a vc+jwt). */
const RAW_BATCH_BYTES_MAX = 1 << 20;

export interface VerifyPool {
  /** Resolves true when the transaction's signature is valid. */
  verify(tx: DecodedTx): Promise<boolean>;
  /** Resolves true when `sig` (64 bytes) is `pubKey`'s (32 bytes, hex) Ed25519 signature of `message`. */
  verifySignature(pubKey: string, message: Uint8Array, sig: Uint8Array): Promise<boolean>;
  close(): Promise<void>;
  readonly workers: number;
}

interface Pending {
  tx: DecodedTx;
  resolve: (ok: boolean) => void;
}

interface PendingRaw {
  pubKey: string;
  message: Uint8Array;
  sig: Uint8Array;
  resolve: (ok: boolean) => void;
}

export function createVerifyPool(workerCount = availableParallelism()): VerifyPool {
  if (workerCount === 0) {
    return {
      workers: 0,
      verify: async (tx) => verifyBytes(tx.tx.body.signer, txSignMessage(tx.idBytes), tx.tx.sig),
      verifySignature: async (pubKey, message, sig) => verifyBytes(pubKey, message, sig),
      close: async () => {},
    };
  }
  const workers = Array.from({ length: workerCount }, () => {
    const worker = new Worker(new URL('./verify-worker.js', import.meta.url));
    worker.unref();
    return { worker, outstanding: 0, batches: new Map<number, { items: { resolve: (ok: boolean) => void }[] }>() };
  });
  let nextId = 1;
  let queue: Pending[] = [];
  let rawQueue: PendingRaw[] = [];
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

  const leastBusy = () => {
    let target = workers[0]!;
    for (const w of workers) if (w.outstanding < target.outstanding) target = w;
    return target;
  };

  const flushRaw = (): void => {
    while (rawQueue.length > 0) {
      let bytes = 0;
      let n = 0;
      while (n < rawQueue.length && n < BATCH_MAX && (n === 0 || bytes + 100 + rawQueue[n]!.message.length <= RAW_BATCH_BYTES_MAX)) bytes += 100 + rawQueue[n++]!.message.length;
      const items = rawQueue.slice(0, n);
      rawQueue = rawQueue.slice(n);
      const buffer = new ArrayBuffer(bytes);
      const data = new Uint8Array(buffer);
      const view = new DataView(buffer);
      let at = 0;
      for (const item of items) {
        view.setUint32(at, item.message.length);
        data.set(Buffer.from(item.pubKey, 'hex'), at + 4);
        data.set(item.sig, at + 36);
        data.set(item.message, at + 100);
        at += 100 + item.message.length;
      }
      const target = leastBusy();
      const id = nextId++;
      target.batches.set(id, { items });
      target.outstanding += items.length;
      target.worker.postMessage({ id, buffer, raw: true }, [buffer]);
    }
  };

  const flush = (): void => {
    scheduled = false;
    flushRaw();
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
      const target = leastBusy();
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
    verifySignature(pubKey, message, sig) {
      // Shapes the worker's record cannot hold are simply not valid signatures.
      if (!/^[0-9a-f]{64}$/.test(pubKey) || sig.length !== 64) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        rawQueue.push({ pubKey, message, sig, resolve });
        if (rawQueue.length >= BATCH_MAX) flush();
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
