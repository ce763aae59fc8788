/**
 * The block-history log: an append-only RFC 9162 Merkle tree over block
 * hashes (leaf i is block i+1: its RFC 9162 leaf hash is SHA-256(0x00 || block hash), which the caller computes).
 *
 * Why: every block header commits to the root over all earlier block hashes,
 * so proving that an old block belongs to the chain, or that one chain head
 * extends another, takes O(log n) hashes checked with the standard
 * `verifyInclusion` / `verifyConsistency` of crypto/merkle.ts, instead of
 * walking n headers.
 *
 * The log never holds all leaves. In memory it keeps the *frontier*: the
 * roots of the perfect subtrees that make up the current size, largest first
 * (size 13 = 8 + 4 + 1 gives three), which is enough to append and to compute
 * the current root. On disk (the caller's job) it keeps every *perfect*
 * subtree as it completes: node (level, index) is MTH of leaves
 * [index·2^level, (index+1)·2^level), level 0 being the leaf itself.
 *
 * The RFC 9162 tree of any size n is built from perfect subtrees aligned on
 * their own size: its left child is the perfect tree of the largest power of
 * two below n, and every range the proof algorithms (PATH, SUBPROOF) ask for
 * either is such a perfect subtree or ends at n, in which case it splits into
 * the perfect subtrees given by the binary digits of its size. So a root or a
 * proof for any past size reads O(log n) stored nodes and hashes only the few
 * non-perfect ranges that end at the size asked for.
 *
 * Pure: no I/O here; reads go through the `HistoryNodeStore` passed in.
 */
import { EMPTY_ROOT, isHash, largestPowerOfTwoBelow, nodeHash } from '../crypto/merkle.js';
import { assert } from './errors.js';

/** Read access to the persisted perfect-subtree nodes (LevelDB in the node). */
export interface HistoryNodeStore {
  getNode(level: number, index: number): Promise<Uint8Array | undefined>;
}

/** What to persist to restore a log: its size and frontier (perfect-subtree roots, largest first). */
export interface HistoryLogState {
  size: number;
  frontier: Uint8Array[];
}

/** A perfect-subtree node completed by an append, for the caller to persist. */
export interface HistoryNode {
  level: number;
  index: number;
  hash: Uint8Array;
}

export interface HistoryLog {
  /** Number of leaves appended so far. */
  readonly size: number;
  /** Root of the tree of the current size, from the frontier: O(log n) hashing, no reads. */
  root(): Uint8Array;
  /** Append a leaf hash; returns the perfect-subtree nodes it completes, the leaf (level 0) first. */
  append(leafHash: Uint8Array): HistoryNode[];
  /** The state to persist; `createHistoryLog(snapshot())` continues identically. */
  snapshot(): HistoryLogState;
}

/** Start a log, empty or from a persisted snapshot. Throws a `TypeError` on an inconsistent state. */
export function createHistoryLog(state: HistoryLogState = { size: 0, frontier: [] }): HistoryLog {
  checkState(state);
  let size = state.size;
  // frontier[i] is the root of the i-th perfect subtree, largest first; the
  // levels are the set bits of `size` from the top, so the last entry is the
  // smallest subtree, where appends happen.
  const frontier: Uint8Array[] = state.frontier.map((h) => new Uint8Array(h));

  return {
    get size() {
      return size;
    },

    root() {
      if (frontier.length === 0) return new Uint8Array(EMPTY_ROOT);
      // MTH splits at the largest power of two, so the root folds the
      // frontier from the right: H(f0, H(f1, H(f2, ...))).
      let root = frontier[frontier.length - 1]!;
      for (let i = frontier.length - 2; i >= 0; i--) root = nodeHash(frontier[i]!, root);
      return new Uint8Array(root);
    },

    append(leafHash) {
      if (!isHash(leafHash)) throw new TypeError(`expected a 32-byte leaf hash, got ${describe(leafHash)}`);
      if (size >= Number.MAX_SAFE_INTEGER) throw new RangeError('the history log is full');
      let carry = new Uint8Array(leafHash);
      let level = 0;
      let index = size;
      const completed: HistoryNode[] = [{ level, index, hash: new Uint8Array(carry) }];
      // Binary increment: every set low bit of the old size is a perfect
      // subtree of that level which the new node now completes.
      let rest = size;
      while (rest % 2 === 1) {
        const left = frontier.pop();
        assert(left !== undefined, 'history frontier shorter than the bits of its size');
        carry = new Uint8Array(nodeHash(left, carry));
        rest = Math.floor(rest / 2);
        index = Math.floor(index / 2);
        level++;
        completed.push({ level, index, hash: new Uint8Array(carry) });
      }
      frontier.push(carry);
      size++;
      return completed;
    },

    snapshot() {
      return { size, frontier: frontier.map((h) => new Uint8Array(h)) };
    },
  };
}

/** MTH of the first `size` leaves, from popcount(size) stored nodes. */
export async function historyRoot(store: HistoryNodeStore, size: number): Promise<Uint8Array> {
  checkCount(size, 'size');
  if (size === 0) return new Uint8Array(EMPTY_ROOT);
  return rangeRoot(store, 0, size);
}

/**
 * RFC 9162 PATH(index, D[size]) for leaf `index` of the tree of the first
 * `size` leaves, deepest sibling first: equal to `inclusionProof(leaves.slice(0, size), index)`.
 */
export async function historyInclusionProof(store: HistoryNodeStore, index: number, size: number): Promise<Uint8Array[]> {
  checkCount(size, 'size');
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
    throw new RangeError(`expected a leaf index in [0, ${size}), got ${String(index)}`);
  }
  // The ranges PATH asks MTH of, from the top down (reversed at the end).
  const ranges: [number, number][] = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (index - lo < k) {
      ranges.push([lo + k, hi]);
      hi = lo + k;
    } else {
      ranges.push([lo, lo + k]);
      lo += k;
    }
  }
  const hashes = await Promise.all(ranges.map(([a, b]) => rangeRoot(store, a, b)));
  return hashes.reverse();
}

/**
 * RFC 9162 PROOF(oldSize, D[newSize]): equal to
 * `consistencyProof(leaves.slice(0, newSize), oldSize)`; empty when oldSize is 0 or newSize.
 */
export async function historyConsistencyProof(store: HistoryNodeStore, oldSize: number, newSize: number): Promise<Uint8Array[]> {
  checkCount(newSize, 'new size');
  if (!Number.isSafeInteger(oldSize) || oldSize < 0 || oldSize > newSize) {
    throw new RangeError(`expected an old size in [0, ${newSize}], got ${String(oldSize)}`);
  }
  if (oldSize === 0 || oldSize === newSize) return [];
  // SUBPROOF(m, D[lo:hi], whole), iteratively; see merkle.ts consistencyProof.
  const ranges: [number, number][] = [];
  let lo = 0;
  let hi = newSize;
  let m = oldSize;
  let whole = true;
  while (m !== hi - lo) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (m <= k) {
      ranges.push([lo + k, hi]);
      hi = lo + k;
    } else {
      ranges.push([lo, lo + k]);
      lo += k;
      m -= k;
      whole = false;
    }
  }
  if (!whole) ranges.push([lo, hi]);
  const hashes = await Promise.all(ranges.map(([a, b]) => rangeRoot(store, a, b)));
  return hashes.reverse();
}

// ---------------------------------------------------------------------------

/**
 * MTH(D[start:end]) for a range the RFC recursion produces: `start` is a
 * multiple of the largest power of two not above `end - start`, so the range
 * is the perfect subtrees given by the binary digits of its size, largest
 * first, each aligned on its own size. Reads one node per digit.
 */
async function rangeRoot(store: HistoryNodeStore, start: number, end: number): Promise<Uint8Array> {
  const pieces: Promise<Uint8Array>[] = [];
  let at = start;
  let width = 1;
  while (width * 2 <= end - start) width *= 2;
  let level = Math.log2(width);
  for (; width >= 1; width /= 2, level--) {
    if (end - at < width) continue;
    assert(at % width === 0, `history range [${start}, ${end}) is not aligned on its perfect subtrees`);
    pieces.push(readNode(store, level, at / width));
    at += width;
  }
  const hashes = await Promise.all(pieces);
  let root = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) root = nodeHash(hashes[i]!, root);
  return new Uint8Array(root);
}

async function readNode(store: HistoryNodeStore, level: number, index: number): Promise<Uint8Array> {
  const hash = await store.getNode(level, index);
  // Missing means the caller asked for a size the store has not persisted, or
  // the store lost a node: a bug or a corrupt database, not bad input.
  assert(isHash(hash), `history node (level ${level}, index ${index}) is ${hash === undefined ? 'missing from the store' : `malformed (${describe(hash)})`}`);
  return hash;
}

function checkState(state: HistoryLogState): void {
  if (typeof state !== 'object' || state === null) throw new TypeError(`expected a history log state object, got ${describe(state)}`);
  checkCount(state.size, 'size', TypeError);
  if (!Array.isArray(state.frontier)) throw new TypeError(`expected the frontier as an array, got ${describe(state.frontier)}`);
  const expected = bitCount(state.size);
  if (state.frontier.length !== expected) {
    throw new TypeError(`expected a frontier of ${expected} hashes for size ${state.size}, got ${state.frontier.length}`);
  }
  state.frontier.forEach((h, i) => {
    if (!isHash(h)) throw new TypeError(`expected a 32-byte frontier hash at index ${i}, got ${describe(h)}`);
  });
}

function checkCount(n: unknown, what: string, ErrorType: new (message: string) => Error = RangeError): void {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new ErrorType(`expected the ${what} as a non-negative safe integer, got ${String(n)}`);
  }
}

function bitCount(n: number): number {
  let count = 0;
  for (let rest = n; rest > 0; rest = Math.floor(rest / 2)) count += rest % 2;
  return count;
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
