/**
 * Transaction intake: the per-transaction work of admission that needs no
 * chain state — check the shape, encode the body canonically, hash it into
 * the id, verify the signature — for a batch of untrusted values, with one
 * answer per value.
 *
 * Why its own module: this is most of what a node does with each submitted
 * transaction besides executing it, and none of it touches state, so it runs
 * in the verification pool's worker threads (verify-worker.ts) and the main
 * thread keeps only the checks that read the chain and the mempool
 * (admission.ts). The same function runs inline when the pool has no workers,
 * so both paths give the same answers by construction.
 *
 * The answer is packed for the trip back from a worker: statuses and sizes
 * in typed arrays, the ids' bytes in one buffer and their hex in one string,
 * and only the refusals as objects. Rebuilding a decoded transaction on the
 * main thread is then a few slices beside the value it already holds.
 */
import { PolityError } from '../ledger/errors.js';
import { decodeTx, txSignMessage, type DecodedTx } from '../ledger/transaction.js';
import { verifyBytes } from '../crypto/ed25519.js';

/** What intake says about one value. */
export type IntakeStatus = 'valid' | 'bad-signature' | 'other-chain' | 'refused' | 'decoded';

const STATUS_CODES: readonly IntakeStatus[] = ['valid', 'bad-signature', 'other-chain', 'refused', 'decoded'];
const VALID = 0;
const BAD_SIGNATURE = 1;
/** Decoded, but for another chain: its signature is not worth checking (admission refuses it as TX_WRONG_CHAIN). */
const OTHER_CHAIN = 2;
const REFUSED = 3;
/** Decoded only (chain id `null`): the caller verifies the signatures it has not verified before. */
const DECODED = 4;

/** A batch's answers, packed (see the header). */
export interface IntakeBatch {
  count: number;
  /** One of the status numbers per value. */
  status: Uint8Array<ArrayBuffer>;
  /** Canonical size in bytes of each decoded value (0 when refused). */
  sizes: Uint32Array<ArrayBuffer>;
  /** 32 bytes of id per value (zeros when refused). */
  idBytes: Uint8Array<ArrayBuffer>;
  /** 64 hex characters of id per value (zeros when refused). */
  idHex: string;
  /** The refused values: index, code and message. */
  refusals: { index: number; code: string; message: string }[];
}

const ZERO_ID_HEX = '0'.repeat(64);

/**
 * Decode and verify `values` (JSON data: plain objects, arrays, strings,
 * numbers, booleans, null) for the chain `chainId`; with `chainId` null,
 * decode only (a peer's block: most of its transactions were verified when
 * they arrived). Pure apart from the signature check; never throws for bad
 * input.
 */
export function intakeBatch(values: readonly unknown[], chainId: string | null): IntakeBatch {
  const count = values.length;
  const status = new Uint8Array(count);
  const sizes = new Uint32Array(count);
  const idBytes = new Uint8Array(count * 32);
  const hex: string[] = new Array(count);
  const refusals: IntakeBatch['refusals'] = [];
  for (let i = 0; i < count; i++) {
    let d: DecodedTx;
    try {
      d = decodeTx(values[i]);
    } catch (e) {
      const err = e instanceof PolityError ? e : new PolityError('TX_MALFORMED', (e as Error).message);
      status[i] = REFUSED;
      hex[i] = ZERO_ID_HEX;
      refusals.push({ index: i, code: err.code, message: err.message });
      continue;
    }
    sizes[i] = d.bytes;
    idBytes.set(d.idBytes, i * 32);
    hex[i] = d.id;
    if (chainId === null) status[i] = DECODED;
    else if (d.tx.body.chainId !== chainId) status[i] = OTHER_CHAIN;
    else status[i] = verifyBytes(d.tx.body.signer, txSignMessage(d.idBytes), d.tx.sig) ? VALID : BAD_SIGNATURE;
  }
  return { count, status, sizes, idBytes, idHex: hex.join(''), refusals };
}

/** A batch every value of which is refused with `code` (the pool is full, or closed). */
export function refusedBatch(count: number, code: string, message: string): IntakeBatch {
  return {
    count,
    status: new Uint8Array(count).fill(REFUSED),
    sizes: new Uint32Array(count),
    idBytes: new Uint8Array(count * 32),
    idHex: ZERO_ID_HEX.repeat(count),
    refusals: Array.from({ length: count }, (_, index) => ({ index, code, message })),
  };
}

/** One value's answer, unpacked. `value` must be the value the batch was computed from. */
export type IntakeResult =
  | { status: 'valid' | 'bad-signature' | 'other-chain' | 'decoded'; decoded: DecodedTx }
  | { status: 'refused'; code: string; message: string };

/** Unpack a batch against the values it was computed from (the decoded transaction holds the caller's own value, not a copy). */
export function unpackIntake(batch: IntakeBatch, values: readonly unknown[], into: IntakeResult[] = [], offset = 0): IntakeResult[] {
  let r = 0;
  for (let i = 0; i < batch.count; i++) {
    const s = STATUS_CODES[batch.status[i]!]!;
    if (s === 'refused') {
      const refusal = batch.refusals[r++]!;
      into[offset + i] = { status: 'refused', code: refusal.code, message: refusal.message };
      continue;
    }
    const decoded: DecodedTx = {
      tx: values[offset + i] as DecodedTx['tx'],
      id: batch.idHex.slice(i * 64, i * 64 + 64),
      idBytes: batch.idBytes.subarray(i * 32, i * 32 + 32),
      bytes: batch.sizes[i]!,
    };
    into[offset + i] = { status: s, decoded };
  }
  return into;
}
