/**
 * Tests for history-log.ts: the log, its persisted nodes and its O(log n)
 * proofs must agree with crypto/merkle.ts over the full leaf list.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toHex } from '../crypto/bytes.js';
import {
  EMPTY_ROOT,
  consistencyProof,
  inclusionProof,
  leafHash,
  merkleRoot,
  verifyConsistency,
  verifyInclusion,
} from '../crypto/merkle.js';
import {
  createHistoryLog,
  historyConsistencyProof,
  historyInclusionProof,
  historyRoot,
  type HistoryLog,
  type HistoryNodeStore,
} from './history-log.js';

/** An in-memory node store that counts reads. */
function memoryStore(): HistoryNodeStore & { nodes: Map<string, Uint8Array>; reads: number } {
  const nodes = new Map<string, Uint8Array>();
  const store = {
    nodes,
    reads: 0,
    async getNode(level: number, index: number) {
      store.reads++;
      return nodes.get(`${level}/${index}`);
    },
  };
  return store;
}

function appendAll(log: HistoryLog, store: ReturnType<typeof memoryStore>, leaves: Uint8Array[]): void {
  for (const leaf of leaves) {
    for (const node of log.append(leaf)) {
      const key = `${node.level}/${node.index}`;
      assert.equal(store.nodes.has(key), false, `node ${key} completed twice`);
      store.nodes.set(key, node.hash);
    }
  }
}

function makeLeaves(n: number, seed: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => leafHash(Uint8Array.of(seed & 0xff, seed >> 8, i & 0xff, (i >> 8) & 0xff, i >> 16)));
}

const hexList = (list: Uint8Array[]): string[] => list.map(toHex);

/** Indices or sizes to check: all of them when few, else the edges plus a seeded sample. */
function sample(from: number, to: number, seed: number, count = 40): number[] {
  if (to - from <= count) return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  const out = new Set([from, from + 1, to - 1, to]);
  let x = seed >>> 0 || 1;
  while (out.size < count) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out.add(from + (x % (to - from + 1)));
  }
  return [...out];
}

describe('history log: agrees with merkle.ts', () => {
  it('roots after every append, persisted nodes, proofs for random sizes up to 300', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 0xffff }), async (n, seed) => {
        const leaves = makeLeaves(n, seed);
        const store = memoryStore();
        const log = createHistoryLog();
        assert.equal(toHex(log.root()), toHex(EMPTY_ROOT));
        const checked = new Set(sample(1, n, seed, 30));
        for (let i = 0; i < n; i++) {
          appendAll(log, store, [leaves[i]!]);
          assert.equal(log.size, i + 1);
          if (checked.has(i + 1)) assert.equal(toHex(log.root()), toHex(merkleRoot(leaves.slice(0, i + 1))), `root at size ${i + 1}`);
        }
        // Every perfect subtree is stored, with its MTH, and nothing else.
        let expectedNodes = 0;
        for (let level = 0; 2 ** level <= n; level++) {
          const width = 2 ** level;
          for (let index = 0; (index + 1) * width <= n; index++) {
            expectedNodes++;
            const stored = store.nodes.get(`${level}/${index}`);
            assert.ok(stored, `node ${level}/${index}`);
            assert.equal(toHex(stored), toHex(merkleRoot(leaves.slice(index * width, (index + 1) * width))));
          }
        }
        assert.equal(store.nodes.size, expectedNodes);

        for (const size of sample(0, n, seed, 12)) {
          const prefix = leaves.slice(0, size);
          const root = merkleRoot(prefix);
          assert.equal(toHex(await historyRoot(store, size)), toHex(root), `historyRoot(${size})`);
          for (const index of size === 0 ? [] : sample(0, size - 1, seed + size, 12)) {
            const proof = await historyInclusionProof(store, index, size);
            assert.deepEqual(hexList(proof), hexList(inclusionProof(prefix, index)), `inclusion ${index}/${size}`);
            assert.equal(verifyInclusion(leaves[index]!, index, size, proof, root), true);
          }
          for (const oldSize of sample(0, size, seed + 2 * size, 12)) {
            const proof = await historyConsistencyProof(store, oldSize, size);
            assert.deepEqual(hexList(proof), hexList(consistencyProof(prefix, oldSize)), `consistency ${oldSize}/${size}`);
            assert.equal(verifyConsistency(oldSize, size, merkleRoot(leaves.slice(0, oldSize)), root, proof), true);
          }
        }
      }),
      { numRuns: 25 },
    );
  });

  it('every index and every old size, for every size up to 40', async () => {
    const leaves = makeLeaves(40, 9);
    const store = memoryStore();
    appendAll(createHistoryLog(), store, leaves);
    for (let size = 0; size <= 40; size++) {
      const prefix = leaves.slice(0, size);
      for (let index = 0; index < size; index++) {
        assert.deepEqual(hexList(await historyInclusionProof(store, index, size)), hexList(inclusionProof(prefix, index)));
      }
      for (let oldSize = 0; oldSize <= size; oldSize++) {
        assert.deepEqual(hexList(await historyConsistencyProof(store, oldSize, size)), hexList(consistencyProof(prefix, oldSize)));
      }
    }
  });

  it('snapshot / restore continues identically', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 200 }), fc.nat(), (before, after, seed) => {
        const leaves = makeLeaves(before + after, seed);
        const straight = createHistoryLog();
        const straightStore = memoryStore();
        appendAll(straight, straightStore, leaves);

        const first = createHistoryLog();
        const store = memoryStore();
        appendAll(first, store, leaves.slice(0, before));
        // Persist as the node does (hex), restore, continue.
        const saved = JSON.parse(JSON.stringify({ size: first.snapshot().size, frontier: first.snapshot().frontier.map(toHex) }));
        const restored = createHistoryLog({ size: saved.size, frontier: saved.frontier.map((h: string) => Buffer.from(h, 'hex')) });
        assert.equal(restored.size, before);
        assert.equal(toHex(restored.root()), toHex(first.root()));
        appendAll(restored, store, leaves.slice(before));

        assert.equal(restored.size, straight.size);
        assert.equal(toHex(restored.root()), toHex(straight.root()));
        assert.deepEqual(hexList(restored.snapshot().frontier), hexList(straight.snapshot().frontier));
        assert.deepEqual(
          [...store.nodes].map(([k, v]) => [k, toHex(v)]).sort(),
          [...straightStore.nodes].map(([k, v]) => [k, toHex(v)]).sort(),
        );
      }),
      { numRuns: 60 },
    );
  });

  it('the snapshot and the returned nodes are copies', () => {
    const log = createHistoryLog();
    const leaves = makeLeaves(3, 1);
    log.append(leaves[0]!);
    const nodes = log.append(leaves[1]!);
    const root = toHex(log.root());
    nodes.forEach((n) => n.hash.fill(0));
    log.snapshot().frontier.forEach((h) => h.fill(0));
    log.root().fill(0);
    leaves[1]!.fill(0);
    assert.equal(toHex(log.root()), root);
  });
});

describe('history log: O(log n) reads', () => {
  it('root, inclusion and consistency read at most 4·log2(n)+4 nodes for n = 100,000', async (t) => {
    const n = 100_000;
    const leaves = makeLeaves(n, 77);
    const store = memoryStore();
    const log = createHistoryLog();
    appendAll(log, store, leaves);
    const bound = 4 * Math.log2(n) + 4;
    let maxReads = 0;
    const counted = async <T>(f: () => Promise<T>): Promise<T> => {
      store.reads = 0;
      const out = await f();
      maxReads = Math.max(maxReads, store.reads);
      assert.ok(store.reads <= bound, `${store.reads} reads > ${bound}`);
      return out;
    };
    const headRoot = await counted(() => historyRoot(store, n));
    assert.equal(toHex(headRoot), toHex(log.root()));
    for (const size of [...sample(1, n, 5, 12), 2 ** 16, 2 ** 16 + 1, 2 ** 16 - 1, n - 1]) {
      const root = await counted(() => historyRoot(store, size));
      for (const index of [...sample(0, size - 1, size, 8), size - 1]) {
        const proof = await counted(() => historyInclusionProof(store, index, size));
        assert.equal(verifyInclusion(leaves[index]!, index, size, proof, root), true);
      }
      for (const oldSize of [...sample(1, size, size + 1, 8), size - 1]) {
        const oldRoot = await historyRoot(store, oldSize);
        const proof = await counted(() => historyConsistencyProof(store, oldSize, size));
        assert.equal(verifyConsistency(oldSize, size, oldRoot, root, proof), true);
      }
    }
    // Negative control for the counter itself: the reads were really counted.
    assert.ok(maxReads > Math.log2(n), `max ${maxReads} reads`);
    t.diagnostic(`most reads for one call: ${maxReads} (bound ${bound.toFixed(1)})`);
  });
});

describe('history log: bad input and missing data', () => {
  it('rejects inconsistent snapshots precisely', () => {
    const h = new Uint8Array(32);
    assert.throws(() => createHistoryLog({ size: 3, frontier: [h] }), /expected a frontier of 2 hashes for size 3, got 1/);
    assert.throws(() => createHistoryLog({ size: 1, frontier: [new Uint8Array(31)] }), /expected a 32-byte frontier hash at index 0, got 31 bytes/);
    assert.throws(() => createHistoryLog({ size: -1, frontier: [] }), TypeError);
    assert.throws(() => createHistoryLog({ size: 1.5, frontier: [h] }), TypeError);
    assert.throws(() => createHistoryLog().append(new Uint8Array(31)), /expected a 32-byte leaf hash, got 31 bytes/);
  });

  it('rejects out-of-range proof requests', async () => {
    const store = memoryStore();
    appendAll(createHistoryLog(), store, makeLeaves(10, 1));
    await assert.rejects(historyInclusionProof(store, 10, 10), /expected a leaf index in \[0, 10\), got 10/);
    await assert.rejects(historyInclusionProof(store, 0, 0), RangeError);
    await assert.rejects(historyConsistencyProof(store, 11, 10), /expected an old size in \[0, 10\], got 11/);
    await assert.rejects(historyRoot(store, -1), RangeError);
    assert.deepEqual(await historyConsistencyProof(store, 10, 10), []);
    assert.deepEqual(await historyConsistencyProof(store, 0, 10), []);
  });

  it('a missing or malformed node is a broken invariant, reported with its position', async () => {
    const store = memoryStore();
    appendAll(createHistoryLog(), store, makeLeaves(10, 1));
    await assert.rejects(historyRoot(store, 11), /history node \(level 0, index 10\) is missing from the store/);
    store.nodes.set('3/0', new Uint8Array(5));
    await assert.rejects(historyRoot(store, 10), /history node \(level 3, index 0\) is malformed \(5 bytes\)/);
  });
});
