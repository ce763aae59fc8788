/**
 * Tests for state-tree.ts: frozen known answers, properties against a naive
 * model written from the definition, persistence, proofs and their negative
 * controls. No timing assertions (see bench/trees.ts for figures).
 */
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toHex, utf8Encode } from '../crypto/bytes.js';
import {
  EMPTY_STATE_ROOT,
  applyStateChanges,
  buildStateTree,
  emptyStateTree,
  proveState,
  stateRoot,
  stateTreeSize,
  verifyStateProof,
  type StateProof,
  type StateTree,
} from './state-tree.js';

// ---------------------------------------------------------------------------
// The naive model: the normative definition, recursively over all 256 levels,
// with its own SHA-256 (node:crypto createHash, not ../crypto/sha256.js).

const H = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const ZERO = new Uint8Array(32);
const bit = (keyHash: Uint8Array, i: number): number => (keyHash[Math.floor(i / 8)]! >> (7 - (i % 8))) & 1;

interface Item {
  keyHash: Uint8Array;
  valueHash: Uint8Array;
}
type Model = Map<string, { key: Uint8Array; value: Uint8Array }>; // by hex key

function items(model: Model): Item[] {
  return [...model.values()].map(({ key, value }) => ({ keyHash: H(key), valueHash: H(value) }));
}

function naiveHash(entries: Item[], depth: number): Uint8Array {
  if (entries.length === 0) return ZERO;
  if (entries.length === 1) return H(Uint8Array.of(0), entries[0]!.keyHash, entries[0]!.valueHash);
  const left = entries.filter((e) => bit(e.keyHash, depth) === 0);
  const right = entries.filter((e) => bit(e.keyHash, depth) === 1);
  return H(Uint8Array.of(1), naiveHash(left, depth + 1), naiveHash(right, depth + 1));
}

const naiveRoot = (model: Model): Uint8Array => naiveHash(items(model), 0);

/** The proof the definition implies: siblings down the key's path until at most one entry is left. */
function naiveProof(model: Model, key: Uint8Array): StateProof {
  const keyHash = H(key);
  let entries = items(model);
  const siblings: (string | null)[] = [];
  for (let depth = 0; entries.length >= 2; depth++) {
    const side = bit(keyHash, depth);
    const other = entries.filter((e) => bit(e.keyHash, depth) !== side);
    siblings.push(other.length === 0 ? null : toHex(naiveHash(other, depth + 1)));
    entries = entries.filter((e) => bit(e.keyHash, depth) === side);
  }
  const lone = entries[0];
  return {
    siblings,
    terminal: lone ? { type: 'leaf', keyHash: toHex(lone.keyHash), valueHash: toHex(lone.valueHash) } : { type: 'empty' },
  };
}

// ---------------------------------------------------------------------------
// Known answers. Derived with an independent Python implementation of the
// definition in the header of state-tree.ts (hashlib, recursive over the
// bits, about 20 lines), not with this code; frozen here so any change of
// the definition is caught.

const enc = utf8Encode;
const SET_ONE = new Map([['alice', '100']]);
const SET_TWO = new Map([
  ['alice', '100'],
  ['bob', '250'],
]);
const SET_FIVE: [Uint8Array, Uint8Array][] = [
  [enc('alice'), enc('100')],
  [enc('bob'), enc('250')],
  [enc('carol'), enc('')],
  [enc(''), enc('empty key')],
  [Uint8Array.of(0x00, 0xff), Uint8Array.of(0x01, 0x02)],
];
/** k8 and k12 have key hashes 5a3d… and 58e0…: six shared bits, so padding levels; alice (2bd8…) also starts with bit 0. */
const SET_GAP = new Map([
  ['k8', 'v0'],
  ['k12', 'v1'],
  ['alice', '100'],
]);

const KAT_ROOTS = {
  one: 'e88595db6e2373140c77336108e543dd79e1c6420dff08568b120417c8af88b5',
  two: '5660d49562fc9ec3f328679dd2d7d810ac22aa21125d7965d1b2337c14652058',
  five: 'b802869a8a73a19d34638a5754ab28a07dc170c2ba6df52901571ca7117b534e',
  gap: '0f9bfb973d35ab0f67bc4cdc1f426ddf06cee58f2248a8f578d22131df4675b5',
};

const KAT_PROOFS: { set: 'five' | 'gap'; key: Uint8Array; value: Uint8Array | null; proof: StateProof }[] = [
  {
    set: 'five',
    key: enc('alice'),
    value: enc('100'),
    proof: {
      siblings: [
        '0eae6903f8811099d511de05e637576fd5ced3e26bbbb5e285b696be0b8e3cb5',
        '390cf56ecd9691b3f84770ef6877873b8e348389b6fe124f4749309e7b4161bf',
        'b4985742827ab6d2bf7cc05f7aed67841665841239599176859bbe509b3c5a69',
      ],
      terminal: {
        type: 'leaf',
        keyHash: '2bd806c97f0e00af1a1fc3328fa763a9269723c8db8fac4f93af71db186d6e90',
        valueHash: 'ad57366865126e55649ecb23ae1d48887544976efea46a48eb5d85a6eeb4d306',
      },
    },
  },
  {
    // Absent key whose path ends at carol's leaf.
    set: 'five',
    key: enc('dave'),
    value: null,
    proof: {
      siblings: ['0eae6903f8811099d511de05e637576fd5ced3e26bbbb5e285b696be0b8e3cb5', '966f01fcc8623923865fb70d785ddd8e5932b7f8ae0f49ff9f335077b08f02bb'],
      terminal: {
        type: 'leaf',
        keyHash: '4c26d9074c27d89ede59270c0ac14b71e071b15239519f75474b2f3ba63481f5',
        valueHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      },
    },
  },
  {
    set: 'gap',
    key: enc('k8'),
    value: enc('v0'),
    proof: {
      siblings: [
        null,
        'e88595db6e2373140c77336108e543dd79e1c6420dff08568b120417c8af88b5',
        null,
        null,
        null,
        null,
        '360803954550ce51c60db4e0238959dd137c3f0d31de443de151cac33182082e',
      ],
      terminal: {
        type: 'leaf',
        keyHash: '5a3df89da7bf23d71ec63f111d9171c3f05047380a17812f20248e63cfded4fb',
        valueHash: '0270da4daac514f30bece5788a87ad7b800f59476d0d7e6f70d4b61fbc4f5e9e',
      },
    },
  },
  {
    // Absent key whose path leaves the k8/k12 pair inside its padding levels.
    set: 'gap',
    key: enc('absent-1'),
    value: null,
    proof: {
      siblings: [
        null,
        'e88595db6e2373140c77336108e543dd79e1c6420dff08568b120417c8af88b5',
        'f4ca6151cd7793a0f3a977c875f851142bf75f49a295f796a85e36e9e897e3c0',
      ],
      terminal: { type: 'empty' },
    },
  },
];

const fromStrings = (m: Map<string, string>): [Uint8Array, Uint8Array][] => [...m].map(([k, v]) => [enc(k), enc(v)]);
const treeOf = (entries: [Uint8Array, Uint8Array][]): StateTree => buildStateTree(entries.map(([key, value]) => ({ key, value })));
const KAT_TREES = { five: treeOf(SET_FIVE), gap: treeOf(fromStrings(SET_GAP)) };

describe('state tree: known answers (independent Python implementation)', () => {
  it('roots', () => {
    assert.equal(toHex(stateRoot(emptyStateTree())), '00'.repeat(32));
    assert.equal(toHex(EMPTY_STATE_ROOT), '00'.repeat(32));
    assert.equal(toHex(stateRoot(treeOf(fromStrings(SET_ONE)))), KAT_ROOTS.one);
    assert.equal(toHex(stateRoot(treeOf(fromStrings(SET_TWO)))), KAT_ROOTS.two);
    assert.equal(toHex(stateRoot(KAT_TREES.five)), KAT_ROOTS.five);
    assert.equal(toHex(stateRoot(KAT_TREES.gap)), KAT_ROOTS.gap);
    // A lone entry is its leaf hash, written out from the definition.
    assert.equal(KAT_ROOTS.one, toHex(H(Uint8Array.of(0), H(enc('alice')), H(enc('100')))));
  });

  it('the same roots through applyStateChanges, one key at a time', () => {
    let tree = emptyStateTree();
    for (const [key, value] of SET_FIVE) tree = applyStateChanges(tree, [{ key, value }]);
    assert.equal(toHex(stateRoot(tree)), KAT_ROOTS.five);
    assert.equal(stateTreeSize(tree), 5);
  });

  it('proofs', () => {
    for (const v of KAT_PROOFS) {
      const tree = KAT_TREES[v.set];
      assert.deepEqual(proveState(tree, v.key), v.proof, `proof of ${toHex(v.key)}`);
      assert.equal(verifyStateProof(stateRoot(tree), v.key, v.value, v.proof), true);
      assert.equal(verifyStateProof(stateRoot(tree), v.key, v.value === null ? enc('x') : null, v.proof), false);
    }
  });
});

// ---------------------------------------------------------------------------
// Properties.

/** Keys from a small universe, so that updates and deletes hit existing keys. */
const UNIVERSE = Array.from({ length: 48 }, (_, i) => enc(`key/${i}`));
const change = fc.record({
  key: fc.integer({ min: 0, max: UNIVERSE.length - 1 }),
  value: fc.option(fc.uint8Array({ maxLength: 6 }), { nil: null, freq: 4 }),
});
const batches = fc.array(fc.array(change, { maxLength: 12 }), { minLength: 1, maxLength: 10 });

function applyToModel(model: Model, batch: { key: number; value: Uint8Array | null }[]): Model {
  const next: Model = new Map(model);
  for (const c of batch) {
    const key = UNIVERSE[c.key]!;
    if (c.value === null) next.delete(toHex(key));
    else next.set(toHex(key), { key, value: c.value });
  }
  return next;
}
const toChanges = (batch: { key: number; value: Uint8Array | null }[]) => batch.map((c) => ({ key: UNIVERSE[c.key]!, value: c.value }));

describe('state tree: properties against the naive model', () => {
  it('roots and sizes after random insert / update / delete batches; old trees keep their roots and proofs', () => {
    fc.assert(
      fc.property(batches, (bs) => {
        let tree = emptyStateTree();
        let model: Model = new Map();
        const history: { tree: StateTree; model: Model; root: Uint8Array }[] = [];
        for (const batch of bs) {
          tree = applyStateChanges(tree, toChanges(batch));
          model = applyToModel(model, batch);
          const root = stateRoot(tree);
          assert.equal(toHex(root), toHex(naiveRoot(model)));
          assert.equal(stateTreeSize(tree), model.size);
          history.push({ tree, model, root });
        }
        // Persistence: every earlier tree still has its root and proves its own values.
        for (const { tree: old, model: oldModel, root } of history) {
          assert.equal(toHex(stateRoot(old)), toHex(root));
          for (const key of UNIVERSE.slice(0, 16)) {
            const value = oldModel.get(toHex(key))?.value ?? null;
            const proof = proveState(old, key);
            assert.equal(verifyStateProof(root, key, value, proof), true);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('the root depends on the set of entries only: insertion order, batching and bulk build agree', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.uint8Array({ maxLength: 8 }), { maxLength: 40, selector: (k) => toHex(k) }),
        fc.nat(),
        (keys, seed) => {
          const entries = keys.map((key, i) => ({ key, value: Uint8Array.of(i, seed & 0xff) }));
          const shuffled = [...entries].sort((a, b) => ((toHex(a.key).length * 31 + seed) % 7) - ((toHex(b.key).length * 31 + seed) % 7) || 0).reverse();
          const built = buildStateTree(entries);
          const root = toHex(stateRoot(built));
          assert.equal(toHex(stateRoot(buildStateTree(shuffled))), root);
          assert.equal(toHex(stateRoot(applyStateChanges(emptyStateTree(), shuffled))), root);
          let oneByOne = emptyStateTree();
          for (const e of shuffled) oneByOne = applyStateChanges(oneByOne, [e]);
          assert.equal(toHex(stateRoot(oneByOne)), root);
          const model: Model = new Map(entries.map((e) => [toHex(e.key), e]));
          assert.equal(root, toHex(naiveRoot(model)));
          // Deleting everything, in another order, gives the empty root.
          const cleared = applyStateChanges(built, shuffled.map((e) => ({ key: e.key, value: null })));
          assert.equal(toHex(stateRoot(cleared)), toHex(EMPTY_STATE_ROOT));
          assert.equal(stateTreeSize(cleared), 0);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('later changes to the same key win, in a batch and in a bulk build', () => {
    const key = enc('k');
    const tree = applyStateChanges(emptyStateTree(), [
      { key, value: enc('1') },
      { key: enc('other'), value: enc('x') },
      { key, value: null },
      { key, value: enc('3') },
    ]);
    const expected = treeOf([
      [key, enc('3')],
      [enc('other'), enc('x')],
    ]);
    assert.equal(toHex(stateRoot(tree)), toHex(stateRoot(expected)));
    const deleted = applyStateChanges(tree, [
      { key, value: enc('4') },
      { key, value: null },
    ]);
    assert.equal(stateTreeSize(deleted), 1);
    const bulk = buildStateTree([
      { key, value: enc('1') },
      { key, value: enc('3') },
      { key: enc('other'), value: enc('x') },
    ]);
    assert.equal(toHex(stateRoot(bulk)), toHex(stateRoot(expected)));
    assert.equal(stateTreeSize(bulk), 2);
  });

  it('proofs equal the definition\'s proofs and verify, for present and absent keys', () => {
    fc.assert(
      fc.property(batches, fc.array(fc.uint8Array({ maxLength: 4 }), { maxLength: 8 }), (bs, extraKeys) => {
        const model = bs.reduce(applyToModel, new Map() as Model);
        const tree = applyStateChanges(emptyStateTree(), toChanges(bs.flat()));
        const root = stateRoot(tree);
        for (const key of [...UNIVERSE, ...extraKeys]) {
          const value = model.get(toHex(key))?.value ?? null;
          const proof = proveState(tree, key);
          assert.deepEqual(proof, naiveProof(model, key));
          assert.equal(verifyStateProof(root, key, value, proof), true);
          // A JSON round trip changes nothing.
          assert.equal(verifyStateProof(root, key, value, JSON.parse(JSON.stringify(proof))), true);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('a larger tree: 3,000 keys built in bulk, then 500 random changes, against the model', () => {
    const entries = Array.from({ length: 3000 }, (_, i) => ({ key: enc(`account/${i}`), value: enc(`${i * 7}`) }));
    let tree = buildStateTree(entries);
    const model: Model = new Map(entries.map((e) => [toHex(e.key), e]));
    assert.equal(toHex(stateRoot(tree)), toHex(naiveRoot(model)));
    const changes = Array.from({ length: 500 }, (_, i) => {
      const key = enc(`account/${(i * 7919) % 3300}`);
      return { key, value: i % 5 === 0 ? null : enc(`new ${i}`) };
    });
    const before = tree;
    tree = applyStateChanges(tree, changes);
    for (const c of changes) {
      if (c.value === null) model.delete(toHex(c.key));
      else model.set(toHex(c.key), { key: c.key, value: c.value });
    }
    assert.equal(toHex(stateRoot(tree)), toHex(naiveRoot(model)));
    assert.equal(stateTreeSize(tree), model.size);
    assert.equal(stateTreeSize(before), 3000);
    for (const i of [0, 1, 2999, 3001, 3299]) {
      const key = enc(`account/${i}`);
      assert.deepEqual(proveState(tree, key), naiveProof(model, key));
    }
  });

  it('long shared prefixes: keys whose hashes share 16+ bits', () => {
    // Find, by brute force, keys whose hashes share their first 16 bits.
    const byPrefix = new Map<number, Uint8Array[]>();
    let group: Uint8Array[] | undefined;
    for (let i = 0; !group; i++) {
      const key = enc(`deep/${i}`);
      const h = H(key);
      const prefix = (h[0]! << 8) | h[1]!;
      const keys = byPrefix.get(prefix) ?? [];
      keys.push(key);
      byPrefix.set(prefix, keys);
      if (keys.length === 2) group = keys;
    }
    // ... plus keys that share only 8 of those bits, to end paths inside the padding levels.
    const g0 = H(group[0]!);
    const near: Uint8Array[] = [];
    for (let i = 0; near.length < 4; i++) {
      const key = enc(`near/${i}`);
      const h = H(key);
      if (h[0] === g0[0] && h[1] !== g0[1]) near.push(key);
    }
    const model: Model = new Map();
    let tree = emptyStateTree();
    for (const key of [...group, near[0]!, enc('elsewhere')]) {
      model.set(toHex(key), { key, value: key });
      tree = applyStateChanges(tree, [{ key, value: key }]);
    }
    const root = stateRoot(tree);
    assert.equal(toHex(root), toHex(naiveRoot(model)));
    for (const key of [...group, ...near, enc('elsewhere'), enc('nowhere')]) {
      const proof = proveState(tree, key);
      assert.deepEqual(proof, naiveProof(model, key));
      assert.equal(verifyStateProof(root, key, model.get(toHex(key))?.value ?? null, proof), true);
    }
    assert.ok(proveState(tree, group[0]!).siblings.length > 16);
    // Remove one of the pair: the other moves up to where the pair's branch was.
    tree = applyStateChanges(tree, [{ key: group[1]!, value: null }]);
    model.delete(toHex(group[1]!));
    assert.equal(toHex(stateRoot(tree)), toHex(naiveRoot(model)));
  });
});

// ---------------------------------------------------------------------------
// Negative controls.

const flipHex = (hex: string, bitIndex: number): string => {
  const bytes = Buffer.from(hex, 'hex');
  bytes[bitIndex >> 3]! ^= 1 << (bitIndex & 7);
  return bytes.toString('hex');
};
const clone = (p: StateProof): StateProof => JSON.parse(JSON.stringify(p));

describe('state tree: negative controls', () => {
  const entries = Array.from({ length: 60 }, (_, i) => ({ key: enc(`key/${i}`), value: enc(`value ${i}`) }));
  const tree = buildStateTree(entries);
  const root = stateRoot(tree);
  const present = entries.slice(0, 20);
  const absent = Array.from({ length: 20 }, (_, i) => enc(`absent/${i}`));

  it('a wrong value, or presence claimed for an absent key or absence for a present one, fails', () => {
    for (const { key, value } of present) {
      const proof = proveState(tree, key);
      assert.equal(verifyStateProof(root, key, value, proof), true);
      assert.equal(verifyStateProof(root, key, enc('another value'), proof), false);
      assert.equal(verifyStateProof(root, key, null, proof), false);
      assert.equal(verifyStateProof(root, key, new Uint8Array(0), proof), false);
    }
    for (const key of absent) {
      const proof = proveState(tree, key);
      assert.equal(verifyStateProof(root, key, null, proof), true);
      assert.equal(verifyStateProof(root, key, enc('anything'), proof), false);
      assert.equal(verifyStateProof(root, key, new Uint8Array(0), proof), false);
    }
  });

  it('a proof for one key does not prove another (unless the definition gives both the same proof)', () => {
    const model: Model = new Map(entries.map((e) => [toHex(e.key), e]));
    let shared = 0;
    for (const { key, value } of present) {
      for (const other of [...present.map((p) => p.key), ...absent]) {
        if (other === key) continue;
        assert.equal(verifyStateProof(root, other, value, proveState(tree, key)), false);
      }
    }
    for (const key of absent) {
      const proof = proveState(tree, key);
      for (const other of absent) {
        const same = JSON.stringify(naiveProof(model, other)) === JSON.stringify(proof);
        if (same && other !== key) shared++;
        assert.equal(verifyStateProof(root, other, null, proof), same);
      }
    }
    assert.ok(shared < absent.length * absent.length);
  });

  it('any tampered sibling fails: a flipped bit, an empty made non-empty, a hash made empty', () => {
    for (const key of [...present.map((p) => p.key), ...absent]) {
      const value = entries.find((e) => toHex(e.key) === toHex(key))?.value ?? null;
      const proof = proveState(tree, key);
      proof.siblings.forEach((sibling, i) => {
        const tampered = clone(proof);
        if (sibling === null) {
          tampered.siblings[i] = toHex(H(enc('not empty')));
          assert.equal(verifyStateProof(root, key, value, tampered), false);
          tampered.siblings[i] = '00'.repeat(32); // the empty hash spelled out is the same subtree
          const lastAndEmpty = i === proof.siblings.length - 1;
          assert.equal(verifyStateProof(root, key, value, tampered), !lastAndEmpty);
        } else {
          for (const b of [0, 7, 100, 255]) {
            tampered.siblings[i] = flipHex(sibling, b);
            assert.equal(verifyStateProof(root, key, value, tampered), false);
          }
          tampered.siblings[i] = null;
          assert.equal(verifyStateProof(root, key, value, tampered), false);
        }
      });
      // Truncated, extended, or a flipped root.
      assert.equal(verifyStateProof(root, key, value, { ...proof, siblings: proof.siblings.slice(0, -1) }), false);
      assert.equal(verifyStateProof(root, key, value, { ...proof, siblings: [...proof.siblings, null] }), false);
      assert.equal(verifyStateProof(root, key, value, { ...proof, siblings: [null, ...proof.siblings] }), false);
      const badRoot = new Uint8Array(root);
      badRoot[31]! ^= 1;
      assert.equal(verifyStateProof(badRoot, key, value, proof), false);
    }
  });

  it('a swapped terminal fails', () => {
    const { key, value } = present[3]!;
    const proof = proveState(tree, key);
    assert.equal(proof.terminal.type, 'leaf');
    if (proof.terminal.type !== 'leaf') return;
    const t = proof.terminal;
    const cases: StateProof['terminal'][] = [
      { type: 'empty' },
      { ...t, valueHash: toHex(H(enc('another value'))) },
      { ...t, keyHash: flipHex(t.keyHash, 255) },
      { ...t, keyHash: t.valueHash, valueHash: t.keyHash },
      proveState(tree, present[4]!.key).terminal,
    ];
    for (const terminal of cases) assert.equal(verifyStateProof(root, key, value, { siblings: proof.siblings, terminal }), false);

    // Non-inclusion: swap the terminal for another key's leaf, or for empty / a leaf.
    for (const missing of absent) {
      const p = proveState(tree, missing);
      const swaps: StateProof['terminal'][] =
        p.terminal.type === 'empty'
          ? [proveState(tree, present[0]!.key).terminal, { type: 'leaf', keyHash: toHex(H(missing)), valueHash: toHex(H(enc(''))) }]
          : [{ type: 'empty' }, { ...p.terminal, valueHash: flipHex(p.terminal.valueHash, 3) }, proveState(tree, present[0]!.key).terminal];
      for (const terminal of swaps) {
        const ok = JSON.stringify(terminal) === JSON.stringify(p.terminal);
        assert.equal(verifyStateProof(root, missing, null, { siblings: p.siblings, terminal }), ok);
      }
    }
  });

  it('a deleted key cannot be shown present, by a new proof or by an old one', () => {
    const { key, value } = present[5]!;
    const oldProof = proveState(tree, key);
    const after = applyStateChanges(tree, [{ key, value: null }]);
    const newRoot = stateRoot(after);
    const newProof = proveState(after, key);
    assert.equal(verifyStateProof(newRoot, key, null, newProof), true);
    assert.equal(verifyStateProof(newRoot, key, value, newProof), false);
    assert.equal(verifyStateProof(newRoot, key, value, oldProof), false);
    // The old tree is untouched and still proves the value under the old root.
    assert.equal(verifyStateProof(root, key, value, proveState(tree, key)), true);
    assert.equal(verifyStateProof(root, key, value, oldProof), true);
  });

  it('malformed proofs and arguments return false and never throw', () => {
    const { key, value } = present[0]!;
    const good = proveState(tree, key);
    const hostile = {
      get siblings(): never {
        throw new Error('boom');
      },
      terminal: { type: 'empty' },
    };
    const bad: unknown[] = [
      null,
      undefined,
      'proof',
      42,
      [],
      {},
      { siblings: good.siblings },
      { terminal: good.terminal },
      { siblings: 'x', terminal: good.terminal },
      { siblings: [...good.siblings.slice(0, -1), 'zz'.repeat(32)], terminal: good.terminal },
      { siblings: [...good.siblings.slice(0, -1), good.siblings.at(-1)!.toUpperCase()], terminal: good.terminal },
      { siblings: [...good.siblings.slice(0, -1), good.siblings.at(-1)!.slice(2)], terminal: good.terminal },
      { siblings: [...good.siblings.slice(0, -1), 7], terminal: good.terminal },
      { siblings: [...good.siblings.slice(0, -1), undefined], terminal: good.terminal },
      { siblings: new Array(257).fill(null), terminal: { type: 'empty' } },
      { siblings: good.siblings, terminal: null },
      { siblings: good.siblings, terminal: { type: 'leaf' } },
      { siblings: good.siblings, terminal: { type: 'other' } },
      { siblings: good.siblings, terminal: { ...good.terminal, keyHash: 42 } },
      { siblings: good.siblings, terminal: { ...good.terminal, valueHash: 'ab' } },
      hostile,
    ];
    const verify = verifyStateProof as (...args: unknown[]) => boolean;
    bad.forEach((proof, i) => assert.equal(verify(root, key, value, proof), false, `malformed proof #${i}`));
    assert.equal(verify(root.subarray(1), key, value, good), false);
    assert.equal(verify(toHex(root), key, value, good), false);
    assert.equal(verify(root, toHex(key), value, good), false);
    assert.equal(verify(root, key, 'value', good), false);
    assert.equal(verify(root, key, undefined, good), false);
    assert.equal(verify(root, key, value, good), true);
  });

  it('bad changes and entries are rejected precisely', () => {
    const apply = applyStateChanges as (...args: unknown[]) => StateTree;
    const build = buildStateTree as (...args: unknown[]) => StateTree;
    assert.throws(() => apply(tree, [{ key: 'k', value: null }]), /expected change 0 to have a Uint8Array key, got string/);
    assert.throws(() => apply(tree, [{ key: enc('k'), value: null }, { key: enc('k'), value: 5 }]), /expected change 1 to have a Uint8Array value or null, got number/);
    assert.throws(() => apply(tree, 'changes'), /expected an array of state changes, got string/);
    assert.throws(() => apply({}, []), /expected a StateTree, got object/);
    assert.throws(() => build([{ key: enc('k'), value: null }]), /expected change 0 to have a Uint8Array value, got null/);
    assert.throws(() => build(5), /expected an iterable of state entries, got number/);
    assert.throws(() => proveState(tree, 'k' as unknown as Uint8Array), /expected the key as a Uint8Array, got string/);
    // A failed bulk build leaves no trace: the next one is unaffected.
    assert.equal(toHex(stateRoot(buildStateTree(entries))), toHex(root));
    // Applying nothing returns the same tree.
    assert.equal(applyStateChanges(tree, []), tree);
  });
});
