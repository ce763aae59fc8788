/**
 * Authenticated state: a sparse Merkle tree over 256-bit key hashes, held in
 * memory as a persistent (immutable, structurally shared) path-compressed
 * binary trie, with inclusion and non-inclusion proofs.
 *
 * Why: every block header commits to the state root, so anyone holding a
 * header can check one state entry — or its absence — from a proof of at most
 * 256 sibling hashes (about log2(n) non-empty ones), without the rest of the
 * state. The trie is persistent because consensus executes a proposed block
 * speculatively and may discard it: the committed tree must stay valid and
 * provable while the proposal's tree is built beside it, sharing all
 * unchanged nodes.
 *
 * Definition (normative). Entries are (key, value) pairs of byte strings,
 * placed at keyHash = SHA-256(key), read as a path of 256 bits: bit 0 is the
 * most significant bit of byte 0, and bit i = 0 goes left at depth i. The
 * hash of the subtree at any position is:
 *
 *   - no entry:         32 zero bytes;
 *   - exactly one entry (keyHash, value), at whatever depth it sits:
 *                       SHA-256(0x00 || keyHash || SHA-256(value));
 *   - two or more:      SHA-256(0x01 || hash(left half) || hash(right half)),
 *                       the halves split on the next bit; a level where all
 *                       entries share that bit still costs one internal hash,
 *                       with an empty (zero) sibling.
 *
 * The root is the hash of the whole tree (depth 0), so it is a function of
 * the set of entries only, not of the order of insertion.
 *
 * Proofs (`StateProof`, JSON-friendly, hex): the siblings along the key's
 * path from the root down (null = empty subtree), ending at the first
 * subtree on the path that holds at most one entry: `terminal: empty`
 * (the key is absent), or `terminal: leaf` (that entry: the key itself for
 * inclusion, another key sharing the path prefix for non-inclusion).
 * `verifyStateProof` recomputes the root from the terminal upwards. The
 * three hash forms cannot be confused (0x00 and 0x01 prefixes, and no known
 * SHA-256 preimage of zero), so the terminal is the true content of that
 * subtree and a proof of a false statement needs a SHA-256 collision.
 *
 * In memory: a Patricia trie (single-child chains collapsed) whose nodes
 * cache their hashes. A branch stores the bit its children split on, its
 * hash at that depth and a one-entry cache of its hash as seen from its
 * parent's depth (the padding levels of the definition). Updates copy the
 * path from the root to each changed key (copy-on-write); a batch is applied
 * in one recursive pass over the sorted key hashes, so a node above several
 * changed keys is rebuilt and rehashed once.
 *
 * Cost: a batch of k changes in a tree of n random keys needs 3 hashes per
 * changed key (key, value, leaf) plus one per level of every changed path,
 * about k·log2(n) but shared near the root: ~120,000 SHA-256 calls for
 * 10,000 changes in 1M keys. That is the floor of this definition; the time
 * is mostly those calls (see bench/trees.ts).
 *
 * Memory layout: a trie of 1M entries has about 2M nodes, so the layout is
 * chosen for the garbage collector: hash bytes live in shared slabs and nodes
 * point at them by (slab, offset), with no typed-array object per hash. A
 * leaf holds keyHash | SHA-256(value) | leaf hash (96 bytes), a branch 32
 * bytes plus 32 for its cache. See `reserve` for the slab sizes.
 *
 * Pure: no I/O; hashing through crypto/sha256.js.
 */
import { equalBytes, fromHex, isHex, toHex } from '../crypto/bytes.js';
import { sha256, sha256Into } from '../crypto/sha256.js';
import { assert } from './errors.js';

const HASH_BYTES = 32;
const KEY_BITS = 256;

/** The root of the empty state (the hash of an empty subtree: 32 zero bytes). */
export const EMPTY_STATE_ROOT: Uint8Array = new Uint8Array(HASH_BYTES);

/** An immutable state tree. Opaque: use the functions of this module. */
export interface StateTree {
  readonly [ROOT]: TrieNode | null;
}

export interface StateChange {
  key: Uint8Array;
  /** The new value, or null to delete the key. */
  value: Uint8Array | null;
}

export interface StateEntry {
  key: Uint8Array;
  value: Uint8Array;
}

/** A proof that a key holds a value, or is absent, under a state root. Hex strings. */
export interface StateProof {
  /** Sibling subtree hashes from the root downwards; null for an empty subtree. */
  siblings: (string | null)[];
  terminal: { type: 'empty' } | { type: 'leaf'; keyHash: string; valueHash: string };
}

export function emptyStateTree(): StateTree {
  return handle(null);
}

/** The state root: 32 bytes (a fresh copy). */
export function stateRoot(tree: StateTree): Uint8Array {
  const node = rootOf(tree);
  return node === null ? new Uint8Array(EMPTY_STATE_ROOT) : hashAt(node, 0);
}

/** Number of entries. */
export function stateTreeSize(tree: StateTree): number {
  const node = rootOf(tree);
  return node === null ? 0 : sizeOf(node);
}

/**
 * A new tree with `changes` applied (null deletes; a later change to the same
 * key wins). `tree` is unchanged and stays valid. One recursive pass over the
 * sorted key hashes, so nodes shared by several changed keys are rehashed once.
 */
export function applyStateChanges(tree: StateTree, changes: ReadonlyArray<StateChange>): StateTree {
  const root = rootOf(tree);
  if (!Array.isArray(changes)) throw new TypeError(`expected an array of state changes, got ${describe(changes)}`);
  const sorted = prepareChanges(changes);
  if (sorted.length === 0) return tree;
  return handle(applyChanges(root, sorted, 0, sorted.length));
}

/**
 * Build a tree from entries in one pass (node start-up): leaves are hashed as
 * they stream in (the entries are not retained), bucket-sorted on their first
 * 16 bits (the key hashes are uniform), and joined bottom-up. A later entry
 * for the same key wins.
 */
export function buildStateTree(entries: Iterable<StateEntry>): StateTree {
  if (entries === null || typeof entries !== 'object' || !(Symbol.iterator in entries)) {
    throw new TypeError(`expected an iterable of state entries, got ${describe(entries)}`);
  }
  bulk = true;
  slabUsed = Infinity; // start a bulk slab
  try {
    const leaves: Leaf[] = [];
    let i = 0;
    for (const entry of entries) {
      checkChange(entry, i++, false);
      leaves.push(makeLeaf(sha256(entry.key), entry.value!));
    }
    const sorted = sortLeaves(leaves);
    leaves.length = 0;
    // Equal keys are adjacent in input order: keep the last.
    let kept = 0;
    for (let j = 0; j < sorted.length; j++) {
      const leaf = sorted[j]!;
      const previous = sorted[kept - 1];
      if (previous !== undefined && compareLeaves(previous, leaf) === 0) sorted[kept - 1] = leaf;
      else sorted[kept++] = leaf;
    }
    sorted.length = kept;
    return handle(buildFromLeaves(sorted, 0, sorted.length));
  } finally {
    bulk = false;
    slabUsed = Infinity; // updates never share a slab with the bulk build
  }
}

/** Prove the value of `key`, or its absence, under `stateRoot(tree)`. */
export function proveState(tree: StateTree, key: Uint8Array): StateProof {
  let node = rootOf(tree);
  if (!(key instanceof Uint8Array)) throw new TypeError(`expected the key as a Uint8Array, got ${describe(key)}`);
  const keyHash = sha256(key);
  const siblings: (string | null)[] = [];
  let depth = 0;
  while (node !== null) {
    if (node.kind === 'leaf') {
      const { bytes, at } = node;
      return {
        siblings,
        terminal: { type: 'leaf', keyHash: toHex(bytes.subarray(at, at + 32)), valueHash: toHex(bytes.subarray(at + 32, at + 64)) },
      };
    }
    // Levels above the branch's split: all its entries share these bits.
    for (let j = depth; j < node.bit; j++) {
      if (bitOf(keyHash, 0, j) !== bitOf(node.sampleBytes, node.sampleAt, j)) {
        // The key's path leaves the entries here: its side is empty.
        siblings.push(toHex(hashAt(node, j + 1, false)));
        return { siblings, terminal: { type: 'empty' } };
      }
      siblings.push(null);
    }
    const goRight = bitOf(keyHash, 0, node.bit) === 1;
    siblings.push(toHex(hashAt(goRight ? node.left : node.right, node.bit + 1)));
    depth = node.bit + 1;
    node = goRight ? node.right : node.left;
  }
  return { siblings, terminal: { type: 'empty' } };
}

/**
 * Check that under `root`, `key` holds `value` (or, with `value === null`, is
 * absent). Pure; never throws; false on any malformed input.
 */
export function verifyStateProof(root: Uint8Array, key: Uint8Array, value: Uint8Array | null, proof: StateProof): boolean {
  try {
    if (!(root instanceof Uint8Array) || root.length !== HASH_BYTES) return false;
    if (!(key instanceof Uint8Array) || !(value === null || value instanceof Uint8Array)) return false;
    const parsed = parseProof(proof);
    if (parsed === undefined) return false;
    const keyHash = sha256(key);
    const depth = parsed.siblings.length;
    let hash: Uint8Array;
    if (parsed.terminal === 'empty') {
      if (value !== null) return false;
      hash = EMPTY_STATE_ROOT;
    } else {
      const { keyHash: terminalKeyHash, valueHash } = parsed.terminal;
      // The lone entry must sit in the subtree on the key's path.
      if (commonPrefixBits(terminalKeyHash, 0, keyHash, 0) < depth) return false;
      const isKey = equalBytes(terminalKeyHash, keyHash);
      if (value === null ? isKey : !isKey || !equalBytes(valueHash, sha256(value))) return false;
      hash = hashTriple(0x00, terminalKeyHash, valueHash);
    }
    // An honest path stops at the first subtree with at most one entry, so
    // the last sibling is never empty.
    if (depth > 0 && parsed.siblings[depth - 1] === null) return false;
    for (let j = depth - 1; j >= 0; j--) {
      const sibling = parsed.siblings[j] ?? EMPTY_STATE_ROOT;
      hash = bitOf(keyHash, 0, j) === 0 ? hashTriple(0x01, hash, sibling) : hashTriple(0x01, sibling, hash);
    }
    return equalBytes(hash, root);
  } catch {
    // Only a hostile object (a throwing getter) gets here.
    return false;
  }
}

// ---------------------------------------------------------------------------
// Trie nodes. Hashes are 32 bytes at (bytes, at) in a slab.

const ROOT: unique symbol = Symbol('state tree root');

interface Leaf {
  readonly kind: 'leaf';
  /** keyHash at `at`, SHA-256(value) at `at + 32`, the leaf hash at `at + 64`. */
  readonly bytes: Uint8Array;
  readonly at: number;
}

interface Branch {
  readonly kind: 'branch';
  /** The children split on this bit; every entry below shares bits [0, bit). */
  readonly bit: number;
  readonly left: TrieNode;
  readonly right: TrieNode;
  /** Number of entries below. */
  readonly size: number;
  /** Hash of this subtree at depth `bit` (no padding levels). */
  readonly bytes: Uint8Array;
  readonly at: number;
  /** The key hash of one entry below: it carries the shared prefix. */
  readonly sampleBytes: Uint8Array;
  readonly sampleAt: number;
  /** Cache: the hash of this subtree seen from depth `upDepth` < bit, at (upBytes, upAt). */
  upDepth: number;
  upBytes: Uint8Array;
  upAt: number;
}

type TrieNode = Leaf | Branch;

function handle(root: TrieNode | null): StateTree {
  return Object.freeze({ [ROOT]: root });
}

function rootOf(tree: StateTree): TrieNode | null {
  if (typeof tree !== 'object' || tree === null || !(ROOT in tree)) {
    throw new TypeError(`expected a StateTree, got ${describe(tree)}`);
  }
  return tree[ROOT];
}

function sizeOf(node: TrieNode): number {
  return node.kind === 'leaf' ? 1 : node.size;
}

interface Change {
  /** SHA-256(key), at offset 0. */
  keyHash: Uint8Array;
  value: Uint8Array | null;
}

function checkChange(c: unknown, i: number, deletesAllowed: boolean): asserts c is StateChange {
  if (typeof c !== 'object' || c === null) throw new TypeError(`expected change ${i} as an object, got ${describe(c)}`);
  const { key, value } = c as Record<string, unknown>;
  if (!(key instanceof Uint8Array)) throw new TypeError(`expected change ${i} to have a Uint8Array key, got ${describe(key)}`);
  if (!(value instanceof Uint8Array) && !(deletesAllowed && value === null)) {
    throw new TypeError(`expected change ${i} to have a Uint8Array value${deletesAllowed ? ' or null' : ''}, got ${describe(value)}`);
  }
}

/** Hash keys, sort by key hash, keep the last change of each key. */
function prepareChanges(input: ReadonlyArray<StateChange>): Change[] {
  const changes: Change[] = [];
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    checkChange(c, i, true);
    changes.push({ keyHash: sha256(c.key), value: c.value });
  }
  // Array.prototype.sort is stable, so equal keys keep their input order.
  changes.sort((a, b) => compareKeyHashes(a.keyHash, 0, b.keyHash, 0));
  let kept = 0;
  for (let j = 0; j < changes.length; j++) {
    const c = changes[j]!;
    if (kept > 0 && equalBytes(changes[kept - 1]!.keyHash, c.keyHash)) changes[kept - 1] = c;
    else changes[kept++] = c;
  }
  changes.length = kept;
  return changes;
}

/**
 * Apply sorted, distinct changes [lo, hi) to `node`. Invariant: the node's
 * entries and the changes share all bits above the current depth.
 */
function applyChanges(node: TrieNode | null, changes: Change[], lo: number, hi: number): TrieNode | null {
  if (lo === hi) return node;
  if (node === null) return buildFromChanges(changes, lo, hi);
  if (node.kind === 'leaf') return mergeIntoLeaf(node, changes, lo, hi);
  // The changes are sorted, so the fewest bits any of them shares with the
  // node's prefix is found at one end of the range.
  const shared = Math.min(
    commonPrefixBits(changes[lo]!.keyHash, 0, node.sampleBytes, node.sampleAt),
    commonPrefixBits(changes[hi - 1]!.keyHash, 0, node.sampleBytes, node.sampleAt),
  );
  if (shared >= node.bit) {
    const mid = firstChangeWithBit(changes, lo, hi, node.bit);
    const left = applyChanges(node.left, changes, lo, mid);
    const right = applyChanges(node.right, changes, mid, hi);
    if (left === node.left && right === node.right) return node;
    return join(node.bit, left, right);
  }
  // Some changes leave the node's prefix at bit `shared`: a split above the node.
  const mid = firstChangeWithBit(changes, lo, hi, shared);
  if (bitOf(node.sampleBytes, node.sampleAt, shared) === 0) {
    return join(shared, applyChanges(node, changes, lo, mid), buildFromChanges(changes, mid, hi));
  }
  return join(shared, buildFromChanges(changes, lo, mid), applyChanges(node, changes, mid, hi));
}

function mergeIntoLeaf(leaf: Leaf, changes: Change[], lo: number, hi: number): TrieNode | null {
  const leaves: Leaf[] = [];
  let placed = false;
  for (let i = lo; i < hi; i++) {
    const c = changes[i]!;
    const order = compareKeyHashes(c.keyHash, 0, leaf.bytes, leaf.at);
    if (order > 0 && !placed) {
      leaves.push(leaf);
      placed = true;
    }
    if (order === 0) {
      placed = true; // replaced or deleted
      // Rewriting the same value keeps the node, so no ancestor is rehashed.
      if (c.value !== null && hi - lo === 1 && sameValueHash(leaf, sha256(c.value))) return leaf;
    }
    if (c.value !== null) leaves.push(makeLeaf(c.keyHash, c.value));
  }
  if (!placed) leaves.push(leaf);
  return buildFromLeaves(leaves, 0, leaves.length);
}

function sameValueHash(leaf: Leaf, valueHash: Uint8Array): boolean {
  for (let i = 0; i < HASH_BYTES; i++) if (leaf.bytes[leaf.at + 32 + i] !== valueHash[i]) return false;
  return true;
}

function buildFromChanges(changes: Change[], lo: number, hi: number): TrieNode | null {
  const leaves: Leaf[] = [];
  for (let i = lo; i < hi; i++) {
    const c = changes[i]!;
    if (c.value !== null) leaves.push(makeLeaf(c.keyHash, c.value));
  }
  return buildFromLeaves(leaves, 0, leaves.length);
}

/** Trie over sorted leaves with distinct key hashes. */
function buildFromLeaves(leaves: Leaf[], lo: number, hi: number): TrieNode | null {
  if (hi - lo === 0) return null;
  if (hi - lo === 1) return leaves[lo]!;
  const first = leaves[lo]!;
  const last = leaves[hi - 1]!;
  const bit = commonPrefixBits(first.bytes, first.at, last.bytes, last.at);
  assert(bit < KEY_BITS, 'two state leaves with the same key hash');
  // leaves[a] has the bit clear and leaves[b] has it set; narrow to neighbours.
  let a = lo;
  let b = hi - 1;
  while (a + 1 < b) {
    const m = (a + b) >>> 1;
    const leaf = leaves[m]!;
    if (bitOf(leaf.bytes, leaf.at, bit) === 1) b = m;
    else a = m;
  }
  return makeBranch(bit, buildFromLeaves(leaves, lo, b)!, buildFromLeaves(leaves, b, hi)!);
}

/** First index in [lo, hi) whose key hash has `bit` set (the range shares all bits above it). */
function firstChangeWithBit(changes: Change[], lo: number, hi: number, bit: number): number {
  let a = lo;
  let b = hi;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (bitOf(changes[m]!.keyHash, 0, bit) === 1) b = m;
    else a = m + 1;
  }
  return a;
}

/** The subtree holding `left` and `right`, split on `bit`; an empty side collapses the branch. */
function join(bit: number, left: TrieNode | null, right: TrieNode | null): TrieNode | null {
  if (left === null) return right;
  if (right === null) return left;
  return makeBranch(bit, left, right);
}

function makeLeaf(keyHash: Uint8Array, value: Uint8Array): Leaf {
  const at = reserve(96);
  const bytes = slab;
  copyHash(bytes, at, keyHash, 0);
  sha256Into(value, bytes, at + 32);
  nodeInput[0] = 0x00;
  copyHash(nodeInput, 1, bytes, at);
  copyHash(nodeInput, 33, bytes, at + 32);
  sha256Into(nodeInput, bytes, at + 64);
  return { kind: 'leaf', bytes, at };
}

function makeBranch(bit: number, left: TrieNode, right: TrieNode): Branch {
  // Padding a child hashes through its own input buffer, so nodeInput keeps
  // the left hash while the right one is computed.
  nodeInput[0] = 0x01;
  writeHashAt(left, bit + 1, nodeInput, 1);
  writeHashAt(right, bit + 1, nodeInput, 33);
  const at = reserve(HASH_BYTES);
  const bytes = slab;
  sha256Into(nodeInput, bytes, at);
  return {
    kind: 'branch',
    bit,
    left,
    right,
    size: sizeOf(left) + sizeOf(right),
    bytes,
    at,
    sampleBytes: left.kind === 'leaf' ? left.bytes : left.sampleBytes,
    sampleAt: left.kind === 'leaf' ? left.at : left.sampleAt,
    upDepth: -1,
    upBytes: bytes,
    upAt: at,
  };
}

/** Copy the hash of `node`, as the subtree at `depth`, into `target` at `to`. */
function writeHashAt(node: TrieNode, depth: number, target: Uint8Array, to: number): void {
  if (node.kind === 'leaf') {
    copyHash(target, to, node.bytes, node.at + 64);
  } else if (node.bit === depth) {
    copyHash(target, to, node.bytes, node.at);
  } else {
    if (node.upDepth !== depth) remember(node, depth);
    copyHash(target, to, node.upBytes, node.upAt);
  }
}

/** The hash of `node` as the subtree at `depth` (at most its split bit): a fresh 32-byte array. */
function hashAt(node: TrieNode, depth: number, cache = true): Uint8Array {
  const out = new Uint8Array(HASH_BYTES);
  if (node.kind === 'branch' && node.bit !== depth && node.upDepth !== depth && !cache) {
    // A proof looking from an unusual depth does not evict the parent's entry.
    out.set(paddedHash(node, depth));
  } else {
    writeHashAt(node, depth, out, 0);
  }
  return out;
}

function remember(node: Branch, depth: number): void {
  const at = reserve(HASH_BYTES);
  copyHash(slab, at, paddedHash(node, depth), 0);
  node.upBytes = slab;
  node.upAt = at;
  node.upDepth = depth;
}

/**
 * One internal hash per level from the branch's own depth up to `depth`, each
 * with an empty sibling. The result may be `padOutput`, overwritten by the
 * next call: callers copy it at once.
 */
function paddedHash(node: Branch, depth: number): Uint8Array {
  let hash: Uint8Array = node.bytes;
  let at = node.at;
  padInput[0] = 0x01;
  for (let j = node.bit - 1; j >= depth; j--) {
    if (bitOf(node.sampleBytes, node.sampleAt, j) === 0) {
      copyHash(padInput, 1, hash, at);
      padInput.fill(0, 33, 65);
    } else {
      padInput.fill(0, 1, 33);
      copyHash(padInput, 33, hash, at);
    }
    sha256Into(padInput, padOutput, 0);
    hash = padOutput;
    at = 0;
  }
  return at === 0 ? hash : hash.subarray(at, at + HASH_BYTES);
}

/** SHA-256(prefix || a || b) over two 32-byte arrays (the verifier's path). */
function hashTriple(prefix: number, a: Uint8Array, b: Uint8Array): Uint8Array {
  const input = new Uint8Array(1 + 2 * HASH_BYTES);
  input[0] = prefix;
  input.set(a, 1);
  input.set(b, 33);
  return sha256(input);
}

/** Reused hash inputs (65 bytes: a prefix byte and two hashes). */
const nodeInput = new Uint8Array(1 + 2 * HASH_BYTES);
const padInput = new Uint8Array(1 + 2 * HASH_BYTES);
/** paddedHash's result when it hashed at least one level. */
const padOutput = new Uint8Array(HASH_BYTES);

function copyHash(target: Uint8Array, to: number, source: Uint8Array, from: number): void {
  for (let i = 0; i < HASH_BYTES; i++) target[to + i] = source[from + i]!;
}

/**
 * Where hash bytes go: into shared slabs, one ArrayBuffer per many nodes
 * (one per node makes updates ~40% slower and gives the GC twice the
 * objects). A slab lives while any node in it does, so its size bounds the
 * waste: a bulk build fills 64 KiB slabs (they can only ever pin the
 * start-up state's own size), updates fill 1 KiB slabs (at most ~1 KiB kept
 * per surviving node; under uniform random updates about 3-4x the live hash
 * bytes, which is what a separate typed array per node costs anyway).
 */
const BULK_SLAB_BYTES = 64 * 1024;
const UPDATE_SLAB_BYTES = 1024;
let bulk = false;
let slab = new Uint8Array(0);
let slabUsed = 0;

/** Reserve `bytes` (in `slab` after the call) and return their offset. */
function reserve(bytes: number): number {
  if (slabUsed + bytes > slab.length) {
    slab = new Uint8Array(bulk ? BULK_SLAB_BYTES : UPDATE_SLAB_BYTES);
    slabUsed = 0;
  }
  const at = slabUsed;
  slabUsed += bytes;
  return at;
}

// ---------------------------------------------------------------------------
// Bits, ordering and proof parsing.

/** Bit i of the key hash at (bytes, at): bit 0 is the most significant bit of byte 0. */
function bitOf(bytes: Uint8Array, at: number, i: number): number {
  return (bytes[at + (i >> 3)]! >> (7 - (i & 7))) & 1;
}

/** Number of leading bits two key hashes share (256 when equal). */
function commonPrefixBits(a: Uint8Array, aAt: number, b: Uint8Array, bAt: number): number {
  for (let i = 0; i < HASH_BYTES; i++) {
    const x = a[aAt + i]! ^ b[bAt + i]!;
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return KEY_BITS;
}

function compareKeyHashes(a: Uint8Array, aAt: number, b: Uint8Array, bAt: number): number {
  for (let i = 0; i < HASH_BYTES; i++) {
    const x = a[aAt + i]!;
    const y = b[bAt + i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function compareLeaves(a: Leaf, b: Leaf): number {
  return compareKeyHashes(a.bytes, a.at, b.bytes, b.at);
}

/** Stable sort by key hash: counting sort on the first 16 bits, then each (small) bucket. */
function sortLeaves(leaves: Leaf[]): Leaf[] {
  if (leaves.length < 1 << 12) return leaves.slice().sort(compareLeaves);
  const bucketOf = (leaf: Leaf): number => (leaf.bytes[leaf.at]! << 8) | leaf.bytes[leaf.at + 1]!;
  const ends = new Uint32Array(1 << 16);
  for (const leaf of leaves) ends[bucketOf(leaf)]!++;
  for (let b = 1; b < ends.length; b++) ends[b]! += ends[b - 1]!;
  const out = new Array<Leaf>(leaves.length);
  const next = new Uint32Array(ends.length);
  for (let b = 1; b < ends.length; b++) next[b] = ends[b - 1]!;
  for (const leaf of leaves) out[next[bucketOf(leaf)]!++] = leaf;
  let start = 0;
  for (let b = 0; b < ends.length; b++) {
    const end = ends[b]!;
    // Insertion sort: stable, and fast on the ~n/65536 leaves of a bucket.
    for (let i = start + 1; i < end; i++) {
      const leaf = out[i]!;
      let j = i - 1;
      while (j >= start && compareLeaves(out[j]!, leaf) > 0) {
        out[j + 1] = out[j]!;
        j--;
      }
      out[j + 1] = leaf;
    }
    start = end;
  }
  return out;
}

interface ParsedProof {
  siblings: (Uint8Array | null)[];
  terminal: 'empty' | { keyHash: Uint8Array; valueHash: Uint8Array };
}

function parseProof(proof: unknown): ParsedProof | undefined {
  if (typeof proof !== 'object' || proof === null) return undefined;
  const { siblings, terminal } = proof as Record<string, unknown>;
  if (!Array.isArray(siblings) || siblings.length > KEY_BITS) return undefined;
  const parsedSiblings: (Uint8Array | null)[] = [];
  for (let i = 0; i < siblings.length; i++) {
    const s: unknown = siblings[i];
    if (s === null) parsedSiblings.push(null);
    else if (isHex(s, HASH_BYTES)) parsedSiblings.push(fromHex(s));
    else return undefined;
  }
  if (typeof terminal !== 'object' || terminal === null) return undefined;
  const t = terminal as Record<string, unknown>;
  if (t.type === 'empty') return { siblings: parsedSiblings, terminal: 'empty' };
  if (t.type === 'leaf' && isHex(t.keyHash, HASH_BYTES) && isHex(t.valueHash, HASH_BYTES)) {
    return { siblings: parsedSiblings, terminal: { keyHash: fromHex(t.keyHash), valueHash: fromHex(t.valueHash) } };
  }
  return undefined;
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
