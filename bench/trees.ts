/**
 * Benchmark of the authenticated structures: prints figures, asserts nothing
 * about time (STYLE.md, Tests 7).
 *
 *   npx tsc -p tsconfig.json && node --expose-gc dist/bench/trees.js [merkle|history|state] [stateKeys]
 *
 * Every figure here is dominated by SHA-256 calls; the last line prints what
 * one call costs on this machine, to read the others against.
 *
 * - crypto/merkle.ts: build a receipt tree over 1M leaf hashes, proofs.
 * - ledger/history-log.ts: append 1M block hashes, proofs from a store.
 * - ledger/state-tree.ts: build from 1M entries, apply 10,000 changes, proofs.
 */
import { performance } from 'node:perf_hooks';
import { buildMerkleTree, verifyInclusion } from '../src/crypto/merkle.js';
import { sha256 } from '../src/crypto/sha256.js';
import { createHistoryLog, historyConsistencyProof, historyInclusionProof } from '../src/ledger/history-log.js';
import { applyStateChanges, buildStateTree, proveState, stateRoot, verifyStateProof } from '../src/ledger/state-tree.js';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const ms = (t0: number): string => `${(performance.now() - t0).toFixed(0)} ms`;
const mb = (): string => {
  gc();
  const m = process.memoryUsage();
  return `heap ${(m.heapUsed / 1e6).toFixed(0)} MB, array buffers ${(m.arrayBuffers / 1e6).toFixed(0)} MB, rss ${(m.rss / 1e6).toFixed(0)} MB`;
};
const only = process.argv[2];
const runs = (part: string): boolean => only === undefined || only === part;
const u32 = (i: number): Uint8Array => Uint8Array.of(i >>> 24, (i >>> 16) & 0xff, (i >>> 8) & 0xff, i & 0xff);

// Each part is a function, so that its data is garbage before the next one runs.

// --- merkle ---------------------------------------------------------------
async function benchMerkle(): Promise<void> {
  const n = 1_000_000;
  const leaves = Array.from({ length: n }, (_, i) => sha256(u32(i)));
  let t0 = performance.now();
  const tree = buildMerkleTree(leaves);
  console.log(`merkle: buildMerkleTree(${n}) ${ms(t0)}`);
  t0 = performance.now();
  const proofs = 100_000;
  for (let i = 0; i < proofs; i++) tree.proof((i * 7919) % n);
  console.log(`merkle: ${proofs} proofs ${ms(t0)} (${tree.proof(0).length} hashes each)`);
  t0 = performance.now();
  for (let i = 0; i < 10_000; i++) {
    const index = (i * 7919) % n;
    if (!verifyInclusion(leaves[index]!, index, n, tree.proof(index), tree.root)) throw new Error('bad proof');
  }
  console.log(`merkle: 10000 verifyInclusion ${ms(t0)}`);
}

// --- history log ------------------------------------------------------------
async function benchHistory(): Promise<void> {
  const n = 1_000_000;
  const nodes = new Map<number, Uint8Array>();
  const key = (level: number, index: number): number => index * 64 + level;
  const store = { getNode: async (level: number, index: number) => nodes.get(key(level, index)) };
  const log = createHistoryLog();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) for (const node of log.append(sha256(u32(i)))) nodes.set(key(node.level, node.index), node.hash);
  console.log(`history: ${n} appends ${ms(t0)}`);
  const t1 = performance.now();
  for (let i = 0; i < 10_000; i++) {
    await historyInclusionProof(store, (i * 7919) % (n - 1), n - 1);
    await historyConsistencyProof(store, 1 + ((i * 104729) % (n - 1)), n);
  }
  console.log(`history: 10000 inclusion + 10000 consistency proofs ${ms(t1)}`);
}

// --- state tree -------------------------------------------------------------
async function benchState(): Promise<void> {
  const n = Number(process.argv[3] ?? 1_000_000);
  const enc = new TextEncoder();
  gc();
  console.log(`state: before build: ${mb()}`);
  // Streamed, as from the store: the tree does not keep the entries.
  function* entries(): Generator<{ key: Uint8Array; value: Uint8Array }> {
    for (let i = 0; i < n; i++) yield { key: enc.encode(`account/${i}`), value: enc.encode(`{"balance":${i}}`) };
  }
  let t0 = performance.now();
  let tree = buildStateTree(entries());
  console.log(`state: buildStateTree(${n}) ${ms(t0)} (including UTF-8 encoding of the entries)`);
  console.log(`state: after build: ${mb()}`);
  t0 = performance.now();
  const tree0 = tree;
  const root0 = stateRoot(tree);
  console.log(`state: root ${ms(t0)}`);
  for (let round = 0; round < 8; round++) {
    const changes = Array.from({ length: 10_000 }, (_, i) => {
      const k = (i * 7919 + round * 104729) % (n * 1.01); // ~1% fresh keys
      return { key: enc.encode(`account/${Math.floor(k)}`), value: i % 50 === 0 ? null : enc.encode(`{"balance":${round}-${i}}`) };
    });
    t0 = performance.now();
    const next = applyStateChanges(tree, changes);
    stateRoot(next);
    console.log(`state: applyStateChanges(10000 changes, ${n} keys) + stateRoot ${ms(t0)}`);
    tree = next;
  }
  t0 = performance.now();
  for (let i = 0; i < 10_000; i++) proveState(tree, enc.encode(`account/${i * 97}`));
  console.log(`state: 10000 proveState ${ms(t0)} (${proveState(tree, enc.encode('account/1')).siblings.length} siblings)`);
  const proofs = Array.from({ length: 10_000 }, (_, i) => proveState(tree, enc.encode(`missing/${i}`)));
  const root = stateRoot(tree);
  t0 = performance.now();
  for (let i = 0; i < 10_000; i++) if (!verifyStateProof(root, enc.encode(`missing/${i}`), null, proofs[i]!)) throw new Error('bad');
  console.log(`state: 10000 verifyStateProof (absent keys) ${ms(t0)}`);
  console.log(`state: after updates: ${mb()}`);
  // The first tree still proves its values under its own root.
  const old = proveState(tree0, enc.encode('account/0'));
  if (!verifyStateProof(root0, enc.encode('account/0'), enc.encode('{"balance":0}'), old)) throw new Error('old proof');
}

// --- the unit everything above is made of ------------------------------------
function benchSha256(): void {
  const input = new Uint8Array(65);
  const t0 = performance.now();
  for (let i = 0; i < 1_000_000; i++) {
    input[0] = i & 0xff;
    sha256(input);
  }
  console.log(`sha256 of 65 bytes through crypto/sha256.ts: ${((performance.now() - t0) / 1000).toFixed(2)} µs per call`);
}

if (runs('merkle')) await benchMerkle();
if (runs('history')) await benchHistory();
if (runs('state')) await benchState();
benchSha256();
