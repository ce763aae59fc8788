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
 *
 * They also take admission's stateless work whole (`intake`, tx-intake.ts):
 * a submission's values are cloned to the workers in chunks, one chunk per
 * worker, and come back decoded, hashed and verified, so the main thread no
 * longer encodes or hashes a submitted transaction. The values in flight are
 * bounded (`intakeTxsMax`): beyond it a submission's values are refused with
 * NODE_BUSY at once rather than queued without limit. With no workers the
 * same work runs inline, with the same answers.
 *
 * Small submissions (a client's one transaction, the common case under load)
 * are gathered for one turn of the event loop and go to the workers
 * together: a message to a worker costs the main thread about as much as the
 * rest of a transaction's intake, so 200 clients' transactions travel in a
 * few messages, not 200. Each submission still gets its own answers.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { verifyBytes } from '../crypto/ed25519.js';
import { txSignMessage, type DecodedTx } from '../ledger/transaction.js';
import { intakeBatch, refusedBatch, unpackIntake, type IntakeBatch, type IntakeResult } from './tx-intake.js';

const RECORD_BYTES = 128;
const BATCH_MAX = 1024;
/** Bytes of raw messages packed into one batch before it is sent (a message may be up to ~90 KB, a vc+jwt). */
const RAW_BATCH_BYTES_MAX = 1 << 20;
/** Values of a submission sent to one worker at once; a submission of 1,000 is split among the workers. */
const INTAKE_CHUNK_MAX = 1024;
const INTAKE_CHUNK_MIN = 64;
/** Default bound on values in intake at once (about 16 submissions of the largest size). */
export const INTAKE_TXS_MAX = 65_536;

export interface VerifyPoolOptions {
  /** Most submitted values being decoded and verified at once; more are refused with NODE_BUSY (default INTAKE_TXS_MAX). */
  intakeTxsMax?: number;
}

export interface VerifyPool {
  /** Resolves true when the transaction's signature is valid. */
  verify(tx: DecodedTx): Promise<boolean>;
  /** Resolves true when `sig` (64 bytes) is `pubKey`'s (32 bytes, hex) Ed25519 signature of `message`. */
  verifySignature(pubKey: string, message: Uint8Array, sig: Uint8Array): Promise<boolean>;
  /**
   * Decode, hash and verify submitted values (JSON data) for chain `chainId`
   * (null: decode and hash only): one answer per value, in order
   * (tx-intake.ts). Never rejects: values over the bound, or sent after
   * `close`, are refused with NODE_BUSY.
   */
  intake(values: readonly unknown[], chainId: string | null): Promise<IntakeResult[]>;
  /** Values in intake now (for tests and metrics). */
  readonly intakeInFlight: number;
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

const busyMessage = (max: number): string => `the node is decoding and verifying as many transactions as it may at once (${max}); retry shortly`;
const CLOSED_MESSAGE = 'the node is shutting down';

export function createVerifyPool(workerCount = availableParallelism(), options: VerifyPoolOptions = {}): VerifyPool {
  const intakeTxsMax = options.intakeTxsMax ?? INTAKE_TXS_MAX;
  if (!(Number.isSafeInteger(workerCount) && workerCount >= 0)) throw new RangeError(`verify workers: expected a non-negative integer, got ${workerCount}`);
  if (!(Number.isSafeInteger(intakeTxsMax) && intakeTxsMax >= 1)) throw new RangeError(`intakeTxsMax: expected a positive integer, got ${intakeTxsMax}`);
  if (workerCount === 0) {
    let closed = false;
    return {
      workers: 0,
      intakeInFlight: 0,
      verify: async (tx) => verifyBytes(tx.tx.body.signer, txSignMessage(tx.idBytes), tx.tx.sig),
      verifySignature: async (pubKey, message, sig) => verifyBytes(pubKey, message, sig),
      intake: async (values, chainId) => {
        if (closed) return unpackIntake(refusedBatch(values.length, 'NODE_BUSY', CLOSED_MESSAGE), values);
        if (values.length > intakeTxsMax) return unpackIntake(refusedBatch(values.length, 'NODE_BUSY', busyMessage(intakeTxsMax)), values);
        return unpackIntake(intakeBatch(values, chainId), values);
      },
      close: async () => {
        closed = true;
      },
    };
  }
  const workers = Array.from({ length: workerCount }, () => {
    const worker = new Worker(new URL('./verify-worker.js', import.meta.url));
    worker.unref();
    return {
      worker,
      outstanding: 0,
      batches: new Map<number, { items: { resolve: (ok: boolean) => void }[] }>(),
      intakes: new Map<number, { count: number; done: (batch: IntakeBatch) => void }>(),
    };
  });
  let intakeInFlight = 0;
  let closed = false;
  let nextId = 1;
  let queue: Pending[] = [];
  let rawQueue: PendingRaw[] = [];
  let scheduled = false;
  /** Small submissions waiting for this turn's message to the workers. */
  let gathered: { values: readonly unknown[]; chainId: string | null; done: (results: IntakeResult[]) => void }[] = [];
  let gatherScheduled = false;

  for (const w of workers) {
    w.worker.on('message', (msg: { id: number; ok: Uint8Array } | { id: number; intake: IntakeBatch }) => {
      if ('intake' in msg) {
        const pending = w.intakes.get(msg.id);
        if (!pending) return;
        w.intakes.delete(msg.id);
        w.outstanding -= pending.count;
        pending.done(msg.intake);
        return;
      }
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
      for (const pending of w.intakes.values()) pending.done(refusedBatch(pending.count, 'INTERNAL', 'internal error'));
      w.intakes.clear();
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

  /** Send `values[from, to)` to the least busy worker; resolves with its packed answer. */
  const intakeChunk = (values: readonly unknown[], from: number, to: number, chainId: string | null): Promise<IntakeBatch> =>
    new Promise<IntakeBatch>((resolve) => {
      const target = leastBusy();
      const id = nextId++;
      const count = to - from;
      target.intakes.set(id, { count, done: resolve });
      target.outstanding += count;
      try {
        target.worker.postMessage({ id, intake: { values: from === 0 && to === values.length ? values : values.slice(from, to), chainId } });
      } catch (e) {
        // Only values that are not JSON data fail to clone; answer them here, as the inline path would.
        target.intakes.delete(id);
        target.outstanding -= count;
        resolve(intakeBatch(values.slice(from, to), chainId));
      }
    });

  /** Decode, hash and verify `values` over the workers, one chunk per worker (at least INTAKE_CHUNK_MIN values each). */
  const intakeSpread = async (values: readonly unknown[], chainId: string | null): Promise<IntakeResult[]> => {
    const n = values.length;
    const chunk = Math.min(INTAKE_CHUNK_MAX, Math.max(INTAKE_CHUNK_MIN, Math.ceil(n / workerCount)));
    const starts: number[] = [];
    for (let from = 0; from < n; from += chunk) starts.push(from);
    const batches = await Promise.all(starts.map((from) => intakeChunk(values, from, Math.min(n, from + chunk), chainId)));
    const results: IntakeResult[] = new Array(n);
    batches.forEach((batch, k) => unpackIntake(batch, values, results, starts[k]!));
    return results;
  };

  /** Send this turn's small submissions together (per chain id), and give each its own answers. */
  const flushGathered = (): void => {
    gatherScheduled = false;
    const all = gathered;
    gathered = [];
    if (closed) {
      for (const g of all) g.done(unpackIntake(refusedBatch(g.values.length, 'NODE_BUSY', CLOSED_MESSAGE), g.values));
      return;
    }
    const byChain = new Map<string | null, typeof all>();
    for (const g of all) byChain.set(g.chainId, [...(byChain.get(g.chainId) ?? []), g]);
    for (const [chainId, group] of byChain) {
      const values = group.length === 1 ? group[0]!.values : group.flatMap((g) => g.values);
      void intakeSpread(values, chainId).then((results) => {
        let at = 0;
        for (const g of group) {
          g.done(group.length === 1 ? results : results.slice(at, at + g.values.length));
          at += g.values.length;
        }
      });
    }
  };

  return {
    workers: workerCount,
    get intakeInFlight() {
      return intakeInFlight;
    },
    async intake(values, chainId) {
      const n = values.length;
      if (closed) return unpackIntake(refusedBatch(n, 'NODE_BUSY', CLOSED_MESSAGE), values);
      if (intakeInFlight + n > intakeTxsMax) return unpackIntake(refusedBatch(n, 'NODE_BUSY', busyMessage(intakeTxsMax)), values);
      intakeInFlight += n;
      try {
        if (n >= INTAKE_CHUNK_MIN) return await intakeSpread(values, chainId);
        return await new Promise<IntakeResult[]>((done) => {
          gathered.push({ values, chainId, done });
          if (!gatherScheduled) {
            gatherScheduled = true;
            setImmediate(flushGathered);
          }
        });
      } finally {
        intakeInFlight -= n;
      }
    },
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
      closed = true;
      flushGathered();
      await Promise.all(workers.map((w) => w.worker.terminate()));
      // Whatever was in flight is answered, so no caller waits for a worker that is gone.
      for (const w of workers) {
        for (const pending of w.intakes.values()) pending.done(refusedBatch(pending.count, 'NODE_BUSY', CLOSED_MESSAGE));
        w.intakes.clear();
        for (const batch of w.batches.values()) for (const p of batch.items) p.resolve(false);
        w.batches.clear();
      }
    },
  };
}
