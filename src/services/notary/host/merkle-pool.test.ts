import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { buildMerkleTree, leafHash, verifyInclusion } from '../../../crypto/merkle.js';
import { createMerklePool, CHUNK_LEVELS } from './merkle-pool.js';

test('worker-built trees equal buildMerkleTree at chunk boundaries and odd sizes', async () => {
  const pool = createMerklePool(2);
  try {
    const chunk = 2 ** CHUNK_LEVELS;
    for (const size of [1, 2, 3, 7, 1000, chunk - 1, chunk, chunk + 1, 2 * chunk + 5, 3 * chunk]) {
      const docs = randomBytes(size * 32);
      const tree = await pool.build(docs);
      const leaves = Array.from({ length: size }, (_, i) => leafHash(docs.subarray(i * 32, i * 32 + 32)));
      const reference = buildMerkleTree(leaves);
      assert.deepEqual(tree.root, reference.root, `root for size ${size}`);
      for (const i of [0, size - 1, Math.floor(size / 2)]) {
        assert.deepEqual(tree.proof(i), reference.proof(i), `proof ${i} of ${size}`);
        assert.ok(verifyInclusion(leaves[i]!, i, size, tree.proof(i), tree.root));
      }
    }
  } finally {
    await pool.close();
  }
});
