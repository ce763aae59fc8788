/**
 * Merkle trees of RFC 9162 (Certificate Transparency version 2), section 2.1:
 * tree hashes, inclusion proofs (2.1.3) and consistency proofs (2.1.4).
 *
 * Why this tree: it is the one standard, audited append-only Merkle tree with
 * published test vectors and independent verifiers in many languages, so a
 * Polity receipt or block-history proof can be checked by code we did not
 * write. Hashing (SHA-256 throughout):
 *
 *   MTH({})       = SHA-256()                              (EMPTY_ROOT)
 *   MTH({d(0)})   = SHA-256(0x00 || d(0))                  (leafHash)
 *   MTH(D[n])     = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))   (nodeHash)
 *                   where k is the largest power of two smaller than n.
 *
 * All functions here take *leaf hashes* (already `leafHash`ed), because the
 * callers (block receipts, the block-history log) hold hashes, not data.
 *
 * `buildMerkleTree` computes the same tree level by level: pair nodes
 * (2i, 2i+1) and, when a level has an odd count, promote its last node
 * unchanged. The node at (level L, index i) then covers leaves
 * [i·2^L, min((i+1)·2^L, n)), which is exactly how the recursive definition
 * splits, so the roots agree (the tests check it against a recursive model).
 * It keeps every level in one flat byte array per level, so `proof()` is
 * array lookups only.
 *
 * Verifiers (`verifyInclusion`, `verifyConsistency`, `rootFromInclusion`) are
 * the algorithms of 2.1.3.2 and 2.1.4.2 verbatim; they never throw and answer
 * false (or undefined) on any malformed input. Note what an inclusion proof
 * does *not* bind: the tree size. A proof for leaf i of a tree of size n also
 * verifies for a size n' whose path has the same shape (leaf 0 of 8 and leaf
 * 0 of 5 both have three right-hand siblings). That is inherent in RFC 9162:
 * the size is authenticated by the signed tree head that carries the root.
 *
 * Sizes and indices are JavaScript safe integers; the bit arithmetic of the
 * RFC is done with division, not 32-bit operators, so it stays exact to 2^53.
 *
 * Pure: imports only ./sha256.js and ./bytes.js.
 */
import { equalBytes } from './bytes.js';
import { sha256, sha256Into, sha256Utf8 } from './sha256.js';

export const HASH_BYTES = 32;

/** MTH of the empty tree: SHA-256 of the empty string. */
export const EMPTY_ROOT: Uint8Array = copyBytes(sha256(new Uint8Array(0)));

/** A tree built once, with every level kept so that proofs need no hashing. */
export interface MerkleTree {
  /** Number of leaves. */
  size: number;
  /** MTH of all leaves (EMPTY_ROOT when there are none). */
  root: Uint8Array;
  /** Inclusion proof (RFC 9162 PATH) for the leaf at `index`, deepest sibling first. */
  proof(index: number): Uint8Array[];
}

/**
 * SHA-256(0x00 || UTF-8 bytes of `text`): the leaf hash of a text, hashed as
 * text (U+0000 encodes as the single byte 0x00), so no byte array is built.
 * Blocks hash every transaction's result this way.
 */
export function leafHashUtf8(text: string): Uint8Array {
  return sha256Utf8('\u0000' + text).hash;
}

/** SHA-256(0x00 || data). */
export function leafHash(data: Uint8Array): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new TypeError(`expected leaf data as a Uint8Array, got ${describe(data)}`);
  const input = new Uint8Array(1 + data.length);
  input[0] = 0x00;
  input.set(data, 1);
  return sha256(input);
}

/** SHA-256(0x01 || left || right) over two 32-byte hashes. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  checkHash(left, 'left hash');
  checkHash(right, 'right hash');
  return hashChildren(left, 0, right, 0);
}

/** MTH over already-hashed leaves, by the recursive definition's split. */
export function merkleRoot(leafHashes: readonly Uint8Array[]): Uint8Array {
  checkHashList(leafHashes);
  const n = leafHashes.length;
  if (n === 0) return copyBytes(EMPTY_ROOT);
  // Level-by-level reduction in place over one flat buffer (see header for
  // why promotion of the odd last node equals the recursive split).
  const level = packHashes(leafHashes);
  let count = n;
  while (count > 1) {
    const pairs = Math.floor(count / 2);
    for (let i = 0; i < pairs; i++) {
      level.set(hashChildren(level, 2 * i * HASH_BYTES, level, (2 * i + 1) * HASH_BYTES), i * HASH_BYTES);
    }
    if (count % 2 === 1) level.copyWithin(pairs * HASH_BYTES, (count - 1) * HASH_BYTES, count * HASH_BYTES);
    count = pairs + (count % 2);
  }
  return level.slice(0, HASH_BYTES);
}

/**
 * Build the whole tree in memory (one flat array per level: 2·n·32 bytes in
 * all), for trees that hand out many proofs, such as per-block receipts.
 */
export function buildMerkleTree(leafHashes: readonly Uint8Array[]): MerkleTree {
  checkHashList(leafHashes);
  const size = leafHashes.length;
  const levels: Uint8Array[] = [];
  if (size > 0) {
    let level = packHashes(leafHashes);
    levels.push(level);
    while (level.length > HASH_BYTES) {
      level = nextLevel(level);
      levels.push(level);
    }
  }
  return merkleTreeFromLevels(levels, size);
}

/**
 * A tree from levels computed elsewhere (worker threads build large
 * aggregation trees in aligned chunks): `levels[0]` holds the `size` leaf
 * hashes packed 32 bytes each, each next level pairs the previous one with
 * the odd last node promoted, and the last level holds the root alone.
 */
export function merkleTreeFromLevels(levels: readonly Uint8Array[], size: number): MerkleTree {
  const counts: number[] = [];
  let count = size;
  for (let l = 0; l < levels.length; l++) {
    if (levels[l]!.length !== count * HASH_BYTES) throw new RangeError(`level ${l} holds ${levels[l]!.length} bytes, expected ${count * HASH_BYTES}`);
    counts.push(count);
    count = Math.ceil(count / 2);
  }
  if (size > 0 && counts[counts.length - 1] !== 1) throw new RangeError('the last level must hold the root alone');
  const root = size === 0 ? copyBytes(EMPTY_ROOT) : levels[levels.length - 1]!.slice(0, HASH_BYTES);

  function proof(index: number): Uint8Array[] {
    checkIndex(index, size);
    const path: Uint8Array[] = [];
    let i = index;
    for (let l = 0; l < levels.length - 1; l++) {
      const sibling = i % 2 === 0 ? i + 1 : i - 1;
      // No sibling means this node is the promoted odd last node: no hash at this level.
      if (sibling < counts[l]!) path.push(levels[l]!.slice(sibling * HASH_BYTES, (sibling + 1) * HASH_BYTES));
      i = Math.floor(i / 2);
    }
    return path;
  }

  return { size, root, proof };
}

/** The next level up: pairs hashed, the odd last node promoted unchanged. */
export function nextLevel(level: Uint8Array): Uint8Array {
  const count = level.length / HASH_BYTES;
  const pairs = Math.floor(count / 2);
  const next = new Uint8Array((pairs + (count % 2)) * HASH_BYTES);
  for (let i = 0; i < pairs; i++) {
    nodeInput.set(level.subarray(2 * i * HASH_BYTES, (2 * i + 2) * HASH_BYTES), 1);
    sha256Into(nodeInput, next, i * HASH_BYTES);
  }
  if (count % 2 === 1) next.set(level.subarray((count - 1) * HASH_BYTES, count * HASH_BYTES), pairs * HASH_BYTES);
  return next;
}

/** RFC 9162 2.1.3.1: PATH(index, D[n]), the audit path, deepest sibling first. */
export function inclusionProof(leafHashes: readonly Uint8Array[], index: number): Uint8Array[] {
  checkHashList(leafHashes);
  checkIndex(index, leafHashes.length);
  // PATH(m, D[lo:hi]) = PATH(m, D[lo:lo+k]) : MTH(D[lo+k:hi])        if m < k
  //                   = PATH(m - k, D[lo+k:hi]) : MTH(D[lo:lo+k])    otherwise
  // The siblings are appended in reverse of the descent, so collect and reverse.
  const reversed: Uint8Array[] = [];
  let lo = 0;
  let hi = leafHashes.length;
  let m = index;
  while (hi - lo > 1) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (m < k) {
      reversed.push(subtreeRoot(leafHashes, lo + k, hi));
      hi = lo + k;
    } else {
      reversed.push(subtreeRoot(leafHashes, lo, lo + k));
      lo += k;
      m -= k;
    }
  }
  return reversed.reverse();
}

/**
 * RFC 9162 2.1.4.1: PROOF(oldSize, D[n]). Empty when oldSize is 0 or n
 * (there is nothing to prove; `verifyConsistency` accepts those with an empty proof).
 */
export function consistencyProof(leafHashes: readonly Uint8Array[], oldSize: number): Uint8Array[] {
  checkHashList(leafHashes);
  const n = leafHashes.length;
  if (!Number.isSafeInteger(oldSize) || oldSize < 0 || oldSize > n) {
    throw new RangeError(`expected an old size in [0, ${n}], got ${String(oldSize)}`);
  }
  if (oldSize === 0 || oldSize === n) return [];
  // SUBPROOF(m, D[lo:hi], b):
  //   m == n: [] if b, else [MTH(D[lo:hi])]
  //   m <= k: SUBPROOF(m, D[lo:lo+k], b) : MTH(D[lo+k:hi])
  //   m >  k: SUBPROOF(m - k, D[lo+k:hi], false) : MTH(D[lo:lo+k])
  const reversed: Uint8Array[] = [];
  let lo = 0;
  let hi = n;
  let m = oldSize;
  let whole = true; // the RFC's b: the subtree is still the whole old tree
  while (m !== hi - lo) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (m <= k) {
      reversed.push(subtreeRoot(leafHashes, lo + k, hi));
      hi = lo + k;
    } else {
      reversed.push(subtreeRoot(leafHashes, lo, lo + k));
      lo += k;
      m -= k;
      whole = false;
    }
  }
  if (!whole) reversed.push(subtreeRoot(leafHashes, lo, hi));
  return reversed.reverse();
}

/**
 * The root that `proof` leads to from `leafHash` at `index` in a tree of
 * `treeSize` (RFC 9162 2.1.3.2 steps 1-5 without the final comparison), or
 * undefined when the input is malformed or the proof has the wrong length.
 */
export function rootFromInclusion(
  leafHash: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
): Uint8Array | undefined {
  if (!isHash(leafHash) || !isSafeCount(index) || !isSafeCount(treeSize)) return undefined;
  // 1. leaf_index >= tree_size fails.
  if (index >= treeSize) return undefined;
  if (!isHashList(proof)) return undefined;
  // 2-3.
  let fn = index;
  let sn = treeSize - 1;
  let r: Uint8Array = leafHash;
  // 4.
  for (const p of proof) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(p, 0, r, 0);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = hashChildren(r, 0, p, 0);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // 5. sn must be 0: the proof was exactly as long as the path.
  if (sn !== 0) return undefined;
  return r === leafHash ? copyBytes(leafHash) : r;
}

/** RFC 9162 2.1.3.2. Never throws; false on any malformed input. */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!isHash(root)) return false;
  const computed = rootFromInclusion(leafHash, index, treeSize, proof);
  return computed !== undefined && equalBytes(computed, root);
}

/**
 * RFC 9162 2.1.4.2, plus the trivial cases the algorithm leaves out, with an
 * empty proof: equal sizes need equal roots; old size 0 needs the old root to
 * be EMPTY_ROOT (any tree extends the empty one). Never throws.
 */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!isSafeCount(oldSize) || !isSafeCount(newSize) || oldSize > newSize) return false;
  if (!isHash(oldRoot) || !isHash(newRoot) || !isHashList(proof)) return false;
  if (oldSize === 0) {
    if (proof.length !== 0 || !equalBytes(oldRoot, EMPTY_ROOT)) return false;
    return newSize !== 0 || equalBytes(newRoot, EMPTY_ROOT);
  }
  if (oldSize === newSize) return proof.length === 0 && equalBytes(oldRoot, newRoot);
  // 1. An empty consistency_path fails.
  if (proof.length === 0) return false;
  // 2. If first is an exact power of 2, prepend first_hash.
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : proof;
  // 3.
  let fn = oldSize - 1;
  let sn = newSize - 1;
  // 4.
  while (fn % 2 === 1) {
    fn = half(fn);
    sn = half(sn);
  }
  // 5.
  let fr: Uint8Array = path[0]!;
  let sr: Uint8Array = path[0]!;
  // 6.
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = hashChildren(c, 0, fr, 0);
      sr = hashChildren(c, 0, sr, 0);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = hashChildren(sr, 0, c, 0);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // 7.
  return sn === 0 && equalBytes(fr, oldRoot) && equalBytes(sr, newRoot);
}

/** Largest power of two strictly smaller than n (n >= 2): the RFC's k. */
export function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** True for a 32-byte Uint8Array. */
export function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === HASH_BYTES;
}

// ---------------------------------------------------------------------------

/** Reused input buffer for node hashes: 0x01 || left || right. */
const nodeInput = new Uint8Array(1 + 2 * HASH_BYTES);
nodeInput[0] = 0x01;

function hashChildren(left: Uint8Array, leftOffset: number, right: Uint8Array, rightOffset: number): Uint8Array {
  for (let i = 0; i < HASH_BYTES; i++) nodeInput[1 + i] = left[leftOffset + i]!;
  for (let i = 0; i < HASH_BYTES; i++) nodeInput[1 + HASH_BYTES + i] = right[rightOffset + i]!;
  return sha256(nodeInput);
}

/** MTH(D[lo:hi]) by the recursive definition; hi - lo >= 1. */
function subtreeRoot(leafHashes: readonly Uint8Array[], lo: number, hi: number): Uint8Array {
  if (hi - lo === 1) return copyBytes(leafHashes[lo]!);
  const k = largestPowerOfTwoBelow(hi - lo);
  return hashChildren(subtreeRoot(leafHashes, lo, lo + k), 0, subtreeRoot(leafHashes, lo + k, hi), 0);
}

/**
 * A fresh copy. Not `.slice()`: on a Node `Buffer` (what `sha256` returns)
 * `slice` is a view that shares memory.
 */
function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

function packHashes(hashes: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(hashes.length * HASH_BYTES);
  for (let i = 0; i < hashes.length; i++) out.set(hashes[i]!, i * HASH_BYTES);
  return out;
}

function half(n: number): number {
  return Math.floor(n / 2);
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

function isSafeCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

function isHashList(list: unknown): list is readonly Uint8Array[] {
  if (!Array.isArray(list)) return false;
  for (const item of list) if (!isHash(item)) return false;
  return true;
}

function checkHash(value: unknown, what: string): void {
  if (!isHash(value)) throw new TypeError(`expected a 32-byte ${what}, got ${describe(value)}`);
}

function checkHashList(list: readonly Uint8Array[]): void {
  if (!Array.isArray(list)) throw new TypeError(`expected an array of leaf hashes, got ${describe(list)}`);
  for (let i = 0; i < list.length; i++) checkHash(list[i], `leaf hash at index ${i}`);
}

function checkIndex(index: number, size: number): void {
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
    throw new RangeError(`expected a leaf index in [0, ${size}), got ${String(index)}`);
  }
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
