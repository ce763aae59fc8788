/**
 * A set of 32-byte document hashes kept as bytes, in the order they were
 * added: the aggregation queue of the notary host (aggregator.ts) and the
 * look-up of hashes in batches not yet indexed (../host.ts).
 *
 * Why not a `Set<string>` of hex: at millions of hashes a second that costs
 * a 64-character string per hash, its hashing and a large table of
 * pointers, then a join and a hex decode to get the leaves back as bytes.
 * Here the hashes sit back to back in one byte array (the batch's leaves,
 * ready to hand to the tree builder) and an open-addressing table of entry
 * numbers finds them.
 *
 * The hashes come from clients, who may choose them to collide in the
 * table: the slot of a hash mixes all eight of its 32-bit words with
 * multipliers drawn at random per set (multilinear multiply-shift hashing),
 * so no input is known to collide without knowing them. The table holds at
 * most half as many entries as slots, and doubles before it gets fuller.
 */
import { randomFillSync } from 'node:crypto';
import { assert } from '../../../ledger/errors.js';

/** Bytes of one hash. */
export const HASH_BYTES = 32;
/** Fewest slots of a table (a power of two). */
const SLOTS_MIN = 1024;
/** Most entries of one set: table slots are 32-bit entry numbers, and 2^26 hashes are 2 GiB of bytes. */
export const HASH_SET_ENTRIES_MAX = 2 ** 26;

export interface HashSet {
  readonly size: number;
  /** Add hashes, 32 bytes each back to back, those not in the set yet, in order; how many were new. */
  addAll(hashes: Uint8Array): number;
  /** The entry number (0-based, in the order added) of the hash at `offset` of `bytes` (32 bytes), or -1. */
  indexOf(bytes: Uint8Array, offset?: number): number;
  /** The hashes in the order added, 32 bytes each (a view: valid until the next `addAll` or `clear`). */
  bytes(): Uint8Array;
  /** How many hashes it holds before it must grow. */
  readonly capacity: number;
  /** Empty it, keeping its memory for the hashes to come. */
  clear(): void;
}

/** 32-bit words of a hash. */
const WORDS = HASH_BYTES / 4;

/** Odd 32-bit multipliers, one per word of a hash and one for the final mix. */
function randomMultipliers(): Int32Array {
  const keys = new Int32Array(WORDS + 1);
  randomFillSync(keys);
  for (let i = 0; i < keys.length; i++) keys[i]! |= 1;
  return keys;
}

/** The bytes as 32-bit words in memory order: a view when aligned, else a copy. */
function wordsOf(bytes: Uint8Array): Int32Array {
  assert(bytes.length % HASH_BYTES === 0, `hashes are 32 bytes each; got ${bytes.length} bytes`);
  if (bytes.byteOffset % 4 === 0) return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  return new Int32Array(new Uint8Array(bytes).buffer);
}

/** A set of 32-byte hashes with room for `expected` of them before it grows. */
export function createHashSet(expected = 0): HashSet {
  assert(expected <= HASH_SET_ENTRIES_MAX, `a hash set holds at most ${HASH_SET_ENTRIES_MAX} hashes`);
  const k = randomMultipliers();
  const k0 = k[0]!, k1 = k[1]!, k2 = k[2]!, k3 = k[3]!, k4 = k[4]!, k5 = k[5]!, k6 = k[6]!, k7 = k[7]!, k8 = k[8]!;
  let slotBits = 10;
  while (2 ** slotBits < Math.max(SLOTS_MIN, expected * 2)) slotBits++;
  /** Entry number + 1 per slot; 0 is empty. */
  let slots = new Int32Array(2 ** slotBits);
  /** The entries' words, WORDS each, in the order added. */
  let data = new Int32Array(Math.max(1, expected) * WORDS);
  let size = 0;

  const slotOf = (w: Int32Array, o: number): number => {
    let h = Math.imul(w[o]!, k0);
    h = (h + Math.imul(w[o + 1]!, k1)) | 0;
    h = (h + Math.imul(w[o + 2]!, k2)) | 0;
    h = (h + Math.imul(w[o + 3]!, k3)) | 0;
    h = (h + Math.imul(w[o + 4]!, k4)) | 0;
    h = (h + Math.imul(w[o + 5]!, k5)) | 0;
    h = (h + Math.imul(w[o + 6]!, k6)) | 0;
    h = (h + Math.imul(w[o + 7]!, k7)) | 0;
    return Math.imul(h ^ (h >>> 16), k8) >>> (32 - slotBits);
  };

  /** The slot holding the hash at word `o` of `w`, or the empty slot where it would go (linear probing). */
  const find = (w: Int32Array, o: number): number => {
    const mask = slots.length - 1;
    let s = slotOf(w, o);
    for (;;) {
      const e = slots[s]!;
      if (e === 0) return s;
      const at = (e - 1) * WORDS;
      if (
        data[at] === w[o] &&
        data[at + 1] === w[o + 1] &&
        data[at + 2] === w[o + 2] &&
        data[at + 3] === w[o + 3] &&
        data[at + 4] === w[o + 4] &&
        data[at + 5] === w[o + 5] &&
        data[at + 6] === w[o + 6] &&
        data[at + 7] === w[o + 7]
      ) {
        return s;
      }
      s = (s + 1) & mask;
    }
  };

  const grow = (): void => {
    slotBits++;
    slots = new Int32Array(2 ** slotBits);
    for (let e = 0; e < size; e++) slots[find(data, e * WORDS)] = e + 1;
  };

  return {
    get size() {
      return size;
    },
    addAll(hashes) {
      const w = wordsOf(hashes);
      const n = w.length / WORDS;
      assert(size + n <= HASH_SET_ENTRIES_MAX, `a hash set holds at most ${HASH_SET_ENTRIES_MAX} hashes`);
      if ((size + n) * WORDS > data.length) {
        let length = data.length * 2;
        while (length < (size + n) * WORDS) length *= 2;
        const bigger = new Int32Array(length);
        bigger.set(data.subarray(0, size * WORDS));
        data = bigger;
      }
      const before = size;
      for (let i = 0; i < n; i++) {
        const o = i * WORDS;
        const s = find(w, o);
        if (slots[s] !== 0) continue;
        const at = size * WORDS;
        for (let j = 0; j < WORDS; j++) data[at + j] = w[o + j]!;
        size++;
        slots[s] = size;
        if (size * 2 > slots.length) grow();
      }
      return size - before;
    },
    indexOf(bytes, offset = 0) {
      assert(offset >= 0 && offset + HASH_BYTES <= bytes.length, 'a hash is 32 bytes inside its buffer');
      const w = wordsOf(bytes.slice(offset, offset + HASH_BYTES));
      return slots[find(w, 0)]! - 1;
    },
    bytes: () => new Uint8Array(data.buffer, 0, size * HASH_BYTES),
    get capacity() {
      return Math.min(data.length / WORDS, slots.length / 2);
    },
    clear() {
      slots.fill(0);
      size = 0;
    },
  };
}

/** A set of the hashes in `leaves` (32 bytes each), the first of repeats kept. */
export function hashSetOf(leaves: Uint8Array): HashSet {
  const set = createHashSet(leaves.length / HASH_BYTES);
  set.addAll(leaves);
  return set;
}
