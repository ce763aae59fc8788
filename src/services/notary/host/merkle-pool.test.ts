import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

test('a pool left open does not keep the process running', () => {
  // A child builds one tree and never closes the pool: it must still exit by itself.
  const script = `import { createMerklePool } from ${JSON.stringify(new URL('./merkle-pool.js', import.meta.url).href)};
const pool = createMerklePool(2);
await pool.build(new Uint8Array(64));
console.log('built');`;
  const r = runScript(script);
  assert.equal(r.signal, null, 'the child was killed at the timeout: the pool kept it running');
  assert.equal(r.stdout.trim(), 'built');
  assert.equal(r.status, 0);
});

/** Runs an ES module's text in a child process (a file: its workers must not inherit --input-type). */
function runScript(script: string): SpawnSyncReturns<string> {
  const dir = mkdtempSync(join(tmpdir(), 'polity-child-'));
  const file = join(dir, 'child.mjs');
  writeFileSync(file, script);
  try {
    return spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 15_000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
