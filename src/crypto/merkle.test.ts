/**
 * Tests for merkle.ts: known-answer vectors published with the reference Go
 * implementation, properties against a naive model written from the text of
 * RFC 9162 section 2.1, and negative controls for the verifiers.
 */
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fromHex, toHex, utf8Encode } from './bytes.js';
import {
  leafHashUtf8,
  EMPTY_ROOT,
  buildMerkleTree,
  consistencyProof,
  inclusionProof,
  leafHash,
  merkleRoot,
  nodeHash,
  rootFromInclusion,
  verifyConsistency,
  verifyInclusion,
} from './merkle.js';

// ---------------------------------------------------------------------------
// Known-answer vectors.
//
// Source: github.com/transparency-dev/merkle (successor of the Merkle code in
// google/certificate-transparency-go), Apache-2.0:
//   - testonly/constants.go @ 582a6ad190b6848f1d26f8bf08ddef29955d9db1:
//     LeafInputs(), NodeHashes(), RootHashes(), EmptyRootHash()
//   - proof/verify_test.go @ 02194e9afb6c1d95b5381350007963aa70fff472:
//     inclusionProofs (leaf numbers there are 1-based: `p.leaf-1` is the
//     index), consistencyProofs, roots
// RFC 6962 and RFC 9162 hash trees identically, so these apply unchanged.

const LEAF_INPUTS = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];

/** NodeHashes(): [level][index] hashes of the perfect subtrees of the 8-leaf tree. */
const NODE_HASHES = [
  [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
    '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
    'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
    '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
  ],
  [
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  ],
  [
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
  ],
  ['5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'],
];

/** RootHashes(): the root for tree sizes 0..8. */
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

/** verify_test.go inclusionProofs, with the 1-based leaf turned into a 0-based index. */
const INCLUSION_VECTORS: { index: number; size: number; proof: string[] }[] = [
  {
    index: 0,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { index: 2, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    index: 1,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];

/** verify_test.go consistencyProofs. */
const CONSISTENCY_VECTORS: { oldSize: number; newSize: number; proof: string[] }[] = [
  { oldSize: 1, newSize: 1, proof: [] },
  {
    oldSize: 1,
    newSize: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    oldSize: 6,
    newSize: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    oldSize: 2,
    newSize: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    oldSize: 6,
    newSize: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

const vectorLeaves = LEAF_INPUTS.map((hex) => leafHash(fromHex(hex)));
const hexList = (list: Uint8Array[]): string[] => list.map(toHex);

describe('merkle: RFC 9162 known answers (transparency-dev/merkle vectors)', () => {
  it('EMPTY_ROOT is SHA-256 of the empty string', () => {
    assert.equal(toHex(EMPTY_ROOT), ROOTS[0]);
    assert.equal(toHex(merkleRoot([])), ROOTS[0]);
    assert.equal(toHex(buildMerkleTree([]).root), ROOTS[0]);
  });

  it('leaf hashes and perfect-subtree node hashes', () => {
    assert.deepEqual(hexList(vectorLeaves), NODE_HASHES[0]);
    for (let level = 1; level < NODE_HASHES.length; level++) {
      const below = NODE_HASHES[level - 1]!.map((h) => fromHex(h));
      const computed = NODE_HASHES[level]!.map((_, i) => toHex(nodeHash(below[2 * i]!, below[2 * i + 1]!)));
      assert.deepEqual(computed, NODE_HASHES[level]);
    }
  });

  it('roots for tree sizes 0..8', () => {
    for (let size = 0; size <= 8; size++) {
      const leaves = vectorLeaves.slice(0, size);
      assert.equal(toHex(merkleRoot(leaves)), ROOTS[size], `merkleRoot, size ${size}`);
      assert.equal(toHex(buildMerkleTree(leaves).root), ROOTS[size], `buildMerkleTree, size ${size}`);
    }
  });

  it('inclusion proofs', () => {
    for (const v of INCLUSION_VECTORS) {
      const leaves = vectorLeaves.slice(0, v.size);
      assert.deepEqual(hexList(inclusionProof(leaves, v.index)), v.proof, `index ${v.index} of ${v.size}`);
      assert.deepEqual(hexList(buildMerkleTree(leaves).proof(v.index)), v.proof);
      const proof = v.proof.map((h) => fromHex(h));
      assert.equal(verifyInclusion(vectorLeaves[v.index]!, v.index, v.size, proof, fromHex(ROOTS[v.size]!)), true);
      assert.equal(toHex(rootFromInclusion(vectorLeaves[v.index]!, v.index, v.size, proof)!), ROOTS[v.size]);
    }
    // A single-leaf tree: the root is the leaf hash and the proof is empty.
    assert.deepEqual(inclusionProof(vectorLeaves.slice(0, 1), 0), []);
    assert.equal(verifyInclusion(vectorLeaves[0]!, 0, 1, [], fromHex(ROOTS[1]!)), true);
  });

  it('consistency proofs', () => {
    for (const v of CONSISTENCY_VECTORS) {
      const leaves = vectorLeaves.slice(0, v.newSize);
      assert.deepEqual(hexList(consistencyProof(leaves, v.oldSize)), v.proof, `${v.oldSize} -> ${v.newSize}`);
      const proof = v.proof.map((h) => fromHex(h));
      const oldRoot = fromHex(ROOTS[v.oldSize]!);
      const newRoot = fromHex(ROOTS[v.newSize]!);
      assert.equal(verifyConsistency(v.oldSize, v.newSize, oldRoot, newRoot, proof), true);
    }
  });

  it('the probes of transparency-dev corruptInclusionProof / corruptConsistencyProof fail', () => {
    const someHash = fromHex('abacaba000000000000000000000000000000000000000000060061e00123456');
    for (const v of INCLUSION_VECTORS) {
      const proof = v.proof.map((h) => fromHex(h));
      const root = fromHex(ROOTS[v.size]!);
      const leaf = vectorLeaves[v.index]!;
      const probes: [number, number, Uint8Array, Uint8Array, Uint8Array[]][] = [
        [v.index - 1, v.size, root, leaf, proof],
        [v.index + 1, v.size, root, leaf, proof],
        [v.index ^ 2, v.size, root, leaf, proof],
        [v.index, v.size * 2, root, leaf, proof],
        [v.index, Math.floor(v.size / 2), root, leaf, proof],
        [v.index, v.size, root, new TextEncoder().encode('WrongLeaf'), proof],
        [v.index, v.size, EMPTY_ROOT, leaf, proof],
        [v.index, v.size, someHash, leaf, proof],
        [v.index, v.size, root, leaf, [...proof, new Uint8Array(0)]],
        [v.index, v.size, root, leaf, [...proof, root]],
        [v.index, v.size, root, leaf, [new Uint8Array(0), ...proof]],
        [v.index, v.size, root, leaf, [root, ...proof]],
        [v.index, v.size, root, leaf, proof.slice(0, -1)],
        [v.index, v.size, root, leaf, [proof[0]!, someHash, ...proof.slice(1)]],
      ];
      for (const [index, size, r, l, p] of probes) {
        assert.equal(verifyInclusion(l, index, size, p, r), false, `inclusion probe ${index}/${size}`);
      }
    }
    for (const v of CONSISTENCY_VECTORS.filter((c) => c.proof.length > 0)) {
      const proof = v.proof.map((h) => fromHex(h));
      const r1 = fromHex(ROOTS[v.oldSize]!);
      const r2 = fromHex(ROOTS[v.newSize]!);
      const wrong = new TextEncoder().encode('WrongRoot');
      const probes: [number, number, Uint8Array, Uint8Array, Uint8Array[]][] = [
        [v.oldSize - 1, v.newSize, r1, r2, proof],
        [v.oldSize + 1, v.newSize, r1, r2, proof],
        [v.oldSize ^ 2, v.newSize, r1, r2, proof],
        [v.oldSize, v.newSize * 2, r1, r2, proof],
        [v.oldSize, Math.floor(v.newSize / 2), r1, r2, proof],
        [v.oldSize, v.newSize, wrong, r2, proof],
        [v.oldSize, v.newSize, r1, wrong, proof],
        [v.oldSize, v.newSize, r2, r1, proof],
        [v.oldSize, v.newSize, r1, r2, []],
        [v.oldSize, v.newSize, r1, r2, [...proof, new Uint8Array(0)]],
        [v.oldSize, v.newSize, r1, r2, [...proof, r1]],
        [v.oldSize, v.newSize, r1, r2, [...proof, r2]],
        [v.oldSize, v.newSize, r1, r2, [new Uint8Array(0), ...proof]],
        [v.oldSize, v.newSize, r1, r2, [r1, ...proof]],
        [v.oldSize, v.newSize, r1, r2, [r2, ...proof]],
        [v.oldSize, v.newSize, r1, r2, [proof[0]!, ...proof]],
        [v.oldSize, v.newSize, r1, r2, proof.slice(0, -1)],
      ];
      for (const [m, n, a, b, p] of probes) {
        assert.equal(verifyConsistency(m, n, a, b, p), false, `consistency probe ${m}/${n}`);
      }
    }
  });
});

// ---------------------------------------------------------------------------
// A deliberately naive model, written from RFC 9162 section 2.1 and nothing
// else: recursive, allocating, with its own SHA-256 calls (node:crypto
// createHash, not ./sha256.js).

const H = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

/** The largest power of two smaller than n, found by counting up. */
function naiveK(n: number): number {
  let k = 1;
  while (k * 2 < n) k = k * 2;
  return k;
}

/** MTH(D[n]) where D holds leaf hashes (the leaf level is already hashed). */
function naiveMth(d: Uint8Array[]): Uint8Array {
  if (d.length === 0) return H();
  if (d.length === 1) return d[0]!;
  const k = naiveK(d.length);
  return H(Uint8Array.of(1), naiveMth(d.slice(0, k)), naiveMth(d.slice(k)));
}

type Side = 'left' | 'right';
interface Step {
  hash: Uint8Array;
  /** Which side of the path the sibling sits on; the verifier sees only this. */
  side: Side;
}

/** PATH(m, D[n]) with each sibling's side. */
function naivePath(m: number, d: Uint8Array[]): Step[] {
  if (d.length <= 1) return [];
  const k = naiveK(d.length);
  if (m < k) return [...naivePath(m, d.slice(0, k)), { hash: naiveMth(d.slice(k)), side: 'right' }];
  return [...naivePath(m - k, d.slice(k)), { hash: naiveMth(d.slice(0, k)), side: 'left' }];
}

type ConsistencyStep = { hash: Uint8Array; role: 'seed' | Side };

function naiveSubproof(m: number, d: Uint8Array[], b: boolean): ConsistencyStep[] {
  const n = d.length;
  if (m === n) return b ? [] : [{ hash: naiveMth(d), role: 'seed' }];
  const k = naiveK(n);
  if (m <= k) return [...naiveSubproof(m, d.slice(0, k), b), { hash: naiveMth(d.slice(k)), role: 'right' }];
  return [...naiveSubproof(m - k, d.slice(k), false), { hash: naiveMth(d.slice(0, k)), role: 'left' }];
}

function naiveProof(m: number, d: Uint8Array[]): ConsistencyStep[] {
  return m === 0 || m === d.length ? [] : naiveSubproof(m, d, true);
}

/**
 * What the verifier of a size pair sees: the side of each sibling, and for
 * consistency whether the old root is the seed (old size a power of two).
 * Two size pairs with the same shape run the verifier through the same
 * hashing, so a proof for one verifies for the other; any other change must
 * make verification fail. Computed from the sizes alone, mirroring the
 * recursions above.
 */
function inclusionShape(m: number, n: number): string {
  const sides = (m: number, n: number): Side[] => {
    if (n <= 1) return [];
    const k = naiveK(n);
    return m < k ? [...sides(m, k), 'right'] : [...sides(m - k, n - k), 'left'];
  };
  return sides(m, n).join(',');
}
function consistencyShape(m: number, n: number): string {
  if (m <= 0 || m >= n) return `trivial:${m}:${n}`;
  const roles = (m: number, n: number, b: boolean): ConsistencyStep['role'][] => {
    if (m === n) return b ? [] : ['seed'];
    const k = naiveK(n);
    return m <= k ? [...roles(m, k, b), 'right'] : [...roles(m - k, n - k, false), 'left'];
  };
  return roles(m, n, true).join(',');
}

/** Deterministic distinct leaf hashes from a seed. */
function makeLeaves(n: number, seed: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => leafHash(Uint8Array.of(seed & 0xff, (seed >> 8) & 0xff, i & 0xff, i >> 8)));
}

const flip = (bytes: Uint8Array, bit: number): Uint8Array => {
  const out = new Uint8Array(bytes); // a copy (Buffer#slice would be a view)
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
};

describe('merkle: properties against the naive RFC 9162 model', () => {
  it('roots, every inclusion proof and every consistency proof, sizes 0..70', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 70 }), fc.integer({ min: 0, max: 0xffff }), (n, seed) => {
        const leaves = makeLeaves(n, seed);
        const root = naiveMth(leaves);
        assert.equal(toHex(merkleRoot(leaves)), toHex(root));
        const tree = buildMerkleTree(leaves);
        assert.equal(tree.size, n);
        assert.equal(toHex(tree.root), toHex(root));
        for (let i = 0; i < n; i++) {
          const expected = hexList(naivePath(i, leaves).map((s) => s.hash));
          const proof = inclusionProof(leaves, i);
          assert.deepEqual(hexList(proof), expected, `inclusion ${i}/${n}`);
          assert.deepEqual(hexList(tree.proof(i)), expected, `tree.proof ${i}/${n}`);
          assert.equal(verifyInclusion(leaves[i]!, i, n, proof, root), true);
          assert.equal(toHex(rootFromInclusion(leaves[i]!, i, n, proof)!), toHex(root));
        }
        for (let m = 0; m <= n; m++) {
          const expected = hexList(naiveProof(m, leaves).map((s) => s.hash));
          const proof = consistencyProof(leaves, m);
          assert.deepEqual(hexList(proof), expected, `consistency ${m}/${n}`);
          assert.equal(verifyConsistency(m, n, naiveMth(leaves.slice(0, m)), root, proof), true, `verify ${m}/${n}`);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('promoting the odd last node gives the recursive root (sizes 1..300 exhaustively)', () => {
    const leaves = makeLeaves(300, 7);
    for (let n = 1; n <= 300; n++) {
      assert.equal(toHex(buildMerkleTree(leaves.slice(0, n)).root), toHex(naiveMth(leaves.slice(0, n))), `size ${n}`);
    }
  });

  it('a leaf stays provable in every later tree (inclusion + consistency chain)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 60 }), fc.nat(), (m, extra, seed) => {
        const leaves = makeLeaves(m + extra, seed);
        const n = m + extra;
        const i = seed % m;
        const oldRoot = merkleRoot(leaves.slice(0, m));
        const newRoot = merkleRoot(leaves);
        assert.equal(verifyInclusion(leaves[i]!, i, m, inclusionProof(leaves.slice(0, m), i), oldRoot), true);
        assert.equal(verifyConsistency(m, n, oldRoot, newRoot, consistencyProof(leaves, m)), true);
        assert.equal(verifyInclusion(leaves[i]!, i, n, buildMerkleTree(leaves).proof(i), newRoot), true);
      }),
      { numRuns: 100 },
    );
  });
});

describe('merkle: negative controls', () => {
  it('a flipped bit in the leaf, any sibling or the root fails inclusion', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.nat(), fc.integer({ min: 0, max: 255 }), (n, seed, bit) => {
        const leaves = makeLeaves(n, seed);
        const i = seed % n;
        const root = merkleRoot(leaves);
        const proof = inclusionProof(leaves, i);
        assert.equal(verifyInclusion(leaves[i]!, i, n, proof, root), true);
        assert.equal(verifyInclusion(flip(leaves[i]!, bit), i, n, proof, root), false, 'leaf');
        assert.equal(verifyInclusion(leaves[i]!, i, n, proof, flip(root, bit)), false, 'root');
        for (let s = 0; s < proof.length; s++) {
          const tampered = proof.slice();
          tampered[s] = flip(proof[s]!, bit);
          assert.equal(verifyInclusion(leaves[i]!, i, n, tampered, root), false, `sibling ${s}`);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a flipped bit in the index always fails; in the size it fails unless the path shape is unchanged', () => {
    let sizeFlipsRejected = 0;
    let sizeFlipsSameShape = 0;
    for (let n = 1; n <= 64; n++) {
      const leaves = makeLeaves(n, n);
      const root = merkleRoot(leaves);
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(leaves, i);
        for (let bit = 0; bit < 8; bit++) {
          const otherIndex = i ^ (1 << bit);
          assert.equal(verifyInclusion(leaves[i]!, otherIndex, n, proof, root), false, `index ${i}->${otherIndex} of ${n}`);
          const otherSize = n ^ (1 << bit);
          // The size is not bound by an inclusion proof (RFC 9162: the signed
          // tree head binds it). The proof verifies exactly when the verifier
          // follows the same left/right pattern.
          const sameShape = otherSize > i && inclusionShape(i, otherSize) === inclusionShape(i, n);
          assert.equal(verifyInclusion(leaves[i]!, i, otherSize, proof, root), sameShape, `size ${n}->${otherSize}, index ${i}`);
          if (sameShape) sizeFlipsSameShape++;
          else sizeFlipsRejected++;
        }
      }
    }
    // The control has bite: thousands of size changes are rejected (and the
    // same-shape ones are exactly those the model predicts).
    assert.ok(sizeFlipsRejected > 5000, `${sizeFlipsRejected} rejected, ${sizeFlipsSameShape} same shape`);
  });

  it('consistency: a flipped bit in a proof entry or either root fails; in a size, unless the shape is unchanged', () => {
    let rejected = 0;
    for (let n = 2; n <= 40; n++) {
      const leaves = makeLeaves(n, 1000 + n);
      const newRoot = merkleRoot(leaves);
      for (let m = 1; m < n; m++) {
        const oldRoot = merkleRoot(leaves.slice(0, m));
        const proof = consistencyProof(leaves, m);
        const bit = (m * 31 + n) % 256;
        assert.equal(verifyConsistency(m, n, flip(oldRoot, bit), newRoot, proof), false);
        assert.equal(verifyConsistency(m, n, oldRoot, flip(newRoot, bit), proof), false);
        assert.equal(verifyConsistency(m, n, newRoot, oldRoot, proof), false, 'swapped roots');
        for (let s = 0; s < proof.length; s++) {
          const tampered = proof.slice();
          tampered[s] = flip(proof[s]!, bit);
          assert.equal(verifyConsistency(m, n, oldRoot, newRoot, tampered), false, `entry ${s}`);
        }
        for (let b = 0; b < 6; b++) {
          for (const [m2, n2] of [
            [m ^ (1 << b), n],
            [m, n ^ (1 << b)],
          ] as const) {
            const same = consistencyShape(m2, n2) === consistencyShape(m, n);
            assert.equal(verifyConsistency(m2, n2, oldRoot, newRoot, proof), same, `${m}/${n} -> ${m2}/${n2}`);
            if (!same) rejected++;
          }
        }
      }
    }
    assert.ok(rejected > 1000);
  });

  it('malformed input returns false or undefined and never throws', () => {
    const leaves = makeLeaves(13, 3);
    const root = merkleRoot(leaves);
    const proof = inclusionProof(leaves, 5);
    const leaf = leaves[5]!;
    const bad: unknown[][] = [
      [leaf, 5, 13, [...proof, proof[0]], root], // too long
      [leaf, 5, 13, proof.slice(1), root], // too short
      [leaf, 5, 13, [proof[0]!.subarray(1), ...proof.slice(1)], root], // 31-byte entry
      [leaf, 5, 13, [new Uint8Array(33), ...proof.slice(1)], root], // 33-byte entry
      [leaf, 5, 13, [null, ...proof.slice(1)], root],
      [leaf, 5, 13, [toHex(proof[0]!), ...proof.slice(1)], root],
      [leaf, 5, 13, 'not a proof', root],
      [leaf, 5, 13, undefined, root],
      [leaf.subarray(1), 5, 13, proof, root],
      [null, 5, 13, proof, root],
      [leaf, -1, 13, proof, root],
      [leaf, 5.5, 13, proof, root],
      [leaf, NaN, 13, proof, root],
      [leaf, '5', 13, proof, root],
      [leaf, 13, 13, proof, root],
      [leaf, 5, 0, proof, root],
      [leaf, 5, Infinity, proof, root],
      [leaf, 5, 2 ** 60, proof, root],
    ];
    const verify = verifyInclusion as (...args: unknown[]) => boolean;
    const fromInclusion = rootFromInclusion as (...args: unknown[]) => Uint8Array | undefined;
    for (const args of bad) {
      assert.equal(verify(...args), false, `verifyInclusion(${args.map(String).join(', ').slice(0, 80)})`);
      assert.equal(fromInclusion(...args.slice(0, 4)), undefined);
    }
    assert.equal(verify(leaf, 5, 13, proof, root), true);
    for (const badRoot of [root.subarray(1), null, toHex(root), new Uint8Array(33)]) {
      assert.equal(verify(leaf, 5, 13, proof, badRoot), false);
    }

    const cProof = consistencyProof(leaves, 5);
    const oldRoot = merkleRoot(leaves.slice(0, 5));
    const verifyC = verifyConsistency as (...args: unknown[]) => boolean;
    assert.equal(verifyC(5, 13, oldRoot, root, cProof), true);
    const badC: unknown[][] = [
      [5, 13, oldRoot, root, [...cProof, cProof[0]]],
      [5, 13, oldRoot, root, cProof.slice(0, -1)],
      [5, 13, oldRoot, root, [new Uint8Array(31), ...cProof.slice(1)]],
      [5, 13, oldRoot, root, [undefined, ...cProof.slice(1)]],
      [5, 13, oldRoot, root, null],
      [5, 13, oldRoot.subarray(1), root, cProof],
      [5, 13, oldRoot, 'root', cProof],
      [13, 5, oldRoot, root, cProof],
      [-5, 13, oldRoot, root, cProof],
      [5, 13.5, oldRoot, root, cProof],
      [5, NaN, oldRoot, root, cProof],
      [5, 2 ** 60, oldRoot, root, cProof],
      // Trivial cases with a non-empty proof, or the wrong roots.
      [0, 13, EMPTY_ROOT, root, cProof],
      [0, 13, oldRoot, root, []],
      [13, 13, root, root, cProof],
      [13, 13, root, oldRoot, []],
      [0, 0, EMPTY_ROOT, root, []],
    ];
    for (const args of badC) assert.equal(verifyC(...args), false, `verifyConsistency(${args.slice(0, 2).join(', ')})`);
    assert.equal(verifyConsistency(0, 13, EMPTY_ROOT, root, []), true);
    assert.equal(verifyConsistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, []), true);
    assert.equal(verifyConsistency(13, 13, root, root, []), true);
  });

  it('producers reject bad arguments precisely', () => {
    const leaves = makeLeaves(4, 1);
    assert.throws(() => inclusionProof(leaves, 4), /expected a leaf index in \[0, 4\), got 4/);
    assert.throws(() => buildMerkleTree(leaves).proof(-1), RangeError);
    assert.throws(() => buildMerkleTree([]).proof(0), RangeError);
    assert.throws(() => consistencyProof(leaves, 5), /expected an old size in \[0, 4\], got 5/);
    assert.throws(() => merkleRoot([leaves[0]!, new Uint8Array(31)]), /expected a 32-byte leaf hash at index 1, got 31 bytes/);
    assert.throws(() => nodeHash(leaves[0]!, new Uint8Array(0)), /expected a 32-byte right hash, got 0 bytes/);
  });

  it('proofs are copies: mutating one does not corrupt the tree', () => {
    const leaves = makeLeaves(9, 2);
    const tree = buildMerkleTree(leaves);
    tree.proof(3)[0]!.fill(0);
    assert.deepEqual(hexList(tree.proof(3)), hexList(inclusionProof(leaves, 3)));
    merkleRoot([]).fill(0);
    assert.equal(toHex(EMPTY_ROOT), ROOTS[0]);
  });
});

describe('leafHashUtf8', () => {
  it('is the leaf hash of the text\'s UTF-8 bytes, for any text (one encoding pass, no byte array)', () => {
    for (const text of ['', 'a', '{"code":"OK","events":[],"txId":"ab"}', 'é漢字🙂', '\u0000']) assert.deepEqual(leafHashUtf8(text), leafHash(utf8Encode(text)));
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => toHex(leafHashUtf8(text)) === toHex(leafHash(utf8Encode(text)))));
    assert.notDeepEqual(leafHashUtf8('a'), leafHash(utf8Encode('b'))); // negative control
  });
});
